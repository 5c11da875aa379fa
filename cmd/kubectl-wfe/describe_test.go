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

package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestTheTreeShowsTheRunTasksAndTheFailedStep(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) *metav1.Time { m := metav1.NewTime(at.Add(d)); return &m }
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "restart", CreationTimestamp: *ts(0)}}
	we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "wfe-1"}, "created")
	we.MarkStarted("executing")
	we.MarkFailed("Tekton PipelineRun team-a/wfe-1 failed", wfev1.FailureDetails{Reason: wfev1.FailureReasonTaskFailed, Message: "deploy failed"})
	we.SetAuditRecorded(metav1.ConditionTrue, wfev1.ReasonAuditSucceeded, "acknowledged")
	we.Status.AuditedEvents = []string{wfev1.AuditEventStarted, wfev1.AuditEventFailed}
	we.Status.CompletionTime = ts(70 * time.Second)
	failed := apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "Failed"}
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "wfe-1"}}
	pr.Status.Conditions = duckv1.Conditions{failed}
	pr.Status.StartTime, pr.Status.CompletionTime = ts(2*time.Second), ts(65*time.Second)
	task := func(name string, created time.Duration, ok bool) tektonv1.TaskRun {
		tr := tektonv1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "wfe-1-" + name, CreationTimestamp: *ts(created),
			Labels: map[string]string{"tekton.dev/pipelineTask": name}}}
		tr.Status.StartTime, tr.Status.CompletionTime = ts(created), ts(created+10*time.Second)
		tr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue, Reason: "Succeeded"}}
		if !ok {
			tr.Status.Conditions = duckv1.Conditions{failed}
			tr.Status.Steps = []tektonv1.StepState{{Name: "apply", ContainerState: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ExitCode: 3}}}}
		}
		return tr
	}
	got := tree(we, pr, []tektonv1.TaskRun{task("deploy", 20*time.Second, false), task("build", 3*time.Second, true)}, "", at.Add(time.Hour))
	assert.Equal(t, `WorkflowExecution team-a/restart  Failed  took 1m10s
├─ TektonPipelineCreated   True    PipelineCreated: created
├─ TektonPipelineRunning   True    PipelineStarted: executing
├─ TektonPipelineComplete  False   PipelineFailed: Tekton PipelineRun team-a/wfe-1 failed
├─ AuditRecorded           True    AuditSucceeded: acknowledged (acknowledged: workflowexecution.execution.started, workflowexecution.workflow.failed)
├─ failure: TaskFailed, deploy failed
└─ PipelineRun team-a/wfe-1  False/Failed  took 1m3s
   ├─ TaskRun build  True/Succeeded  took 10s
   └─ TaskRun deploy  False/Failed  took 10s  step apply exited 3`, got)
}

func TestTheTreeSaysWhatItCannotShow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	fresh := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "n", Name: "fresh", CreationTimestamp: metav1.NewTime(now.Add(-5 * time.Second))}}
	assert.Contains(t, tree(fresh, nil, nil, "", now), "WorkflowExecution n/fresh  -  for 5s")
	assert.Contains(t, tree(fresh, nil, nil, "", now), "└─ no PipelineRun yet")
	pruned := fresh.DeepCopy()
	pruned.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "wfe-2"}, "created")
	assert.Contains(t, tree(pruned, nil, nil, "PipelineRun n/wfe-2 is gone (deleted or pruned)", now), "└─ PipelineRun n/wfe-2 is gone (deleted or pruned)")
	byRetention := pruned.DeepCopy()
	byRetention.Status.PipelineRunPrunedAt = &metav1.Time{Time: now}
	code, out := describe(t.Context(), fake.NewClientBuilder().WithScheme(pluginScheme(t)).WithObjects(byRetention).Build(),
		client.ObjectKeyFromObject(byRetention), now)
	assert.Equal(t, exitSucceeded, code)
	assert.Contains(t, out, "└─ PipelineRun wfe-2 pruned at 2026-01-01T12:00:00Z (retention), with its TaskRuns and pods")
}

func pluginScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme, err := newScheme()
	require.NoError(t, err)
	return scheme
}

func TestTheTreeNamesWhyARunningTaskWaits(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "n", Name: "stuck", CreationTimestamp: metav1.NewTime(now.Add(-time.Minute))}}
	we.MarkStarted(wfev1.WithWaiting("Tekton PipelineRun n/pr is executing task build (0 of 1 complete)", wfev1.WaitingImagePull,
		`task build: image "127.0.0.1:1/missing:v1" cannot be pulled`))
	assert.Contains(t, tree(we, nil, nil, "", now), "\n├─ waiting: ImagePull: task build: image \"127.0.0.1:1/missing:v1\" cannot be pulled\n")
	we.MarkStarted("Tekton PipelineRun n/pr is executing task build (0 of 1 complete)")
	assert.NotContains(t, tree(we, nil, nil, "", now), "waiting:", "a run whose tasks execute says no cause")
}
