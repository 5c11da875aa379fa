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
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/reconciler"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// pruned waits until retention deleted the run's PipelineRun; it returns the
// WorkflowExecution as it is then.
func pruned(t *testing.T, we *wfev1.WorkflowExecution, within time.Duration) *wfev1.WorkflowExecution {
	t.Helper()
	got := wetest.WaitFor(t, cp.Client, we, within, func(we *wfev1.WorkflowExecution) bool { return we.Status.PipelineRunPrunedAt != nil })
	require.Eventually(t, func() bool {
		err := cp.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: got.Status.PipelineRunRef.Name}, &tektonv1.PipelineRun{})
		return apierrors.IsNotFound(err)
	}, 10*time.Second, 100*time.Millisecond, "the PipelineRun of %s is gone", we.Name)
	return got
}

// since is how long after the later of its end and its acknowledged audit the run was pruned.
func since(we *wfev1.WorkflowExecution) time.Duration {
	from := we.Condition(wfev1.ConditionTektonPipelineComplete).LastTransitionTime.Time
	if a := we.Condition(wfev1.ConditionAuditRecorded).LastTransitionTime.Time; a.After(from) {
		from = a
	}
	return we.Status.PipelineRunPrunedAt.Sub(from)
}

func TestRetentionPrunesFinishedRunsOnceAuditedAndKeepsTheirSummary(t *testing.T) {
	const retain = 3 * time.Second
	swapManager(t, func(o *wiring.Options) { o.Retention = reconciler.Retention{Succeeded: retain, Failed: retain} })

	ok := wetest.New(ns, "retained-ok", wetest.Pipeline("build-test-deploy"))
	fails := wetest.New(ns, "retained-fails", wetest.Pipeline("deploy-fails"))
	for _, we := range []*wfev1.WorkflowExecution{ok, fails} {
		require.NoError(t, cp.Client.Create(t.Context(), we))
	}
	for _, we := range []*wfev1.WorkflowExecution{ok, fails} {
		got := pruned(t, we, 60*time.Second)
		t.Logf("%s: PipelineRun pruned %s after its end and acknowledged audit (retention %s)", we.Name, since(got).Round(time.Millisecond), retain)
		// Condition times are whole seconds: the wait is at least the retention less one.
		assert.GreaterOrEqual(t, since(got), retain-time.Second, we.Name)
		assert.Equal(t, metav1.ConditionTrue, got.Condition(wfev1.ConditionAuditRecorded).Status, "pruned only once audited")
		require.NotNil(t, got.Status.PipelineRunStatus, "the summary stays")
		assert.Positive(t, got.Status.PipelineRunStatus.TotalTasks)
		assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineComplete).Message, got.Status.PipelineRunRef.Name)
		var reason string
		require.Eventually(t, func() bool {
			list := &eventsv1.EventList{}
			require.NoError(t, cp.Client.List(t.Context(), list, client.InNamespace(ns)))
			for _, e := range list.Items {
				if e.Regarding.Name == we.Name && e.Reason == reconciler.EventReasonPipelineRunPruned {
					reason = e.Note
					return true
				}
			}
			return false
		}, 10*time.Second, 100*time.Millisecond, "an Event tells the prune of %s", we.Name)
		t.Logf("Event: %s", reason)
	}
	failed := &wfev1.WorkflowExecution{}
	require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKeyFromObject(fails), failed))
	require.NotNil(t, failed.Status.FailureDetails, "the failure stays")
	assert.Equal(t, "deploy", failed.Status.FailureDetails.FailedTaskName)
	assert.NotNil(t, failed.Status.PipelineRunPrunedAt)
	plugin, err := paths.Binary("kubectl-wfe")
	require.NoError(t, err)
	out, err := exec.Command(plugin, "describe", fails.Name, "-n", ns, "--kubeconfig", cp.Kubeconfig).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "pruned at")
	t.Logf("kubectl wfe describe %s:\n%s", fails.Name, out)

	t.Run("a DataStorage outage holds the PipelineRun until the audit is acknowledged", func(t *testing.T) {
		ds.SetFault(datastorage.Unavailable)
		t.Cleanup(func() { ds.SetFault(datastorage.Fault{}) })
		we := wetest.New(ns, "retained-outage", wetest.Pipeline("build-test-deploy"))
		require.NoError(t, cp.Client.Create(t.Context(), we))
		done := wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
		time.Sleep(3 * retain)
		held := &wfev1.WorkflowExecution{}
		require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), held))
		assert.Nil(t, held.Status.PipelineRunPrunedAt, "not pruned while its audit is unacknowledged")
		assert.NotEqual(t, metav1.ConditionTrue, held.Condition(wfev1.ConditionAuditRecorded).Status)
		require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: done.Status.PipelineRunRef.Name}, &tektonv1.PipelineRun{}),
			"the PipelineRun is still there %s after the run ended", 3*retain)

		ds.SetFault(datastorage.Fault{})
		got := pruned(t, we, 60*time.Second)
		t.Logf("after the outage: pruned %s after the acknowledgement", since(got).Round(time.Millisecond))
		assert.GreaterOrEqual(t, since(got), retain-time.Second)
	})
}
