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
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/reconciler"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/registry"
)

// tekton writes PipelineRun and TaskRun status the way Tekton's controller
// does: through the status subresource, with Tekton's Go types and reasons.
type tekton struct {
	t  *testing.T
	cp *controlplane.ControlPlane
}

// pipelineRunOf waits for the WorkflowExecution's PipelineRun and returns it.
func (tk tekton) pipelineRunOf(we *wfev1.WorkflowExecution, namespace string) *tektonv1.PipelineRun {
	tk.t.Helper()
	got := &wfev1.WorkflowExecution{}
	require.NoError(tk.t, tk.cp.Client.Get(tk.t.Context(), client.ObjectKeyFromObject(we), got))
	pr := &tektonv1.PipelineRun{}
	key := client.ObjectKey{Namespace: namespace, Name: reconciler.PipelineRunName(got)}
	// Generous: with a thousand new WorkflowExecutions, first visits go
	// ahead of PipelineRun creation, and in make test the other packages and
	// the real node (with its own thousand) share the two CPUs; 30 s was
	// once not enough there, and 120 s once not either (51 s alone).
	require.Eventually(tk.t, func() bool { return tk.cp.Client.Get(tk.t.Context(), key, pr) == nil },
		300*time.Second, 10*time.Millisecond, "no PipelineRun %s", key)
	return pr
}

// set writes the PipelineRun's Succeeded condition, times and child TaskRuns.
func (tk tekton) set(pr *tektonv1.PipelineRun, status corev1.ConditionStatus, reason tektonv1.PipelineRunReason, message string, tasks ...string) {
	tk.t.Helper()
	ctx := tk.t.Context()
	require.NoError(tk.t, tk.cp.Client.Get(ctx, client.ObjectKeyFromObject(pr), pr))
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	if pr.Status.StartTime == nil {
		pr.Status.StartTime = &now
	}
	if status != corev1.ConditionUnknown {
		pr.Status.CompletionTime = &now
	}
	pr.Status.ChildReferences = nil
	for _, task := range tasks {
		pr.Status.ChildReferences = append(pr.Status.ChildReferences, tektonv1.ChildStatusReference{
			TypeMeta: runtimeTypeMeta("TaskRun"), Name: pr.Name + "-" + task, PipelineTaskName: task,
		})
	}
	pr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: status, Reason: reason.String(), Message: message})
	require.NoError(tk.t, tk.cp.Client.Status().Update(ctx, pr))
}

// failTask creates the TaskRun of a failed pipeline task with a failed step.
func (tk tekton) failTask(pr *tektonv1.PipelineRun, task, step string) {
	tk.t.Helper()
	ctx := tk.t.Context()
	tr := &tektonv1.TaskRun{ObjectMeta: metav1.ObjectMeta{Namespace: pr.Namespace, Name: pr.Name + "-" + task},
		Spec: tektonv1.TaskRunSpec{TaskRef: &tektonv1.TaskRef{Name: task}}}
	require.NoError(tk.t, tk.cp.Client.Create(ctx, tr))
	tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse,
		Reason: tektonv1.TaskRunReasonFailed.String(), Message: fmt.Sprintf("\"step-%s\" exited with code 1", step)})
	tr.Status.Steps = []tektonv1.StepState{{Name: step, ContainerState: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
	require.NoError(tk.t, tk.cp.Client.Status().Update(ctx, tr))
}

func conditionIs(typ string, status metav1.ConditionStatus, reason string) func(*wfev1.WorkflowExecution) bool {
	return func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(typ)
		return c != nil && c.Status == status && (reason == "" || c.Reason == reason)
	}
}

// statusHistory records every version of one WorkflowExecution a watcher sees.
func statusHistory(t *testing.T, cp *controlplane.ControlPlane, namespace string) func() []*wfev1.WorkflowExecution {
	t.Helper()
	w, err := cp.WatchClient(t).Watch(t.Context(), &wfev1.WorkflowExecutionList{}, client.InNamespace(namespace))
	require.NoError(t, err)
	ch := make(chan []*wfev1.WorkflowExecution, 1)
	go func() {
		var seen []*wfev1.WorkflowExecution
		for ev := range w.ResultChan() {
			if we, ok := ev.Object.(*wfev1.WorkflowExecution); ok && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				seen = append(seen, we)
			}
		}
		ch <- seen
	}()
	return func() []*wfev1.WorkflowExecution { w.Stop(); return <-ch }
}

func TestASuccessfulRunAdvancesEveryCondition(t *testing.T) {
	cp := controlplane.Start(t)
	require.NoError(t, cp.SetExecutionPolicy(t.Context(), wfev1.ExecutionPolicy{DefaultServiceAccount: "pipeline-runner"}))
	cp.StartManager(t)
	cp.CreateNamespace(t, "success")
	// The manager's informers have listed once its first WorkflowExecution
	// has conditions: only a create after that is an event the latency
	// histogram times (one in the initial list is not).
	cp.CreateNamespace(t, "success-probe")
	probe := newWE("success-probe", "probe")
	require.NoError(t, cp.Client.Create(t.Context(), probe))
	eventually(t, cp, client.ObjectKeyFromObject(probe), 30*time.Second, func(we *wfev1.WorkflowExecution) bool {
		return len(we.Status.Conditions) == 4
	})
	history := statusHistory(t, cp, "success")
	tk := tekton{t, cp}
	succeeded := map[string]string{"outcome": "succeeded", "reason": wfev1.ReasonPipelineSucceeded}
	finishedBefore := registry.Value(t, "wfe_executions_finished_total", succeeded)
	initialBefore := registry.Value(t, "wfe_initial_conditions_latency_seconds", nil)
	pipelineRunBefore := registry.Value(t, "wfe_pipelinerun_status_latency_seconds", nil)
	initialSum, pipelineRunSum := registry.HistogramSum(t, "wfe_initial_conditions_latency_seconds"), registry.HistogramSum(t, "wfe_pipelinerun_status_latency_seconds")

	we := newWE("success", "restart")
	we.Spec.Parameters = map[string]string{"TARGET_NAMESPACE": "success", "MEMORY_LIMIT": "1Gi"}
	we.Spec.WorkflowRef.ContainerDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{Timeout: &metav1.Duration{Duration: 7 * time.Minute}}
	require.NoError(t, cp.Client.Create(t.Context(), we))
	key := client.ObjectKeyFromObject(we)
	eventually(t, cp, key, 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineCreated, metav1.ConditionTrue, wfev1.ReasonPipelineCreated))

	pr := tk.pipelineRunOf(we, "success")
	t.Run("the PipelineRun carries the bundle, params, timeout and service account", func(t *testing.T) {
		require.NotNil(t, pr.Spec.PipelineRef)
		assert.Equal(t, tektonv1.ResolverName("bundles"), pr.Spec.PipelineRef.Resolver)
		params := map[string]string{}
		for _, p := range pr.Spec.PipelineRef.Params {
			params[p.Name] = p.Value.StringVal
		}
		assert.Equal(t, map[string]string{"bundle": "quay.io/example/restart-pods:v1@" + we.Spec.WorkflowRef.ContainerDigest,
			"name": "restart-pods", "kind": "pipeline"}, params)
		got := map[string]string{}
		for _, p := range pr.Spec.Params {
			got[p.Name] = p.Value.StringVal
		}
		assert.Equal(t, map[string]string{"TARGET_NAMESPACE": "success", "MEMORY_LIMIT": "1Gi", "TARGET_RESOURCE": "success/deployment/web"}, got)
		assert.Equal(t, 7*time.Minute, pr.Spec.Timeouts.Pipeline.Duration)
		assert.Equal(t, "pipeline-runner", pr.Spec.TaskRunTemplate.ServiceAccountName)
		assert.Equal(t, "restart", pr.Labels[wfev1.LabelWorkflowExecution])
		assert.Equal(t, "success", pr.Labels[wfev1.LabelSourceNamespace])
		assert.Equal(t, "restart-pods", pr.Labels[wfev1.LabelWorkflowID])
		require.Len(t, pr.OwnerReferences, 1)
		assert.True(t, *pr.OwnerReferences[0].Controller)
	})

	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 3, Skipped: 0", "build")
	got := eventually(t, cp, key, 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, wfev1.ReasonPipelineStarted))
	assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineRunning).Message, "executing task build (0 of 3 complete)")
	assert.Equal(t, wfev1.PhaseRunning, got.Status.Phase)

	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0", "build", "test")
	eventually(t, cp, key, 5*time.Second, func(we *wfev1.WorkflowExecution) bool {
		return we.Status.PipelineRunStatus != nil && we.Status.PipelineRunStatus.CompletedTasks == 1
	})

	tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0", "build", "test", "deploy")
	cp.MustKubectl(t, "wait", "-n", "success", "wfe/restart", "--for=condition=TektonPipelineComplete", "--timeout=10s")
	cp.MustKubectl(t, "wait", "-n", "success", "wfe/restart", "--for=jsonpath={.status.completionTime}", "--timeout=10s")
	got = eventually(t, cp, key, time.Second, conditionIs(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	assert.Equal(t, wfev1.PhaseCompleted, got.Status.Phase)
	assert.NotNil(t, got.Status.StartTime)
	assert.NotNil(t, got.Status.CompletionTime)
	assert.NotNil(t, got.Status.Duration)
	assert.Equal(t, 3, got.Status.PipelineRunStatus.TotalTasks)
	assertConditionsComplete(t, got)

	t.Run("one status write per real change", func(t *testing.T) {
		time.Sleep(500 * time.Millisecond) // let any redundant write happen, if there were one
		versions := history()
		writes := 0
		for i := 1; i < len(versions); i++ {
			writes++
			assert.NotEqual(t, versions[i-1].Status, versions[i].Status, "write %d changed nothing", i)
		}
		// init, created, running, progress, succeeded
		assert.Equal(t, 5, writes, "writes over one lifecycle")
		t.Logf("status writes over one successful lifecycle (5 observed PipelineRun states): %d", writes)
	})

	t.Run("events tell each transition", func(t *testing.T) {
		reasons := eventTypes(t, cp, "success", "restart", 3)
		assert.Equal(t, map[string]string{wfev1.ReasonPipelineCreated: "Normal", wfev1.ReasonPipelineStarted: "Normal", wfev1.ReasonPipelineSucceeded: "Normal"}, reasons)
	})

	t.Run("the metrics count the finished run and time both status paths", func(t *testing.T) {
		assert.Equal(t, 1.0, registry.Value(t, "wfe_executions_finished_total", succeeded)-finishedBefore, "succeeded/PipelineSucceeded")
		assert.GreaterOrEqual(t, registry.Value(t, "wfe_initial_conditions_latency_seconds", nil)-initialBefore, 1.0,
			"create event to the four Unknown conditions")
		// Three PipelineRun states above each brought a write.
		prSamples := registry.Value(t, "wfe_pipelinerun_status_latency_seconds", nil) - pipelineRunBefore
		assert.GreaterOrEqual(t, prSamples, 3.0, "PipelineRun change to the status write")
		initSamples := registry.Value(t, "wfe_initial_conditions_latency_seconds", nil) - initialBefore
		if prSamples > 0 && initSamples > 0 {
			t.Logf("mean latency: create event to the four Unknown conditions %.1f ms (%v samples); PipelineRun change to status %.1f ms (%v samples)",
				1000*(registry.HistogramSum(t, "wfe_initial_conditions_latency_seconds")-initialSum)/initSamples, initSamples,
				1000*(registry.HistogramSum(t, "wfe_pipelinerun_status_latency_seconds")-pipelineRunSum)/prSamples, prSamples)
		}
	})
}

func TestFinishedRunsMapToTheRightConditions(t *testing.T) {
	cp := controlplane.Start(t)
	cp.StartManager(t)
	cp.CreateNamespace(t, "outcomes")
	tk := tekton{t, cp}

	tests := []struct {
		name                       string
		status                     corev1.ConditionStatus
		reason                     tektonv1.PipelineRunReason
		tasks                      []string
		failTask                   string
		wantRunning, wantComplete  metav1.ConditionStatus
		wantRunReason, wantReason  string
		wantPhase                  wfev1.Phase
		wantInMessage, kubectlWait string
	}{
		{"completed with skipped tasks is a success", corev1.ConditionTrue, tektonv1.PipelineRunReasonCompleted, []string{"a"}, "",
			metav1.ConditionTrue, metav1.ConditionTrue, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineSucceeded, wfev1.PhaseCompleted, "Completed", "condition=TektonPipelineComplete"},
		{"a failed task fails the run and is named", corev1.ConditionFalse, tektonv1.PipelineRunReasonFailed, []string{"build", "deploy"}, "deploy",
			metav1.ConditionTrue, metav1.ConditionFalse, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineFailed, wfev1.PhaseFailed, "failed task: deploy", "condition=TektonPipelineComplete=False"},
		{"a timeout is PipelineTimeout", corev1.ConditionFalse, tektonv1.PipelineRunReasonTimedOut, []string{"a"}, "",
			metav1.ConditionTrue, metav1.ConditionFalse, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineTimeout, wfev1.PhaseFailed, "PipelineRunTimeout", "condition=TektonPipelineComplete=False"},
		{"a cancellation is PipelineCancelled", corev1.ConditionFalse, tektonv1.PipelineRunReasonCancelled, []string{"a"}, "",
			metav1.ConditionTrue, metav1.ConditionFalse, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineCancelled, wfev1.PhaseFailed, "Cancelled", "condition=TektonPipelineComplete=False"},
		{"a missing pipeline never starts", corev1.ConditionFalse, tektonv1.PipelineRunReasonCouldntGetPipeline, nil, "",
			metav1.ConditionFalse, metav1.ConditionFalse, wfev1.ReasonPipelineFailedToStart, wfev1.ReasonPipelineFailed, wfev1.PhaseFailed, "CouldntGetPipeline", "condition=TektonPipelineRunning=False"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("outcome-%d", i)
			we := newWE("outcomes", name)
			require.NoError(t, cp.Client.Create(t.Context(), we))
			pr := tk.pipelineRunOf(we, "outcomes")
			if tt.failTask != "" {
				tk.failTask(pr, tt.failTask, "apply")
			}
			tk.set(pr, tt.status, tt.reason, "Tekton says "+tt.reason.String(), tt.tasks...)
			cp.MustKubectl(t, "wait", "-n", "outcomes", "wfe/"+name, "--for="+tt.kubectlWait, "--timeout=10s")
			cp.MustKubectl(t, "wait", "-n", "outcomes", "wfe/"+name, "--for=jsonpath={.status.completionTime}", "--timeout=10s")
			got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineComplete, tt.wantComplete, tt.wantReason))
			assert.Equal(t, tt.wantRunning, got.Condition(wfev1.ConditionTektonPipelineRunning).Status)
			assert.Equal(t, tt.wantRunReason, got.Condition(wfev1.ConditionTektonPipelineRunning).Reason)
			assert.Equal(t, tt.wantPhase, got.Status.Phase)
			assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineComplete).Message, tt.wantInMessage)
			if tt.failTask != "" {
				require.NotNil(t, got.Status.FailureDetails)
				assert.Equal(t, tt.failTask, got.Status.FailureDetails.FailedTaskName)
				assert.Equal(t, "apply", got.Status.FailureDetails.FailedStepName)
				assert.Equal(t, wfev1.FailureReasonTaskFailed, got.Status.FailureDetails.Reason)
			}
			assertConditionsComplete(t, got)
		})
	}
}

func TestADeletedPipelineRunEndsTheExecution(t *testing.T) {
	cp := controlplane.Start(t)
	cp.StartManager(t)
	cp.CreateNamespace(t, "deleted")
	tk := tekton{t, cp}
	we := newWE("deleted", "gone")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	pr := tk.pipelineRunOf(we, "deleted")
	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
	eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, ""))

	require.NoError(t, cp.Client.Delete(t.Context(), pr))
	got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineComplete, metav1.ConditionFalse, wfev1.ReasonPipelineFailed))
	assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineComplete).Message, "was deleted before it finished")
	assert.Equal(t, wfev1.PhaseFailed, got.Status.Phase)
	list := &tektonv1.PipelineRunList{}
	require.NoError(t, cp.Client.List(t.Context(), list, client.InNamespace("deleted")))
	assert.Empty(t, list.Items, "no second PipelineRun is created for a finished execution")
}

func TestAnExecutionNamespaceHoldsThePipelineRuns(t *testing.T) {
	cp := controlplane.Start(t)
	require.NoError(t, cp.SetExecutionPolicy(t.Context(), wfev1.ExecutionPolicy{ExecutionNamespace: "kubernaut-workflows"}))
	cp.StartManager(t)
	cp.CreateNamespace(t, "kubernaut-workflows")
	cp.CreateNamespace(t, "team-a")
	tk := tekton{t, cp}
	ctx := t.Context()

	we := newWE("team-a", "elsewhere")
	require.NoError(t, cp.Client.Create(ctx, we))
	pr := tk.pipelineRunOf(we, "kubernaut-workflows")
	assert.Empty(t, pr.OwnerReferences, "no cross-namespace owner")
	tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0", "a")
	got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, ""))
	assert.Equal(t, &wfev1.PipelineRunReference{Name: pr.Name, Namespace: "kubernaut-workflows", UID: pr.UID}, got.Status.PipelineRunRef)
	assert.Contains(t, got.Finalizers, wfev1.FinalizerPipelineRunCleanup)

	require.NoError(t, cp.Client.Delete(ctx, got))
	require.Eventually(t, func() bool {
		return cp.Client.Get(ctx, client.ObjectKeyFromObject(pr), &tektonv1.PipelineRun{}) != nil &&
			cp.Client.Get(ctx, client.ObjectKeyFromObject(we), &wfev1.WorkflowExecution{}) != nil
	}, 5*time.Second, 20*time.Millisecond, "deleting the WE deletes its PipelineRun, then the WE")
}

func TestARestartMidRunConvergesWithoutASecondPipelineRun(t *testing.T) {
	cp := controlplane.Start(t)
	m := cp.StartManager(t)
	cp.CreateNamespace(t, "restart")
	tk := tekton{t, cp}
	ctx := t.Context()

	we := newWE("restart", "midrun")
	require.NoError(t, cp.Client.Create(ctx, we))
	pr := tk.pipelineRunOf(we, "restart")
	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
	eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, ""))

	m.Stop()
	// While no manager runs, the run finishes and a new WE arrives.
	tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "", "a")
	late := recordedWE("restart", "late", "restart") // no webhook runs meanwhile
	require.NoError(t, cp.Client.Create(ctx, late))

	cp.RunUnregisteredManager(t)
	eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	eventually(t, cp, client.ObjectKeyFromObject(late), 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineCreated, metav1.ConditionTrue, ""))

	list := &tektonv1.PipelineRunList{}
	require.NoError(t, cp.Client.List(ctx, list, client.InNamespace("restart")))
	byWE := map[string]int{}
	for _, p := range list.Items {
		byWE[p.Labels[wfev1.LabelWorkflowExecution]]++
	}
	assert.Equal(t, map[string]int{"midrun": 1, "late": 1}, byWE, "one PipelineRun per WE")
}

func TestARefusedPipelineRunFailsTheExecutionForGood(t *testing.T) {
	cp := controlplane.Start(t)
	cp.StartManager(t)
	cp.CreateNamespace(t, "quota")
	ctx := t.Context()
	// No PipelineRun may exist here; the apiserver's quota admission refuses it.
	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: "quota", Name: "no-runs"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/pipelineruns.tekton.dev": resource.MustParse("0")}}}
	require.NoError(t, cp.Client.Create(ctx, quota))
	quota.Status = corev1.ResourceQuotaStatus{Hard: quota.Spec.Hard, Used: corev1.ResourceList{"count/pipelineruns.tekton.dev": resource.MustParse("0")}}
	require.NoError(t, cp.Client.Status().Update(ctx, quota))

	we := newWE("quota", "refused")
	require.NoError(t, cp.Client.Create(ctx, we))
	got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second,
		conditionIs(wfev1.ConditionTektonPipelineCreated, metav1.ConditionFalse, wfev1.ReasonPipelineCreationFailed))
	assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineCreated).Message, "exceeded quota")
	assert.Equal(t, metav1.ConditionFalse, got.Condition(wfev1.ConditionTektonPipelineComplete).Status)
	assert.Equal(t, wfev1.PhaseFailed, got.Status.Phase)
	require.NotNil(t, got.Status.FailureDetails)
	assert.Equal(t, wfev1.FailureReasonResourceExhausted, got.Status.FailureDetails.Reason)
	cp.MustKubectl(t, "wait", "-n", "quota", "wfe/refused", "--for=jsonpath={.status.completionTime}", "--timeout=5s")
}
