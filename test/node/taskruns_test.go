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

package node

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// taskRuns are the TaskRuns of a WorkflowExecution's PipelineRun, by pipeline task.
func taskRuns(t *testing.T, we *wfev1.WorkflowExecution) map[string]*tektonv1.TaskRun {
	t.Helper()
	require.NotNil(t, we.Status.PipelineRunRef)
	runs, err := listTaskRuns(t.Context(), we.Status.PipelineRunRef.Namespace, we.Status.PipelineRunRef.Name)
	require.NoError(t, err)
	return runs
}

func listTaskRuns(ctx context.Context, namespace, pipelineRun string) (map[string]*tektonv1.TaskRun, error) {
	list := &tektonv1.TaskRunList{}
	if err := node.Client.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{"tekton.dev/pipelineRun": pipelineRun}); err != nil {
		return nil, err
	}
	out := map[string]*tektonv1.TaskRun{}
	for i := range list.Items {
		out[list.Items[i].Labels["tekton.dev/pipelineTask"]] = &list.Items[i]
	}
	return out, nil
}

// kubectlLogs is `kubectl logs`, which the apiserver serves from the kubelet.
func kubectlLogs(ctx context.Context, t *testing.T, pod, container string) string {
	t.Helper()
	return kubectl(ctx, t, "logs", "-n", ns, pod, "-c", container)
}

// eventsOf waits for at least n Events about the WorkflowExecution and
// returns their types by reason.
func eventsOf(t *testing.T, name string, n int) map[string]string {
	t.Helper()
	reasons := map[string]string{}
	require.Eventually(t, func() bool {
		list := &eventsv1.EventList{}
		if node.Client.List(t.Context(), list, client.InNamespace(ns)) != nil {
			return false
		}
		for _, e := range list.Items {
			if e.Regarding.Kind == "WorkflowExecution" && e.Regarding.Name == name {
				reasons[e.Reason] = e.Type
			}
		}
		return len(reasons) >= n
	}, 30*time.Second, 100*time.Millisecond, "Events about %s: %v", name, reasons)
	return reasons
}

func TestARealStepSucceedsWithItsResultAndItsOutputInKubectlLogs(t *testing.T) {
	began := time.Now()
	we := wetest.New(ns, "greets", wetest.Pipeline("greets"))
	require.NoError(t, node.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, node.Client, we, 2*time.Minute, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	t.Logf("a one-step pipeline on the real node: created to Succeeded in %s", time.Since(began).Round(time.Millisecond))
	assert.Equal(t, wfev1.PhaseCompleted, got.Status.Phase)
	tr := taskRuns(t, got)["hello"]
	require.NotNil(t, tr)
	require.Len(t, tr.Status.Results, 1)
	assert.Equal(t, "ok", tr.Status.Results[0].Value.StringVal, "the step wrote its result")
	assert.Contains(t, kubectlLogs(t.Context(), t, tr.Status.PodName, "step-say"), "hello from a real step on "+tr.Status.PodName)
	assert.Equal(t, map[string]string{wfev1.ReasonPipelineCreated: "Normal", wfev1.ReasonPipelineStarted: "Normal",
		wfev1.ReasonPipelineSucceeded: "Normal", wfev1.ReasonAuditSucceeded: "Normal"}, eventsOf(t, "greets", 4),
		"an Event for each transition, as on the simulated node")
	wetest.WaitFor(t, node.Client, we, time.Minute, wetest.AuditedIs(metav1.ConditionTrue))
	events := map[string]bool{}
	for _, e := range ds.Events() {
		if e.CorrelationID == "rr-greets" {
			events[e.EventType] = true
		}
	}
	assert.True(t, events[wfev1.AuditEventStarted] && events[wfev1.AuditEventCompleted], "DataStorage got started and completed: %v", events)
}

func TestAStepThatExitsThreeFailsTheExecutionNamingTaskStepAndCode(t *testing.T) {
	we := wetest.New(ns, "exits-3", wetest.Pipeline("exits-3"))
	require.NoError(t, node.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, node.Client, we, 2*time.Minute, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineFailed))
	assert.Equal(t, wfev1.PhaseFailed, got.Status.Phase)
	fd := got.Status.FailureDetails
	require.NotNil(t, fd)
	assert.Equal(t, "deploy", fd.FailedTaskName)
	assert.Equal(t, "apply", fd.FailedStepName)
	require.NotNil(t, fd.ExitCode)
	assert.Equal(t, int32(3), *fd.ExitCode)
	assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineComplete).Message, "deploy")
	// Four reasons: created, started, failed and audited (Events are sent apart, in any order).
	assert.Equal(t, "Warning", eventsOf(t, "exits-3", 4)[wfev1.ReasonPipelineFailed], "the failure is told as a Warning")
	assert.Equal(t, tektonv1.TaskRunReasonSuccessful.String(), taskRuns(t, got)["build"].Status.GetCondition("Succeeded").Reason)

	plugin, err := paths.Binary("kubectl-wfe")
	require.NoError(t, err)
	out, err := exec.CommandContext(t.Context(), plugin, "logs", "exits-3", "--failed", "-n", ns, "--kubeconfig", node.Kubeconfig).Output()
	require.NoError(t, err, "kubectl wfe logs --failed: %s", out)
	assert.Equal(t, "applying\n", string(out), "the failed step's own output, from its container on the node")
}

func TestARealTimeoutEndsASleepingStep(t *testing.T) {
	we := wetest.New(ns, "times-out", wetest.Pipeline("sleeps"))
	we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{Timeout: &metav1.Duration{Duration: 15 * time.Second}}
	require.NoError(t, node.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, node.Client, we, 2*time.Minute, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineTimeout))
	assert.Equal(t, wfev1.FailureReasonDeadlineExceeded, got.Status.FailureDetails.Reason)
	assert.Equal(t, metav1.ConditionTrue, got.Condition(wfev1.ConditionTektonPipelineRunning).Status, "it had started")
}

func TestACancelledRealRunIsPipelineCancelled(t *testing.T) {
	ctx := t.Context()
	we := wetest.New(ns, "cancelled", wetest.Pipeline("sleeps"))
	require.NoError(t, node.Client.Create(ctx, we))
	var pod string
	got := wetest.WaitFor(t, node.Client, we, 2*time.Minute, func(we *wfev1.WorkflowExecution) bool {
		if we.Status.PipelineRunRef == nil {
			return false
		}
		runs, err := listTaskRuns(ctx, ns, we.Status.PipelineRunRef.Name)
		if err != nil {
			return false
		}
		tr := runs["wait"]
		if tr == nil || tr.Status.PodName == "" {
			return false
		}
		pod = tr.Status.PodName
		return strings.Contains(kubectlLogsOrEmpty(ctx, pod, "step-sleep"), "sleeping")
	})
	// A merge patch: Tekton writes the PipelineRun meanwhile.
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: got.Status.PipelineRunRef.Name}}
	require.NoError(t, node.Client.Patch(ctx, pr, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"status":"Cancelled"}}`))))
	wetest.WaitFor(t, node.Client, we, time.Minute, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineCancelled))
}

func kubectlLogsOrEmpty(ctx context.Context, pod, container string) string {
	out, _ := exec.CommandContext(ctx, filepath.Join(node.Bin, "kubectl"), "--kubeconfig", node.Kubeconfig,
		"logs", "-n", ns, pod, "-c", container).Output()
	return string(out)
}

func TestAFinallyTaskRunsAfterTheWork(t *testing.T) {
	we := wetest.New(ns, "with-finally", wetest.Pipeline("with-finally"))
	require.NoError(t, node.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, node.Client, we, 2*time.Minute, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	runs := taskRuns(t, got)
	require.Contains(t, runs, "report")
	assert.Contains(t, kubectlLogs(t.Context(), t, runs["report"].Status.PodName, "step-tell"), "finally ran")
	// The work takes 2 s; the times have a resolution of one second.
	workEnded, reportStarted := runs["work"].Status.CompletionTime.Time, runs["report"].Status.StartTime.Time
	assert.False(t, reportStarted.Before(workEnded), "finally started at %s, after the work ended at %s", reportStarted, workEnded)
}

func TestTwoExecutionsRunTheirPodsAtTheSameTime(t *testing.T) {
	a, b := wetest.New(ns, "parallel-a", wetest.Pipeline("takes-three-seconds")), wetest.New(ns, "parallel-b", wetest.Pipeline("takes-three-seconds"))
	require.NoError(t, node.Client.Create(t.Context(), a))
	require.NoError(t, node.Client.Create(t.Context(), b))
	ga := wetest.WaitFor(t, node.Client, a, 2*time.Minute, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	gb := wetest.WaitFor(t, node.Client, b, 2*time.Minute, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	ra, rb := taskRuns(t, ga)["work"], taskRuns(t, gb)["work"]
	overlap := ra.Status.StartTime.Before(rb.Status.CompletionTime) && rb.Status.StartTime.Before(ra.Status.CompletionTime)
	assert.True(t, overlap, "the two TaskRuns ran at the same time: a %s-%s, b %s-%s",
		ra.Status.StartTime, ra.Status.CompletionTime, rb.Status.StartTime, rb.Status.CompletionTime)
}
