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

package reconciler

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

var (
	t0 = metav1.NewTime(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	t1 = metav1.NewTime(t0.Add(90 * time.Second))
)

func initialWE() *wfev1.WorkflowExecution {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we", Generation: 1}}
	initializeStatus(we)
	return we
}

type prOpt func(*tektonv1.PipelineRun)

func withChildren(names ...string) prOpt {
	return func(pr *tektonv1.PipelineRun) {
		for _, n := range names {
			pr.Status.ChildReferences = append(pr.Status.ChildReferences, tektonv1.ChildStatusReference{
				TypeMeta: runtime.TypeMeta{Kind: "TaskRun"}, Name: "pr-" + n, PipelineTaskName: n,
			})
		}
	}
}

func withPipeline(tasks, finally []string) prOpt {
	return func(pr *tektonv1.PipelineRun) {
		spec := &tektonv1.PipelineSpec{}
		for _, n := range tasks {
			spec.Tasks = append(spec.Tasks, tektonv1.PipelineTask{Name: n})
		}
		for _, n := range finally {
			spec.Finally = append(spec.Finally, tektonv1.PipelineTask{Name: n})
		}
		pr.Status.PipelineSpec = spec
	}
}

func started(pr *tektonv1.PipelineRun)  { pr.Status.StartTime = &t0 }
func finished(pr *tektonv1.PipelineRun) { pr.Status.CompletionTime = &t1 }

func pipelineRun(status corev1.ConditionStatus, reason, message string, opts ...prOpt) *tektonv1.PipelineRun {
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "pr"}}
	if status != "" {
		pr.Status.Status = duckv1.Status{Conditions: duckv1.Conditions{{
			Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: message,
		}}}
	}
	for _, o := range opts {
		o(pr)
	}
	return pr
}

type want struct {
	running, complete          metav1.ConditionStatus
	runningReason, completeRsn string
	phase                      wfev1.Phase
}

const (
	U = metav1.ConditionUnknown
	T = metav1.ConditionTrue
	F = metav1.ConditionFalse
)

func TestEveryTektonReasonMapsToOneRow(t *testing.T) {
	running := "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0"
	failed := "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"
	tests := []struct {
		name string
		pr   *tektonv1.PipelineRun
		want want
	}{
		{"a PipelineRun without status has not started", pipelineRun("", "", ""),
			want{U, U, wfev1.ReasonPending, wfev1.ReasonPending, wfev1.PhasePending}},
		{"Started with a start time is running", pipelineRun(corev1.ConditionUnknown, "Started", "", started),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"Running is running", pipelineRun(corev1.ConditionUnknown, "Running", running, started, withChildren("build", "test")),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"PipelineRunPending has not started", pipelineRun(corev1.ConditionUnknown, "PipelineRunPending", ""),
			want{U, U, wfev1.ReasonPending, wfev1.ReasonPending, wfev1.PhasePending}},
		{"ResolvingPipelineRef has not started even with a start time", pipelineRun(corev1.ConditionUnknown, "ResolvingPipelineRef", "", started),
			want{U, U, wfev1.ReasonPending, wfev1.ReasonPending, wfev1.PhasePending}},
		{"PipelineRunStopping is still running", pipelineRun(corev1.ConditionUnknown, "PipelineRunStopping", "", started, withChildren("a")),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"CancelledRunningFinally is still running", pipelineRun(corev1.ConditionUnknown, "CancelledRunningFinally", "", started, withChildren("a")),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"StoppedRunningFinally is still running", pipelineRun(corev1.ConditionUnknown, "StoppedRunningFinally", "", started, withChildren("a")),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"PipelineRunTimeoutRunningFinally is still running", pipelineRun(corev1.ConditionUnknown, "PipelineRunTimeoutRunningFinally", "", started, withChildren("a")),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"Cancelled while the cancel is in progress is still running", pipelineRun(corev1.ConditionUnknown, "Cancelled", "", started, withChildren("a")),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"Succeeded succeeds", pipelineRun(corev1.ConditionTrue, "Succeeded", "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0", started, finished, withChildren("a", "b", "c")),
			want{T, T, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineSucceeded, wfev1.PhaseCompleted}},
		{"Completed with skipped tasks succeeds", pipelineRun(corev1.ConditionTrue, "Completed", "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 1", started, finished, withChildren("a", "b")),
			want{T, T, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineSucceeded, wfev1.PhaseCompleted}},
		{"Failed after running fails", pipelineRun(corev1.ConditionFalse, "Failed", failed, started, finished, withChildren("a", "b")),
			want{T, F, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineFailed, wfev1.PhaseFailed}},
		{"PipelineRunTimeout times out", pipelineRun(corev1.ConditionFalse, "PipelineRunTimeout", "PipelineRun \"pr\" failed to finish within \"5s\"", started, finished, withChildren("a")),
			want{T, F, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineTimeout, wfev1.PhaseFailed}},
		{"Cancelled after running is cancelled", pipelineRun(corev1.ConditionFalse, "Cancelled", "PipelineRun \"pr\" was cancelled", started, finished, withChildren("a")),
			want{T, F, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineCancelled, wfev1.PhaseFailed}},
		{"Cancelled before any task is cancelled and never started", pipelineRun(corev1.ConditionFalse, "Cancelled", "", finished),
			want{F, F, wfev1.ReasonPipelineFailedToStart, wfev1.ReasonPipelineCancelled, wfev1.PhaseFailed}},
	}
	for _, reason := range []string{"CreateRunFailed", "CouldntGetPipeline", "CouldntGetTask", "PipelineValidationFailed",
		"InvalidParamValue", "ParameterMissing", "PipelineInvalidGraph", "PipelineRunCouldntCancel", "PipelineRunCouldntTimeOut",
		"ResourceVerificationFailed", "CELEvaluationFailed", "InvalidWorkspaceBindings", "ParameterTypeMismatch", "SomeFutureReason"} {
		tests = append(tests, struct {
			name string
			pr   *tektonv1.PipelineRun
			want want
		}{reason + " before any task fails to start", pipelineRun(corev1.ConditionFalse, reason, "it went wrong", started, finished),
			want{F, F, wfev1.ReasonPipelineFailedToStart, wfev1.ReasonPipelineFailed, wfev1.PhaseFailed}})
	}
	tests = append(tests, []struct {
		name string
		pr   *tektonv1.PipelineRun
		want want
	}{
		{"an unknown future Unknown reason maps by status", pipelineRun(corev1.ConditionUnknown, "SomethingNew", "", started),
			want{T, U, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineRunning, wfev1.PhaseRunning}},
		{"an unknown future True reason maps by status", pipelineRun(corev1.ConditionTrue, "SomethingNew", "", started, finished),
			want{T, T, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineSucceeded, wfev1.PhaseCompleted}},
		{"CreateRunFailed after tasks ran fails after starting", pipelineRun(corev1.ConditionFalse, "CreateRunFailed", "", started, finished, withChildren("a")),
			want{T, F, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineFailed, wfev1.PhaseFailed}},
	}...)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			we := initialWE()
			applyPipelineRun(we, tt.pr, nil, nil)
			created := we.Condition(wfev1.ConditionTektonPipelineCreated)
			assert.Equal(t, T, created.Status)
			assert.Equal(t, "Tekton PipelineRun ns/pr created", created.Message)
			r, c := we.Condition(wfev1.ConditionTektonPipelineRunning), we.Condition(wfev1.ConditionTektonPipelineComplete)
			assert.Equal(t, tt.want.running, r.Status, "running: %s", r.Message)
			assert.Equal(t, tt.want.runningReason, r.Reason)
			assert.Equal(t, tt.want.complete, c.Status, "complete: %s", c.Message)
			assert.Equal(t, tt.want.completeRsn, c.Reason)
			assert.Equal(t, tt.want.phase, we.Status.Phase)
			for _, cond := range we.Status.Conditions {
				assert.Equal(t, int64(1), cond.ObservedGeneration)
			}
			if tt.pr.Status.GetCondition(apis.ConditionSucceeded) != nil && c.Status != U {
				assert.Contains(t, c.Message, tt.pr.Status.GetCondition(apis.ConditionSucceeded).Reason, "keeps Tekton's reason")
			}
			if c.Status == F {
				require.NotNil(t, we.Status.FailureDetails)
				assert.Equal(t, tt.want.running == T, we.Status.FailureDetails.WasExecutionFailure)
			} else {
				assert.Nil(t, we.Status.FailureDetails)
			}
		})
	}
}

func TestProgressShowsTheRunningTaskAndCounts(t *testing.T) {
	we := initialWE()
	pr := pipelineRun(corev1.ConditionUnknown, "Running", "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0",
		started, withChildren("build", "test"))
	applyPipelineRun(we, pr, nil, nil)
	assert.Equal(t, "Tekton PipelineRun ns/pr is executing task test (1 of 3 complete)", we.Condition(wfev1.ConditionTektonPipelineRunning).Message)
	assert.Equal(t, &wfev1.PipelineRunStatusSummary{Status: U, Reason: "Running", Message: pr.Status.GetCondition(apis.ConditionSucceeded).Message,
		CompletedTasks: 1, TotalTasks: 3}, we.Status.PipelineRunStatus)
	assert.Equal(t, &t0, we.Status.StartTime)
	assert.Nil(t, we.Status.CompletionTime)
}

func TestAFailureNamesTheFailedTaskAndKeepsTimes(t *testing.T) {
	we := initialWE()
	code := int32(1)
	pr := pipelineRun(corev1.ConditionFalse, "Failed", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0", started, finished,
		withChildren("build", "deploy"), withPipeline([]string{"lint", "build", "deploy"}, []string{"notify"}))
	applyPipelineRun(we, pr, &taskFailure{Name: "deploy", Step: "apply", ExitCode: &code, Reason: "Failed", Message: "step apply exited 1"}, nil)
	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Contains(t, c.Message, "failed task: deploy")
	assert.Contains(t, c.Message, "Failed: Tasks Completed: 2 (Failed: 1")
	fd := we.Status.FailureDetails
	require.NotNil(t, fd)
	assert.Equal(t, wfev1.FailureReasonTaskFailed, fd.Reason)
	assert.Equal(t, ptr.To(2), fd.FailedTaskIndex, "the position in the Pipeline's tasks, not among the TaskRuns")
	assert.Equal(t, "deploy", fd.FailedTaskName)
	assert.Equal(t, "apply", fd.FailedStepName)
	assert.Equal(t, &code, fd.ExitCode)
	assert.Equal(t, t1, fd.FailedAt)
	assert.Equal(t, 90*time.Second, we.Status.Duration.Duration)
	assert.Equal(t, 90*time.Second, fd.ExecutionTimeBeforeFailure.Duration)
	assert.Equal(t, 2, we.Status.PipelineRunStatus.CompletedTasks)
}

func TestConditionsNeverRegress(t *testing.T) {
	we := initialWE()
	applyPipelineRun(we, pipelineRun(corev1.ConditionUnknown, "Running", "", started, withChildren("a")), nil, nil)
	// A stale or odd later observation does not undo the start.
	applyPipelineRun(we, pipelineRun(corev1.ConditionUnknown, "PipelineRunPending", ""), nil, nil)
	assert.Equal(t, T, we.Condition(wfev1.ConditionTektonPipelineRunning).Status)
	applyPipelineRun(we, pipelineRun(corev1.ConditionFalse, "CouldntGetPipeline", "", finished), nil, nil)
	assert.Equal(t, T, we.Condition(wfev1.ConditionTektonPipelineRunning).Status, "Running stays True after it finishes")
	assert.Equal(t, F, we.Condition(wfev1.ConditionTektonPipelineComplete).Status)
	// Once finished, nothing changes it.
	applyPipelineRun(we, pipelineRun(corev1.ConditionTrue, "Succeeded", "", started, finished), nil, nil)
	assert.Equal(t, F, we.Condition(wfev1.ConditionTektonPipelineComplete).Status)
	applyPipelineRunDeleted(we, t1)
	assert.Equal(t, wfev1.ReasonPipelineFailed, we.Condition(wfev1.ConditionTektonPipelineComplete).Reason)
	assert.Equal(t, wfev1.PhaseFailed, we.Status.Phase)
}

func TestAPipelineRunDeletedWhileUnfinishedFailsTheExecution(t *testing.T) {
	we := initialWE()
	applyCreated(we, "ns", "pr", "uid-pr")
	applyPipelineRunDeleted(we, t1)
	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Equal(t, F, c.Status)
	assert.Equal(t, wfev1.ReasonPipelineFailed, c.Reason)
	assert.Equal(t, "Tekton PipelineRun ns/pr was deleted before it finished", c.Message)
	assert.Equal(t, wfev1.ReasonPipelineFailedToStart, we.Condition(wfev1.ConditionTektonPipelineRunning).Reason)
	assert.Equal(t, &t1, we.Status.CompletionTime)

	done := initialWE()
	applyPipelineRun(done, pipelineRun(corev1.ConditionTrue, "Succeeded", "", started, finished), nil, nil)
	before := done.DeepCopy()
	applyPipelineRunDeleted(done, t1)
	assert.Equal(t, before, done, "deleted after finishing changes nothing")
}

func TestTaskCountsParseTektonMessages(t *testing.T) {
	tests := []struct {
		msg              string
		completed, total int
		ok               bool
	}{
		{"Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0", 0, 2, true},
		{"Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0", 2, 2, true},
		{"Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1", 2, 3, true},
		{"Tasks Completed: 1 (Failed: 0, Cancelled: 1), Incomplete: 1, Skipped: 0", 1, 2, true},
		{"PipelineRun \"x\" was cancelled", 0, 0, false},
	}
	for _, tt := range tests {
		c, n, ok := taskCounts(tt.msg)
		assert.Equal(t, []any{tt.completed, tt.total, tt.ok}, []any{c, n, ok}, tt.msg)
	}
}

func TestAHugeTektonMessageIsBoundedAndTheFailedTaskStillNamed(t *testing.T) {
	huge := strings.Repeat("ü", 20_000) // 40,000 bytes: Tekton's CRD does not bound messages
	we := initialWE()
	pr := pipelineRun(corev1.ConditionFalse, "Failed", huge, started, finished, withChildren("build", "deploy"))
	applyPipelineRun(we, pr, &taskFailure{Name: "deploy", Step: "apply", Reason: "Failed", Message: huge}, nil)

	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Equal(t, metav1.ConditionFalse, c.Status)
	assert.Equal(t, wfev1.ReasonPipelineFailed, c.Reason)
	assert.Contains(t, c.Message, "failed task: deploy", "the cut keeps what we add after Tekton's message")
	for _, c := range we.Status.Conditions {
		assert.LessOrEqual(t, len(c.Message), wfev1.MaxConditionMessage, c.Type)
		assert.True(t, utf8.ValidString(c.Message), c.Type)
	}
	fd := we.Status.FailureDetails
	require.NotNil(t, fd)
	assert.LessOrEqual(t, len(fd.Message), wfev1.MaxFailureMessage)
	assert.LessOrEqual(t, len(fd.NaturalLanguageSummary), wfev1.MaxFailureMessage)
	assert.True(t, strings.HasSuffix(fd.Message, wfev1.TruncationMarker))
	assert.LessOrEqual(t, len(we.Status.PipelineRunStatus.Message), wfev1.MaxSummaryMessage)
}

func TestTheFailedTaskIndexIsItsPositionInThePipeline(t *testing.T) {
	tests := []struct {
		name string
		opts []prOpt
		task string
		want *int
	}{
		{"a task is found among the Pipeline's tasks", []prOpt{withPipeline([]string{"a", "b"}, []string{"f"})}, "b", ptr.To(1)},
		{"a finally task comes after every task", []prOpt{withPipeline([]string{"a", "b"}, []string{"f", "g"})}, "g", ptr.To(3)},
		{"an unknown task has no index", []prOpt{withPipeline([]string{"a"}, nil)}, "zzz", nil},
		{"without the Pipeline's task list there is no index", nil, "a", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := pipelineRun(corev1.ConditionFalse, "Failed", "", append(tt.opts, started, finished)...)
			assert.Equal(t, tt.want, taskIndex(pr, tt.task))
		})
	}
}
