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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/gitops"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// step waits until the real object satisfies until, then checks what Argo CD
// says of it (and the message of which condition), that Flux agrees and that
// kstatus alone calls it Current, as it calls every WorkflowExecution.
type step struct {
	act     func(t *testing.T, we *wfev1.WorkflowExecution)
	until   func(*wfev1.WorkflowExecution) bool
	argo    string
	message string
}

func (s step) check(t *testing.T, we *wfev1.WorkflowExecution) {
	t.Helper()
	if s.act != nil {
		s.act(t, we)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(wfev1.GroupVersion.WithKind(wfev1.Kind))
	got := &wfev1.WorkflowExecution{}
	require.Eventually(t, func() bool {
		*got = wfev1.WorkflowExecution{}
		return cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), u) == nil &&
			runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, got) == nil && s.until(got)
	}, 60*time.Second, 20*time.Millisecond, "%s never got there; conditions: %+v", we.Name, &got.Status.Conditions)
	v, err := gitops.Judge(u.Object)
	require.NoError(t, err)
	assert.Equal(t, gitops.Health{Status: s.argo, Message: got.Condition(s.message).Message}, v.Argo)
	assert.Empty(t, v.Agree())
	assert.Equal(t, kstatus.CurrentStatus, v.KStatus)
}

func when(typ string, status metav1.ConditionStatus, reason string) func(*wfev1.WorkflowExecution) bool {
	return func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(typ)
		return c != nil && c.Status == status && (reason == "" || c.Reason == reason)
	}
}

func both(a, b func(*wfev1.WorkflowExecution) bool) func(*wfev1.WorkflowExecution) bool {
	return func(we *wfev1.WorkflowExecution) bool { return a(we) && b(we) }
}

var (
	succeeded = when(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded)
	audited   = step{until: both(succeeded, when(wfev1.ConditionAuditRecorded, metav1.ConditionTrue, "")),
		argo: gitops.Healthy, message: wfev1.ConditionTektonPipelineComplete}
)

func failedWith(reason string) step {
	return step{until: when(wfev1.ConditionTektonPipelineComplete, metav1.ConditionFalse, reason), argo: gitops.Degraded, message: wfev1.ConditionTektonPipelineComplete}
}

// createdAs creates we and returns the apiserver's answer: no status yet.
func createdAs(t *testing.T, we *wfev1.WorkflowExecution) map[string]any {
	t.Helper()
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(we)
	require.NoError(t, err)
	u := &unstructured.Unstructured{Object: raw}
	u.SetGroupVersionKind(wfev1.GroupVersion.WithKind(wfev1.Kind))
	require.NoError(t, cp.Client.Create(t.Context(), u))
	return u.Object
}

func cancel(t *testing.T, we *wfev1.WorkflowExecution) {
	pr := pipelineRunOf(t, wetest.WaitFor(t, cp.Client, we, 10*time.Second, when(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, "")))
	cp.MustKubectl(t, "patch", "pipelinerun", pr.Name, "-n", ns, "--type=merge", "-p", `{"spec":{"status":"Cancelled"}}`)
}

func TestTheGitOpsVerdictsOfRealWorkflowExecutions(t *testing.T) {
	record := versions(t, "gitops-")
	timesOut := wetest.New(ns, "gitops-times-out", wetest.Pipeline("never-ends"))
	timesOut.Spec.ExecutionConfig = &wfev1.ExecutionConfig{Timeout: &metav1.Duration{Duration: 5 * time.Second}}
	lifecycles := []struct {
		name  string
		we    *wfev1.WorkflowExecution
		steps []step
	}{
		{"a success, once audited, is Healthy", wetest.New(ns, "gitops-succeeds", wetest.Pipeline("build-test-deploy")), []step{audited}},
		{"a failed task is Degraded", wetest.New(ns, "gitops-fails", wetest.Pipeline("deploy-fails")), []step{failedWith(wfev1.ReasonPipelineFailed)}},
		{"a timeout is Degraded", timesOut, []step{failedWith(wfev1.ReasonPipelineTimeout)}},
		{"a missing pipeline is Degraded", wetest.New(ns, "gitops-no-pipeline", wetest.Pipeline("does-not-exist")), []step{failedWith(wfev1.ReasonPipelineFailed)}},
		{"a running pipeline is Progressing, then Degraded once cancelled", wetest.New(ns, "gitops-cancelled", wetest.Pipeline("never-ends")), []step{
			{until: when(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, ""), argo: gitops.Progressing, message: wfev1.ConditionTektonPipelineRunning},
			{act: cancel, until: when(wfev1.ConditionTektonPipelineComplete, metav1.ConditionFalse, wfev1.ReasonPipelineCancelled), argo: gitops.Degraded, message: wfev1.ConditionTektonPipelineComplete},
		}},
	}
	for i, lc := range lifecycles {
		created := createdAs(t, lc.we)
		if i == 0 {
			v, err := gitops.Judge(created)
			require.NoError(t, err)
			assert.Equal(t, gitops.Health{Status: gitops.Progressing, Message: "Waiting for the controller to write the status"}, v.Argo, "no status yet")
			assert.ErrorContains(t, v.FluxErr, "no such attribute", "Flux cannot evaluate the expressions before the first status")
			assert.Equal(t, kstatus.CurrentStatus, v.KStatus)
		}
	}
	for _, lc := range lifecycles {
		t.Run(lc.name, func(t *testing.T) {
			for _, s := range lc.steps {
				s.check(t, lc.we)
			}
		})
	}
	// Every version a watcher saw: Flux agrees with Argo CD, and a pending or
	// running one is Progressing.
	phases := map[wfev1.Phase]int{}
	for _, we := range record() {
		if we.Status.Phase == "" {
			continue // created, no status: judged above as served (a typed copy would gain status: {})
		}
		raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(we)
		require.NoError(t, err)
		v, err := gitops.Judge(raw)
		require.NoError(t, err)
		assert.Empty(t, v.Agree(), "%s rv %s", we.Name, we.ResourceVersion)
		if we.Status.Phase == wfev1.PhasePending || we.Status.Phase == wfev1.PhaseRunning {
			assert.Equal(t, gitops.Progressing, v.Argo.Status, "%s rv %s in phase %s", we.Name, we.ResourceVersion, we.Status.Phase)
		}
		phases[we.Status.Phase]++
	}
	t.Logf("versions judged by phase: %v", phases)
	assert.Positive(t, phases[wfev1.PhasePending], "a Pending version was judged")
}

func TestTheGitOpsVerdictsWhileTheFinalAuditEventWaitsOrFails(t *testing.T) {
	t.Cleanup(func() { ds.SetFault(datastorage.Fault{}) })
	healthy := func(t *testing.T, _ *wfev1.WorkflowExecution) { ds.SetFault(datastorage.Fault{}) }
	audit := func(status metav1.ConditionStatus, reason, argo string) step {
		return step{until: both(succeeded, when(wfev1.ConditionAuditRecorded, status, reason)), argo: argo, message: wfev1.ConditionAuditRecorded}
	}
	t.Run("a success whose final audit event is unacknowledged is Progressing until DataStorage answers", func(t *testing.T) {
		ds.SetFault(datastorage.Fault{Delay: time.Second}) // under the client's 2 s timeout: slow, not failing
		we := wetest.New(ns, "gitops-audit-late", wetest.Pipeline("build-test-deploy"))
		createdAs(t, we)
		audit(metav1.ConditionUnknown, wfev1.ReasonAuditPending, gitops.Progressing).check(t, we)
		step{act: healthy, until: audited.until, argo: audited.argo, message: audited.message}.check(t, we)
	})
	t.Run("a success whose audit delivery fails is Degraded until it is delivered", func(t *testing.T) {
		ds.SetFault(datastorage.Unavailable)
		we := wetest.New(ns, "gitops-audit-refused", wetest.Pipeline("build-test-deploy"))
		createdAs(t, we)
		audit(metav1.ConditionFalse, wfev1.ReasonAuditFailed, gitops.Degraded).check(t, we)
		step{act: healthy, until: audited.until, argo: audited.argo, message: audited.message}.check(t, we)
	})
}

// Runs last in the file: it swaps the shared manager for one without
// DataStorage, which every WorkflowExecution then reads as AuditDisabled, and
// swaps it back.
func TestTheGitOpsVerdictOfASuccessWithAuditingOff(t *testing.T) {
	swapManager(t, func(o *wiring.Options) { o.DataStorage.URL = "" })
	we := wetest.New(ns, "gitops-audit-off", wetest.Pipeline("build-test-deploy"))
	createdAs(t, we)
	step{until: both(succeeded, when(wfev1.ConditionAuditRecorded, metav1.ConditionUnknown, wfev1.ReasonAuditDisabled)),
		argo: gitops.Healthy, message: wfev1.ConditionTektonPipelineComplete}.check(t, we)
}
