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
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// The kubectl plugin as a user runs it: its own binary, the standard
// kubeconfig flags, against Tekton's real controller.
func TestKubectlWfeWaitExitsWithTheOutcome(t *testing.T) {
	plugin, err := paths.Binary("kubectl-wfe")
	require.NoError(t, err, "make build builds it")

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
	t.Run("logs --failed exits 3 saying why when there is no log to show", func(t *testing.T) {
		logs := func(name string) (int, string) {
			out, err := exec.Command(plugin, "logs", name, "--failed", "-n", ns, "--kubeconfig", cp.Kubeconfig).CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "%s", out)
			return exit.ExitCode(), string(out)
		}
		code, out := logs("plugin-succeeds")
		assert.Equal(t, 3, code, out)
		assert.Contains(t, out, "has no failed step (phase Completed)")

		// Pruned: the PipelineRun, its TaskRuns and pods are gone, the WorkflowExecution stays.
		we := &wfev1.WorkflowExecution{}
		require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "plugin-fails"}, we))
		require.NotNil(t, we.Status.PipelineRunRef)
		prNamespace := we.Status.PipelineRunRef.Namespace
		if prNamespace == "" {
			prNamespace = ns
		}
		require.NoError(t, cp.Client.Delete(t.Context(), &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{
			Namespace: prNamespace, Name: we.Status.PipelineRunRef.Name}}))
		code, out = logs("plugin-fails")
		assert.Equal(t, 3, code, out)
		assert.Contains(t, out, "was pruned or deleted: its TaskRuns, pods and logs went with it")
	})
	t.Run("a WorkflowExecution that does not exist exits 3", func(t *testing.T) {
		code, out := waitFor("no-such-execution", "5s")
		assert.Equal(t, 3, code, out)
		assert.Contains(t, out, "not found")
	})
}
