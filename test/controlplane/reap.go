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
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	killed := 0
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 || fields[1] != "1" {
			continue
		}
		dir := filepath.Dir(path)
		exe, err := os.Readlink(filepath.Join(dir, "exe"))
		if err != nil || !strings.HasPrefix(exe, binDir) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err == nil && syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}
