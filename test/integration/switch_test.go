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

package integration

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

// The execution namespace changes while runs go: the manager restarts (its
// liveness check fails on the change; here the test restarts it), keeps
// watching the previous namespaces the policy lists, and follows the runs
// there to their end. New WorkflowExecutions run in the new place.
func TestRunsInFlightAreFollowedWhenTheExecutionNamespaceChanges(t *testing.T) {
	cases := []struct {
		name          string
		before, after wfev1.ExecutionPolicy
		// inFlight and next are where the runs go, before and after.
		inFlight, next string
	}{
		{name: "own namespace to a shared one",
			after:    wfev1.ExecutionPolicy{ExecutionNamespace: "shared-b", PreviousExecutionNamespaces: []string{wfev1.AnyNamespace}},
			inFlight: "team", next: "shared-b"},
		{name: "a shared namespace to the own ones",
			before:   wfev1.ExecutionPolicy{ExecutionNamespace: "shared-a"},
			inFlight: "shared-a", next: "team"},
		{name: "one shared namespace to another",
			before:   wfev1.ExecutionPolicy{ExecutionNamespace: "shared-a"},
			after:    wfev1.ExecutionPolicy{ExecutionNamespace: "shared-b", PreviousExecutionNamespaces: []string{"shared-a"}},
			inFlight: "shared-a", next: "shared-b"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cp := controlplane.Start(t)
			for _, ns := range []string{"team", "shared-a", "shared-b"} {
				cp.CreateNamespace(t, ns)
			}
			tk := tekton{t, cp}
			ctx := t.Context()
			require.NoError(t, cp.SetExecutionPolicy(ctx, tc.before))
			m := cp.StartManager(t)
			we := newWE("team", fmt.Sprintf("in-flight-%d", i))
			require.NoError(t, cp.Client.Create(ctx, we))
			pr := tk.pipelineRunOf(we, tc.inFlight)
			tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
			eventually(t, cp, client.ObjectKeyFromObject(we), 10*time.Second, conditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, ""))

			m.Stop()
			require.NoError(t, cp.SetExecutionPolicy(ctx, tc.after))
			cp.RunUnregisteredManager(t)
			// Still running, never "deleted": then it ends where it ran.
			time.Sleep(time.Second)
			got := &wfev1.WorkflowExecution{}
			require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(we), got))
			assert.Equal(t, metav1.ConditionUnknown, got.Condition(wfev1.ConditionTektonPipelineComplete).Status, "still running")
			tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0", "a")
			eventually(t, cp, client.ObjectKeyFromObject(we), 10*time.Second, conditionIs(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))

			next := recordedWE("team", fmt.Sprintf("next-%d", i), tc.after.RunNamespace("team"))
			require.NoError(t, cp.Client.Create(ctx, next))
			tk.pipelineRunOf(next, tc.next)
		})
	}
}

func TestARunInANamespaceNoLongerWatchedIsNeverReportedDeleted(t *testing.T) {
	cp := controlplane.Start(t)
	for _, ns := range []string{"team", "shared-a", "shared-b"} {
		cp.CreateNamespace(t, ns)
	}
	tk := tekton{t, cp}
	ctx := t.Context()
	require.NoError(t, cp.SetExecutionPolicy(ctx, wfev1.ExecutionPolicy{ExecutionNamespace: "shared-a"}))
	m := cp.StartManager(t)
	we := newWE("team", "forgotten")
	require.NoError(t, cp.Client.Create(ctx, we))
	pr := tk.pipelineRunOf(we, "shared-a")
	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
	eventually(t, cp, client.ObjectKeyFromObject(we), 10*time.Second, conditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, ""))
	m.Stop()

	// shared-a is not listed as a previous execution namespace.
	require.NoError(t, cp.SetExecutionPolicy(ctx, wfev1.ExecutionPolicy{ExecutionNamespace: "shared-b"}))
	cp.RunUnregisteredManager(t)
	tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "", "a")
	time.Sleep(3 * time.Second)
	got := &wfev1.WorkflowExecution{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(we), got))
	c := got.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Equal(t, metav1.ConditionUnknown, c.Status, "neither deleted nor guessed: the manager cannot see it, and says so in its log")
	assert.NotContains(t, c.Message, "deleted")
}
