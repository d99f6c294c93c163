package atomicfile

import (
	"os"
	"syscall"
)

// WorkspaceOwner returns the owner of the workspace ws when this process
// runs as root and the workspace belongs to someone else (the runner's
// user, in a Docker action), so that later steps can delete what was
// written; nil otherwise (files keep this process's owner).
func WorkspaceOwner(ws string) *Owner {
	if ws == "" || os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(ws)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return nil
	}
	return &Owner{UID: int(st.Uid), GID: int(st.Gid)}
}
