package config

import (
	"strings"
	"testing"
)

// TestEndpointOverridesAnInvalidEnvRegion: with an explicit endpoint, a bad
// HUAWEI_CLOUD_REGION is a warning; a bad region input, or a bad
// HUAWEI_CLOUD_REGION without an endpoint, is still bad input.
func TestEndpointOverridesAnInvalidEnvRegion(t *testing.T) {
	t.Parallel()
	in := map[string]string{"record-id": goodID, "token": "tok-abc", "endpoint": "https://build.example.com"}
	c, err := Load(src(in, map[string]string{"HUAWEI_CLOUD_REGION": "north"}))
	if err != nil {
		t.Fatalf("endpoint set, bad HUAWEI_CLOUD_REGION: %v", err)
	}
	if c.Region != "" || c.Endpoint != "https://build.example.com" || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "HUAWEI_CLOUD_REGION") {
		t.Errorf("region %q endpoint %q warnings %q", c.Region, c.Endpoint, c.Warnings)
	}
	in["region"] = "north"
	if _, err := Load(src(in, nil)); err == nil || !strings.Contains(err.Error(), "input region") {
		t.Errorf("a bad region input with an endpoint: %v, want an error naming region", err)
	}
	delete(in, "region")
	delete(in, "endpoint")
	if _, err := Load(src(in, map[string]string{"HUAWEI_CLOUD_REGION": "north"})); err == nil || !strings.Contains(err.Error(), "from HUAWEI_CLOUD_REGION") {
		t.Errorf("a bad HUAWEI_CLOUD_REGION without an endpoint: %v", err)
	}
}
