package artifact

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// backendIDs reads the workflow run and job backend ids from the runtime
// token, a JWT whose payload has a space-separated scp claim holding
// "Actions.Results:{run}:{job}". The token is not verified (the service
// does that); errors never quote it.
func backendIDs(token string) (run, job string, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", errors.New("the runtime token (ACTIONS_RUNTIME_TOKEN) is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", "", errors.New("the runtime token (ACTIONS_RUNTIME_TOKEN) is not a JWT: its payload is not base64url")
	}
	var claims struct {
		Scp json.RawMessage `json:"scp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", "", errors.New("the runtime token (ACTIONS_RUNTIME_TOKEN) is not a JWT: its payload is not JSON")
	}
	var scopes []string
	var one string
	switch {
	case len(claims.Scp) == 0:
	case json.Unmarshal(claims.Scp, &one) == nil:
		scopes = strings.Fields(one)
	case json.Unmarshal(claims.Scp, &scopes) == nil:
	}
	for _, s := range scopes {
		p := strings.Split(s, ":")
		if p[0] != "Actions.Results" {
			continue
		}
		if len(p) != 3 || p[1] == "" || p[2] == "" {
			return "", "", errors.New("the runtime token's Actions.Results scope is malformed")
		}
		return p[1], p[2], nil
	}
	return "", "", errors.New("the runtime token has no Actions.Results scope: the artifact service (v4) is not available to this job")
}
