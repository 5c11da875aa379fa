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

package wiring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
)

// MemoryLimitRatio is the share of the container's memory limit given to the
// Go runtime as its soft limit: the rest is for what the runtime does not
// count (binary, thread stacks, cgo) and for headroom before the OOM killer.
const MemoryLimitRatio = 0.9

// noCgroupLimit is the value above which a cgroup limit means none: cgroup v1
// writes the largest page-aligned int64 (9223372036854771712 with 4 KiB pages).
const noCgroupLimit = int64(1) << 62

// cgroupMemoryFiles hold a container's memory limit, seen from inside it: the
// unified hierarchy (v2) first, then v1's memory controller.
var cgroupMemoryFiles = []struct{ path, source string }{
	{"memory.max", "cgroup v2"},
	{"memory/memory.limit_in_bytes", "cgroup v1"},
}

// MemoryLimit is the Go memory limit the process runs with and where it came from.
type MemoryLimit struct {
	// Container is the container's memory limit in bytes; 0 when there is none.
	Container int64
	// Go is the soft limit for the Go runtime in bytes; 0 leaves the runtime's.
	Go int64
	// Source is "GOMEMLIMIT", "cgroup v2", "cgroup v1" or "none".
	Source string
}

// decideMemoryLimit reads the container's memory limit under cgroupRoot
// (normally /sys/fs/cgroup) unless GOMEMLIMIT is set: the runtime has then
// applied it already, and an operator's explicit value wins.
func decideMemoryLimit(cgroupRoot string, lookupEnv func(string) (string, bool)) (MemoryLimit, error) {
	if v, ok := lookupEnv("GOMEMLIMIT"); ok && v != "" {
		return MemoryLimit{Source: "GOMEMLIMIT"}, nil
	}
	for _, f := range cgroupMemoryFiles {
		b, err := os.ReadFile(filepath.Join(cgroupRoot, f.path))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return MemoryLimit{}, fmt.Errorf("read the %s memory limit: %w", f.source, err)
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return MemoryLimit{Source: "none"}, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return MemoryLimit{}, fmt.Errorf("parse the %s memory limit %q: %w", f.source, s, err)
		}
		if n <= 0 || n >= noCgroupLimit {
			return MemoryLimit{Source: "none"}, nil
		}
		return MemoryLimit{Container: n, Go: int64(float64(n) * MemoryLimitRatio), Source: f.source}, nil
	}
	return MemoryLimit{Source: "none"}, nil
}

// SetMemoryLimit sets the Go runtime's soft memory limit to 90% of the
// container's, so that it collects harder as the heap nears the limit instead
// of being OOM-killed at it, and logs the limit once. GOMEMLIMIT, when set,
// is left as the runtime applied it.
func SetMemoryLimit(log logr.Logger) {
	l, err := decideMemoryLimit("/sys/fs/cgroup", os.LookupEnv)
	if err != nil {
		log.Error(err, "no Go memory limit set")
		return
	}
	if l.Go > 0 {
		debug.SetMemoryLimit(l.Go)
	}
	if l.Source == "none" {
		log.Info("Go memory limit off: no container memory limit found")
		return
	}
	// A negative input reads the limit without changing it.
	current := debug.SetMemoryLimit(-1)
	log.Info("Go memory limit", "limitMiB", current>>20, "containerLimitMiB", l.Container>>20, "source", l.Source)
}

// gcPercent is the manager's GOGC unless the environment sets one. Its heap
// is mostly the informer cache, which lives as long as the process: at Go's
// default 100 the heap grows to twice that before a collection, at 50 to one
// and a half times, which keeps a replica with 10,000 WorkflowExecutions
// under 150 MiB for a little more GC work (see docs/performance.md).
const gcPercent = 50

// SetGCPercent applies gcPercent unless GOGC is set, and returns the value in
// force.
func SetGCPercent(lookupEnv func(string) (string, bool)) int {
	if v, ok := lookupEnv("GOGC"); ok && v != "" {
		current := debug.SetGCPercent(100)
		debug.SetGCPercent(current)
		return current
	}
	debug.SetGCPercent(gcPercent)
	return gcPercent
}
