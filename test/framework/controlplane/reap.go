/*
Copyright 2026 The wfe-conditions Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controlplane

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// harnessTools are the programs the harnesses start; only these are reaped.
var harnessTools = map[string]bool{"etcd": true, "kube-apiserver": true, "tekton-controller": true, "kwok": true}

// reapOrphans kills harness processes (etcd, kube-apiserver, Tekton's
// controller, kwok) started from this repository's bin/ folder whose parent
// has died (re-parented to init), as a test binary killed by `go test
// -timeout` leaves them. It returns how many it killed.
func reapOrphans() int {
	root, err := paths.RepoRoot()
	if err != nil {
		return 0
	}
	binDir := filepath.Join(root, "bin") + string(filepath.Separator)
	killed := 0
	for _, p := range process.Children(1) {
		exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(p.PID), "exe"))
		if err != nil || !strings.HasPrefix(exe, binDir) || !harnessTools[filepath.Base(exe)] {
			continue
		}
		if syscall.Kill(p.PID, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}
