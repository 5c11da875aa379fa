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
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/registry"
	"kubernaut.ai/wfe-conditions/test/framework/tekton"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// waitingGauge is wfe_executions_waiting{cause} of the in-process manager.
func waitingGauge(t *testing.T, cause wfev1.WaitingCause) float64 {
	t.Helper()
	return registry.Value(t, "wfe_executions_waiting", map[string]string{"cause": string(cause)})
}

// A ResourceQuota that admits no pod: Tekton's controller meets the
// apiserver's refusal and keeps the TaskRun waiting (ExceededResourceQuota).
func TestATaskRefusedByAQuotaSaysSoWhileItWaits(t *testing.T) {
	const quotaNS = "waits-quota"
	ctx := t.Context()
	require.NoError(t, cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: quotaNS}}))
	require.NoError(t, cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: quotaNS, Name: "default"}}))
	for _, p := range Pipelines(quotaNS) {
		require.NoError(t, cp.Client.Create(ctx, p))
	}
	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: quotaNS, Name: "no-pods"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("0")}}}
	require.NoError(t, cp.Client.Create(ctx, quota))
	// What kube-controller-manager's quota controller would write; none runs here.
	quota.Status = corev1.ResourceQuotaStatus{Hard: quota.Spec.Hard, Used: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("0")}}
	require.NoError(t, cp.Client.Status().Update(ctx, quota))

	before := waitingGauge(t, wfev1.WaitingQuota)
	we := wetest.New(quotaNS, "refused-by-quota", wetest.Pipeline("never-ends"))
	created := time.Now()
	require.NoError(t, cp.Client.Create(ctx, we))
	cause, detail, got := wetest.WaitForCause(t, cp.Client, we, created, 30*time.Second)
	assert.Equal(t, wfev1.WaitingQuota, cause)
	assert.Equal(t, "task wait: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0", detail)
	complete := got.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Equal(t, wfev1.ReasonPipelineRunning, complete.Reason, "waiting is no new state")
	assert.Equal(t, before+1, waitingGauge(t, wfev1.WaitingQuota))
	t.Logf("kubectl get wfe:\n%s", cp.MustKubectl(t, "get", "workflowexecution", we.Name, "-n", quotaNS))

	require.NoError(t, cp.Client.Delete(ctx, we))
	require.Eventually(t, func() bool { return waitingGauge(t, wfev1.WaitingQuota) == before }, 30*time.Second, 100*time.Millisecond,
		"a deleted execution no longer counts")
}

// A pod no node has room for: Tekton reads the scheduler's refusal
// (ExceededNodeResources); once the pod is bound and runs, the cause goes
// while the run goes on.
func TestATaskNoNodeCanTakeSaysSoUntilItIsScheduled(t *testing.T) {
	ctx := t.Context()
	we := wetest.New(ns, "unschedulable", wetest.Pipeline("never-scheduled"))
	created := time.Now()
	require.NoError(t, cp.Client.Create(ctx, we))
	t.Cleanup(func() { _ = cp.Client.Delete(context.Background(), we) })
	cause, detail, got := wetest.WaitForCause(t, cp.Client, we, created, 30*time.Second)
	assert.Equal(t, wfev1.WaitingUnschedulable, cause)
	assert.Equal(t, "task wait: "+tekton.UnschedulableMessage, detail, "in the scheduler's words, from the pod")
	plugin, err := paths.Binary("kubectl-wfe")
	require.NoError(t, err, "make build builds it")
	out, err := exec.Command(plugin, "describe", we.Name, "-n", ns, "--kubeconfig", cp.Kubeconfig).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "waiting: Unschedulable: task wait: 0/1 nodes are available")
	t.Logf("kubectl wfe describe:\n%s", out)

	pods := &corev1.PodList{}
	require.NoError(t, cp.Client.List(ctx, pods, client.InNamespace(ns), client.MatchingLabels{"tekton.dev/pipelineRun": got.Status.PipelineRunRef.Name}))
	require.Len(t, pods.Items, 1)
	bound := time.Now()
	require.NoError(t, tekton.Bind(ctx, cp.Client, &pods.Items[0]))
	goesOn := wetest.WaitFor(t, cp.Client, we, 30*time.Second, func(we *wfev1.WorkflowExecution) bool { return !wetest.Waits(we) })
	assert.Equal(t, wfev1.PhaseRunning, goesOn.Status.Phase, "the cause went while the run goes on")
	t.Logf("bound to cause gone in %s", time.Since(bound).Round(100*time.Millisecond))
}

// A running task that takes its time is not waiting: no cause, however long.
func TestALongRunningTaskIsNotCalledWaiting(t *testing.T) {
	we := wetest.New(ns, "long-running", wetest.Pipeline("never-ends"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	t.Cleanup(func() { _ = cp.Client.Delete(context.Background(), we) })
	running := wetest.WaitFor(t, cp.Client, we, 30*time.Second, func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(wfev1.ConditionTektonPipelineRunning)
		return c != nil && strings.Contains(c.Message, "executing task")
	}).Condition(wfev1.ConditionTektonPipelineRunning)
	time.Sleep(15 * time.Second) // past the 10 s after which a waiting task is named
	got := &wfev1.WorkflowExecution{}
	require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), got))
	assert.Equal(t, running, got.Condition(wfev1.ConditionTektonPipelineRunning), "TektonPipelineRunning unchanged while a task executes")
}
