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
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/registry"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// runningNeverEnding creates n WorkflowExecutions of a pipeline that never
// ends and waits until each runs.
func runningNeverEnding(t *testing.T, prefix string, n int) []*wfev1.WorkflowExecution {
	t.Helper()
	var wes []*wfev1.WorkflowExecution
	for i := range n {
		we := wetest.New(ns, fmt.Sprintf("%s-%02d", prefix, i), wetest.Pipeline("never-ends"))
		require.NoError(t, cp.Client.Create(t.Context(), we))
		wes = append(wes, we)
	}
	for _, we := range wes {
		got := wetest.WaitFor(t, cp.Client, we, 3*time.Minute, wetest.ConditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, ""))
		assert.Contains(t, got.Finalizers, wfev1.FinalizerAudit, "the audit finalizer came before the PipelineRun")
	}
	return wes
}

// deleteAll deletes the WorkflowExecutions and returns when they are all
// gone, or fails after within.
func deleteAll(t *testing.T, wes []*wfev1.WorkflowExecution, within time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	for _, we := range wes {
		require.NoError(t, cp.Client.Delete(t.Context(), we))
	}
	for _, we := range wes {
		require.Eventually(t, func() bool {
			return apierrors.IsNotFound(cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), &wfev1.WorkflowExecution{}))
		}, within-time.Since(began), 100*time.Millisecond, "%s still there %s after its deletion", we.Name, within)
	}
	return time.Since(began)
}

func TestFiftyExecutionsDeletedMidRunAreEachAuditedAsFailedAndGone(t *testing.T) {
	wes := runningNeverEnding(t, "deleted", 50)
	prs := map[string]string{}
	for _, we := range wes {
		got := &wfev1.WorkflowExecution{}
		require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), got))
		prs[we.Name] = got.Status.PipelineRunRef.Name
	}
	took := deleteAll(t, wes, 30*time.Second)
	t.Logf("50 WorkflowExecutions deleted mid-run: cancelled, audited and gone in %s", took.Round(time.Millisecond))

	failed := map[string]datastorage.Received{}
	for _, e := range ds.Events() {
		if strings.HasPrefix(e.EventData.ExecutionName, "deleted-") && e.EventType == wfev1.AuditEventFailed {
			failed[e.EventData.ExecutionName] = e
		}
	}
	require.Len(t, failed, 50, "one terminal event per WorkflowExecution")
	for _, we := range wes {
		e := failed[we.Name]
		assert.Equal(t, string(wfev1.FailureReasonUnknown), e.EventData.FailureReason, we.Name)
		assert.True(t, strings.HasPrefix(e.EventData.FailureMessage, "WorkflowExecution deleted before its PipelineRun finished"), e.EventData.FailureMessage)
		assert.Equal(t, prs[we.Name], e.EventData.PipelineRunName)
		assert.NotEmpty(t, e.EventData.CompletedAt)
		// Tekton was asked to cancel the run (finally tasks do not run).
		pr := pipelineRunOf(t, &wfev1.WorkflowExecution{Status: wfev1.WorkflowExecutionStatus{PipelineRunRef: &wfev1.PipelineRunReference{Name: prs[we.Name]}}})
		assert.EqualValues(t, "Cancelled", pr.Spec.Status, we.Name)
	}
}

func TestExecutionsDeletedWhileDataStorageIsDownGoOnceTheGraceHasPassed(t *testing.T) {
	const grace = 8 * time.Second
	swapManager(t, func(o *wiring.Options) { o.DataStorage.DeletionGrace = grace })
	before := abandoned(t)
	wes := runningNeverEnding(t, "abandoned", 5)
	ds.SetFault(datastorage.Unavailable)
	t.Cleanup(func() { ds.SetFault(datastorage.Fault{}) })

	began := time.Now()
	for _, we := range wes {
		require.NoError(t, cp.Client.Delete(t.Context(), we))
	}
	time.Sleep(grace / 2)
	for _, we := range wes {
		got := &wfev1.WorkflowExecution{}
		require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), got), "%s released before the grace", we.Name)
		assert.Equal(t, metav1.ConditionFalse, got.Condition(wfev1.ConditionTektonPipelineComplete).Status, "ended as failed meanwhile")
	}
	for _, we := range wes {
		require.Eventually(t, func() bool {
			return apierrors.IsNotFound(cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), &wfev1.WorkflowExecution{}))
		}, grace+30*time.Second, 100*time.Millisecond)
	}
	took := time.Since(began)
	// The grace runs from the deletion timestamp, which has whole seconds.
	assert.GreaterOrEqual(t, took, grace-time.Second)
	// Each was held for its failed event, and, if DataStorage had not taken it
	// before the fault, its started event.
	assert.GreaterOrEqual(t, abandoned(t)-before, float64(len(wes)), "each release counted")
	t.Logf("5 WorkflowExecutions deleted with DataStorage down: released %s after deletion (grace %s), %v events abandoned",
		took.Round(time.Millisecond), grace, abandoned(t)-before)
}

// abandoned reads wfe_audit_events_abandoned_total from this process's registry.
func abandoned(t *testing.T) float64 {
	t.Helper()
	return registry.Value(t, "wfe_audit_events_abandoned_total", nil)
}
