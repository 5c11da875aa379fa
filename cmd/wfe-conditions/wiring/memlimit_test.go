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
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheGoMemoryLimitIsNinetyPercentOfTheContainers(t *testing.T) {
	const mi = 1 << 20
	noEnv := func(string) (string, bool) { return "", false }
	tests := []struct {
		name    string
		files   map[string]string // under the cgroup root
		env     func(string) (string, bool)
		want    MemoryLimit
		wantErr string
	}{
		{"a cgroup v2 limit gives 90% of it", map[string]string{"memory.max": "268435456\n"}, noEnv,
			MemoryLimit{Container: 256 * mi, Go: 241591910, Source: "cgroup v2"}, ""},
		{"cgroup v2 without a limit says max", map[string]string{"memory.max": "max\n"}, noEnv,
			MemoryLimit{Source: "none"}, ""},
		{"a cgroup v1 limit gives 90% of it", map[string]string{"memory/memory.limit_in_bytes": "536870912\n"}, noEnv,
			MemoryLimit{Container: 512 * mi, Go: 483183820, Source: "cgroup v1"}, ""},
		{"cgroup v1 without a limit holds its huge sentinel", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, noEnv,
			MemoryLimit{Source: "none"}, ""},
		{"v2 wins on a host that mounts both", map[string]string{"memory.max": "268435456", "memory/memory.limit_in_bytes": "536870912"}, noEnv,
			MemoryLimit{Container: 256 * mi, Go: 241591910, Source: "cgroup v2"}, ""},
		{"no cgroup files means no limit", nil, noEnv, MemoryLimit{Source: "none"}, ""},
		{"GOMEMLIMIT set is left as the runtime applied it", map[string]string{"memory.max": "268435456"},
			func(k string) (string, bool) { return map[string]string{"GOMEMLIMIT": "200MiB"}[k], k == "GOMEMLIMIT" },
			MemoryLimit{Source: "GOMEMLIMIT"}, ""},
		{"an empty GOMEMLIMIT counts as unset", map[string]string{"memory.max": "268435456"},
			func(k string) (string, bool) { return "", k == "GOMEMLIMIT" },
			MemoryLimit{Container: 256 * mi, Go: 241591910, Source: "cgroup v2"}, ""},
		{"an unreadable value is an error that names the file's kind", map[string]string{"memory.max": "lots"}, noEnv,
			MemoryLimit{}, `parse the cgroup v2 memory limit "lots"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range tt.files {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o700))
				require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(content), 0o600))
			}
			got, err := decideMemoryLimit(root, tt.env)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTheManagerCollectsAtHalfTheLiveHeapUnlessGOGCIsSet(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	none := func(string) (string, bool) { return "", false }
	assert.Equal(t, 50, SetGCPercent(none))
	assert.Equal(t, 50, debug.SetGCPercent(50), "applied to the runtime")

	debug.SetGCPercent(80) // as the runtime does for GOGC=80 at start
	set := func(k string) (string, bool) { return "80", k == "GOGC" }
	assert.Equal(t, 80, SetGCPercent(set))
	assert.Equal(t, 80, debug.SetGCPercent(80), "an operator's GOGC is left alone")
}
