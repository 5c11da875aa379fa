package controlplane

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ReapOrphans kills processes started from this repository's bin/ folder whose
// parent has died (re-parented to init), as a test binary killed by
// `go test -timeout` leaves them. It returns how many it killed.
func ReapOrphans() int {
	root, err := RepoRoot()
	if err != nil {
		return 0
	}
	binDir := filepath.Join(root, "bin") + string(filepath.Separator)
	killed := 0
	for _, p := range Children(1) {
		exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(p.PID), "exe"))
		if err != nil || !strings.HasPrefix(exe, binDir) {
			continue
		}
		if syscall.Kill(p.PID, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}
