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

package e2e

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// The kubectl plugin as a user runs it: its own binary, the standard
// kubeconfig flags, against Tekton's real controller.
func TestKubectlWfeWaitExitsWithTheOutcome(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	plugin := filepath.Join(t.TempDir(), "kubectl-wfe")
	build := exec.Command("go", "build", "-o", plugin, "./cmd/kubectl-wfe")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	waitFor := func(name, timeout string) (int, string) {
		cmd := exec.Command(plugin, "wait", name, "-n", ns, "--kubeconfig", cp.Kubeconfig, "--timeout", timeout)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		}
		require.NoError(t, err, "%s", out)
		return 0, string(out)
	}
	for _, tc := range []struct {
		name, pipeline, timeout string
		code                    int
		says                    string
	}{
		{"plugin-succeeds", "build-test-deploy", "60s", 0, "PipelineSucceeded"},
		{"plugin-fails", "deploy-fails", "60s", 1, "PipelineFailed"},
		{"plugin-never-ends", "never-ends", "3s", 2, "timed out waiting for the run to finish"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, cp.Client.Create(t.Context(), wetest.New(ns, tc.name, wetest.Pipeline(tc.pipeline))))
			code, out := waitFor(tc.name, tc.timeout)
			assert.Equal(t, tc.code, code, out)
			assert.Contains(t, out, tc.says)
		})
	}
	t.Run("describe draws the failed run, its PipelineRun and TaskRuns", func(t *testing.T) {
		out, err := exec.Command(plugin, "describe", "plugin-fails", "-n", ns, "--kubeconfig", cp.Kubeconfig).CombinedOutput()
		require.NoError(t, err, "%s", out)
		t.Logf("kubectl wfe describe plugin-fails:\n%s", out)
		for _, want := range []string{"WorkflowExecution " + ns + "/plugin-fails  Failed", "TektonPipelineComplete  False   PipelineFailed",
			"└─ PipelineRun " + ns + "/", "   ├─ TaskRun ", "False/Failed"} {
			assert.Contains(t, string(out), want)
		}
	})
	t.Run("a WorkflowExecution that does not exist exits 3", func(t *testing.T) {
		code, out := waitFor("no-such-execution", "5s")
		assert.Equal(t, 3, code, out)
		assert.Contains(t, out, "not found")
	})
}
