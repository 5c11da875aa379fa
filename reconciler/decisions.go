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
	"fmt"
	"slices"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// applyPipelineRun brings the WorkflowExecution's status in line with its
// PipelineRun, one decision per condition (in the manner of Cluster API's
// status files). failed names the failed task, and wait why a task of a
// running one waits, when the caller looked them up.
// Conditions never regress: TektonPipelineRunning stays True once True, and
// a finished TektonPipelineComplete stays as it is.
func applyPipelineRun(we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun, failed *taskFailure, wait *taskWait) {
	applyCreated(we, pr.Namespace, pr.Name, pr.UID)
	if isFinished(we) {
		return
	}
	o := observationOf(we, pr, failed, wait)
	setRunSummary(we, o)
	setRunning(we, o)
	setComplete(we, o)
}

// setRunSummary copies what status keeps of the run: its summary and times.
func setRunSummary(we *wfev1.WorkflowExecution, o observation) {
	st := &o.pr.Status
	we.Status.PipelineRunStatus = summary(o.succeeded, o.completed, o.total)
	we.Status.StartTime = st.StartTime.DeepCopy()
	we.Status.CompletionTime = st.CompletionTime.DeepCopy()
	we.Status.Duration = nil
	if st.StartTime != nil && st.CompletionTime != nil {
		we.Status.Duration = &metav1.Duration{Duration: st.CompletionTime.Sub(st.StartTime.Time)}
	}
}

// setRunning decides TektonPipelineRunning: started (with its progress and
// why a task waits), or failed to start once the run ended without starting;
// Unknown until then.
func setRunning(we *wfev1.WorkflowExecution, o observation) {
	switch {
	case o.started && !o.finished() && o.wait != nil:
		we.MarkStarted(wfev1.WithWaiting(progress(o.pr, o.completed, o.total, o.counted), o.wait.Cause, o.wait.Detail()))
	case o.started && !o.finished():
		we.MarkStarted(progress(o.pr, o.completed, o.total, o.counted))
	case o.started && o.counted:
		we.MarkStarted(fmt.Sprintf("Tekton PipelineRun %s has started; it finished with %d of %d tasks complete", o.name, o.completed, o.total))
	case o.started:
		we.MarkStarted(fmt.Sprintf("Tekton PipelineRun %s has started; it has finished", o.name))
	case o.finished():
		we.MarkFailedToStart(tektonSays(o.name, "ended without starting", o.succeeded))
	}
}

// setComplete decides TektonPipelineComplete and the phase: pending, running,
// or the transition of the finished run's reason.
func setComplete(we *wfev1.WorkflowExecution, o observation) {
	switch {
	case o.finished():
		finish(we, o)
	case o.started:
		we.MarkRunning(tektonSays(o.name, "is running", o.succeeded))
	default:
		we.MarkPending(tektonSays(o.name, "has not started", o.succeeded))
	}
}

// finish ends the execution as the finished PipelineRun says: the
// transition of its reason, with failure details when it failed.
func finish(we *wfev1.WorkflowExecution, o observation) {
	c, failed := o.succeeded, o.failed
	status, reason := completeReason(c)
	if status == metav1.ConditionTrue {
		we.MarkSucceeded(tektonSays(o.name, "succeeded", c))
		return
	}
	msg := tektonSays(o.name, "failed", c)
	cancelled := reason == wfev1.ReasonPipelineCancelled && o.cancel != ""
	if cancelled {
		msg = o.cancel + "; " + msg
	}
	if failed != nil {
		msg = fmt.Sprintf("%s; failed task: %s (%s: %s)", msg, wfev1.Truncate(failed.Name, wfev1.MaxName),
			wfev1.Truncate(failed.Reason, wfev1.MaxName), wfev1.Truncate(failed.Message, wfev1.MaxConditionMessage/4))
	}
	fd := wfev1.FailureDetails{
		Reason:                 failureClass(c.Reason, o.started, failed),
		Message:                wfev1.Truncate(c.Message, wfev1.MaxFailureMessage),
		WasExecutionFailure:    o.started,
		NaturalLanguageSummary: wfev1.Truncate(msg, wfev1.MaxFailureMessage),
		FailedAt:               failedAt(o.pr, c),
	}
	if failed != nil {
		fd.FailedTaskIndex, fd.ExitCode = taskIndex(o.pr, failed.Name), failed.ExitCode
		fd.FailedTaskName = wfev1.Truncate(failed.Name, wfev1.MaxName)
		fd.FailedStepName = wfev1.Truncate(failed.Step, wfev1.MaxName)
	}
	if cancelled {
		fd.Message = wfev1.Truncate(o.cancel, wfev1.MaxFailureMessage) // what the failed audit event carries
	}
	if we.Status.Duration != nil {
		fd.ExecutionTimeBeforeFailure = we.Status.Duration.DeepCopy()
	}
	switch reason {
	case wfev1.ReasonPipelineTimeout:
		we.MarkTimedOut(msg, fd)
	case wfev1.ReasonPipelineCancelled:
		we.MarkCancelled(msg, fd)
	default:
		we.MarkFailed(msg, fd)
	}
}

// completeReason maps a finished PipelineRun's Succeeded condition to the
// TektonPipelineComplete status and reason. Every Tekton reason maps by the
// condition's status; only a timeout and a cancellation are told apart.
func completeReason(c *apis.Condition) (metav1.ConditionStatus, string) {
	switch {
	case c.Status == corev1.ConditionTrue:
		return metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded
	case c.Reason == tektonv1.PipelineRunReasonTimedOut.String():
		return metav1.ConditionFalse, wfev1.ReasonPipelineTimeout
	case c.Reason == tektonv1.PipelineRunReasonCancelled.String():
		return metav1.ConditionFalse, wfev1.ReasonPipelineCancelled
	default:
		return metav1.ConditionFalse, wfev1.ReasonPipelineFailed
	}
}

// failureClass classifies a failed PipelineRun for failureDetails.reason.
func failureClass(reason string, started bool, task *taskFailure) wfev1.FailureReason {
	switch {
	case reason == tektonv1.PipelineRunReasonTimedOut.String():
		return wfev1.FailureReasonDeadlineExceeded
	case reason == tektonv1.PipelineRunReasonCancelled.String():
		// Its TaskRuns were cancelled, not failed; the enum has no cancelled.
		return wfev1.FailureReasonUnknown
	case task != nil && task.Reason == "TaskRunImagePullFailed":
		return wfev1.FailureReasonImagePullBackOff
	case task != nil || (reason == tektonv1.PipelineRunReasonFailed.String() && started):
		return wfev1.FailureReasonTaskFailed
	case !started:
		return wfev1.FailureReasonConfigurationError
	default:
		return wfev1.FailureReasonUnknown
	}
}

// taskIndex is the position of the named task in the Pipeline the PipelineRun
// runs (Tekton keeps it in status.pipelineSpec): its index in tasks, or the
// number of tasks plus its index in finally; nil when unknown.
func taskIndex(pr *tektonv1.PipelineRun, name string) *int {
	spec := pr.Status.PipelineSpec
	if spec == nil {
		return nil
	}
	if i := slices.IndexFunc(spec.Tasks, func(t tektonv1.PipelineTask) bool { return t.Name == name }); i >= 0 {
		return &i
	}
	if i := slices.IndexFunc(spec.Finally, func(t tektonv1.PipelineTask) bool { return t.Name == name }); i >= 0 {
		i += len(spec.Tasks)
		return &i
	}
	return nil
}

func failedAt(pr *tektonv1.PipelineRun, c *apis.Condition) metav1.Time {
	if pr.Status.CompletionTime != nil {
		return *pr.Status.CompletionTime
	}
	return metav1.NewTime(c.LastTransitionTime.Inner.Time)
}
