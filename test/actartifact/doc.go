// Package actartifact tests the artifact uploader against a real peer:
// the artifact service (v4) of nektos/act, mounted on an httptest server.
// It is a separate module so that act's large dependency graph stays out
// of the main module. Run it with:
//
//	cd test/actartifact && go test -race -count=1 ./...
package actartifact
