package config

import (
	"strings"
	"testing"
)

// TestInputsTableIsConsistent checks what the table itself promises: each
// default parses as its kind and is accepted by Load, a credential read
// from the environment names its variable, and the description tells users
// about the fallback.
func TestInputsTableIsConsistent(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, in := range Inputs {
		if seen[in.Name] {
			t.Errorf("input %s declared twice", in.Name)
		}
		seen[in.Name] = true
		if in.Default != "" {
			var err error
			switch in.Kind {
			case Bool:
				_, err = parseBool(in.Name, in.Default)
			case Int:
				_, err = intIn(func(string) string { return in.Default }, in.Name, -1<<31, 1<<31)
			case Duration:
				_, err = parseDuration(in.Name, in.Default, 0, 1<<62)
			}
			if err != nil {
				t.Errorf("input %s: default %q is not a %s: %v", in.Name, in.Default, in.Kind, err)
			}
		}
		if in.Kind == Bool && in.Default == "" {
			t.Errorf("bool input %s has no default", in.Name)
		}
		if (in.Secret || in.EnvOnly) && in.Env == "" {
			t.Errorf("credential %s has no environment variable to come from", in.Name)
		}
		if in.Secret && !in.EnvOnly {
			t.Errorf("secret %s would be accepted as a command-line flag", in.Name)
		}
		if in.Env != "" && !strings.Contains(in.Description, "`$"+in.Env+"`") {
			t.Errorf("input %s falls back to %s but its description does not say so", in.Name, in.Env)
		}
		if in.Required && in.Default != "" {
			t.Errorf("input %s is required and has a default", in.Name)
		}
	}
}

// TestEnvironmentFallbackFollowsTheTable sets each Env variable alone and
// checks that Load takes it (so the table is what Load reads).
func TestEnvironmentFallbackFollowsTheTable(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"HUAWEI_CLOUD_REGION":            "ap-southeast-3",
		"CODEARTS_TOKEN":                 "tok-from-env",
		"HUAWEI_CLOUD_ACCESS_KEY_ID":     "AKIDEXAMPLE1234567890",
		"HUAWEI_CLOUD_SECRET_ACCESS_KEY": "secretsecretsecretsecretsecret12",
		"HUAWEI_CLOUD_PROJECT_ID":        "0123456789abcdef0123456789abcdef",
	}
	for _, in := range Inputs {
		if in.Env == "" {
			continue
		}
		if _, ok := values[in.Env]; !ok {
			t.Errorf("no test value for %s", in.Env)
		}
	}
	in := map[string]string{"record-id": goodID}
	c, err := Load(src(in, values))
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != values["HUAWEI_CLOUD_REGION"] || c.Token != values["CODEARTS_TOKEN"] || c.ProjectID != values["HUAWEI_CLOUD_PROJECT_ID"] {
		t.Errorf("environment not read: %+v", c)
	}
	delete(values, "CODEARTS_TOKEN")
	if c, err = Load(src(in, values)); err != nil {
		t.Fatal(err)
	}
	if c.AccessKey != values["HUAWEI_CLOUD_ACCESS_KEY_ID"] || c.SecretKey != values["HUAWEI_CLOUD_SECRET_ACCESS_KEY"] {
		t.Errorf("AK/SK not read from the environment: %+v", c)
	}
}

// TestSecretValuesCoversInputsAndEnvironment: what is masked first is every
// Secret input's value and its environment fallback, nothing else.
func TestSecretValuesCoversInputsAndEnvironment(t *testing.T) {
	t.Parallel()
	input := func(n string) (string, bool) { return "in:" + n, true }
	getenv := func(k string) string { return "env:" + k }
	got := strings.Join(SecretValues(input, getenv), ",")
	want := "in:token,env:CODEARTS_TOKEN,in:secret-access-key,env:HUAWEI_CLOUD_SECRET_ACCESS_KEY"
	if got != want {
		t.Errorf("SecretValues = %s, want %s", got, want)
	}
}
