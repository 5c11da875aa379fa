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

package install

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

// logLines reads a manager's log, failing the test on any line that is not
// a JSON object.
func logLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := map[string]any{}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "not JSON: %s", sc.Text())
		lines = append(lines, line)
	}
	require.NoError(t, sc.Err())
	return lines
}

// count is how many lines have a msg starting with msg and hold every given
// key with its value.
func count(lines []map[string]any, msg string, keys map[string]any) int {
	n := 0
	for _, l := range lines {
		m, _ := l["msg"].(string)
		if !strings.HasPrefix(m, msg) {
			continue
		}
		match := true
		for k, v := range keys {
			match = match && assert.ObjectsAreEqual(v, l[k])
		}
		if match {
			n++
		}
	}
	return n
}

func TestTheManagersLogIsJSONAndNamesEachWorkflowExecution(t *testing.T) {
	cp := controlplane.Start(t)
	require.NoError(t, cp.SetExecutionPolicy(t.Context(), wfev1.ExecutionPolicy{}))
	// Verbosity 5 shows controller-runtime's line for each reconcile.
	r := startReplica(t, cp, "--zap-log-level=5")
	createdWE(t, cp, "logged")

	tests := []struct {
		name string
		msg  string
		keys map[string]any
	}{
		{"leader election's lines, client-go's, are JSON like the rest", "Successfully acquired lease",
			map[string]any{"lock": "default/wfe-conditions.kubernaut.ai"}},
		{"a reconcile names its WorkflowExecution as controller-runtime's For() would", "Reconcile successful",
			map[string]any{"controller": "workflowexecution", "WorkflowExecution": map[string]any{"namespace": "default", "name": "logged"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Eventually(t, func() bool { return count(logLines(t, r.LogPath), tt.msg, tt.keys) > 0 },
				10*time.Second, 100*time.Millisecond, "no line %q with %v in %s", tt.msg, tt.keys, r.LogPath)
		})
	}
	t.Run("the Go memory limit is logged once, at start", func(t *testing.T) {
		assert.Equal(t, 1, count(logLines(t, r.LogPath), "Go memory limit", nil))
	})
}
