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
	"regexp"
	"slices"
	"strconv"
	"strings"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// taskFailure is what the failed TaskRun of a PipelineRun says.
type taskFailure struct {
	// Name is the pipeline task's name.
	Name string
	// Step is the failed step, when known.
	Step string
	// ExitCode of the failed step, when known.
	ExitCode *int32
	// Reason and Message of the TaskRun's Succeeded condition.
	Reason, Message string
}

// notStartedReasons are Tekton's Unknown reasons of a PipelineRun that has not
// begun executing its pipeline.
var notStartedReasons = map[string]bool{
	tektonv1.PipelineRunReasonPending.String():              true,
	tektonv1.PipelineRunReasonResolvingPipelineRef.String(): true,
}

// hasStarted says whether the PipelineRun began executing: Tekton reports it
// running (startTime with an Unknown reason other than pending or resolving),
// it created a TaskRun, or it succeeded. Tekton stamps startTime before
// resolving the pipeline, so a resolution failure alone is no start.
func hasStarted(pr *tektonv1.PipelineRun) bool {
	if len(pr.Status.ChildReferences) > 0 {
		return true
	}
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case c == nil:
		return false
	case c.Status == corev1.ConditionTrue:
		return true
	case c.Status == corev1.ConditionUnknown:
		return pr.Status.StartTime != nil && !notStartedReasons[c.Reason]
	default:
		return false
	}
}

// tasksMessage matches Tekton's progress message, e.g. "Tasks Completed: 1
// (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0".
var tasksMessage = regexp.MustCompile(`Tasks Completed: (\d+) \(Failed: (\d+), Cancelled:? (\d+)\)(?:, Incomplete: (\d+))?, Skipped: (\d+)`)

// taskCounts returns completed and total tasks from Tekton's message, or ok
// false when the message does not report them.
func taskCounts(message string) (completed, total int, ok bool) {
	m := tasksMessage.FindStringSubmatch(message)
	if m == nil {
		return 0, 0, false
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	completed = n(m[1])
	return completed, completed + n(m[4]) + n(m[5]), true
}

// progress describes a running PipelineRun for the TektonPipelineRunning message.
func progress(pr *tektonv1.PipelineRun, completed, total int, counted bool) string {
	name := pr.Namespace + "/" + pr.Name
	if !counted {
		return fmt.Sprintf("Tekton PipelineRun %s has started", name)
	}
	inFlight := len(pr.Status.ChildReferences) - completed
	switch {
	case inFlight == 1:
		last := pr.Status.ChildReferences[len(pr.Status.ChildReferences)-1]
		return fmt.Sprintf("Tekton PipelineRun %s is executing task %s (%d of %d complete)", name, last.PipelineTaskName, completed, total)
	case inFlight > 1:
		return fmt.Sprintf("Tekton PipelineRun %s is executing %d tasks (%d of %d complete)", name, inFlight, completed, total)
	default:
		return fmt.Sprintf("Tekton PipelineRun %s is running (%d of %d tasks complete)", name, completed, total)
	}
}

// completeReason maps a finished PipelineRun's Succeeded condition to the
// TektonPipelineComplete status and reason. Every Tekton reason maps by the
// condition's status; only a timeout and a cancellation are told apart.
func completeReason(c *apis.Condition) (metav1.ConditionStatus, string) {
	switch {
	case c == nil || c.Status == corev1.ConditionUnknown:
		return metav1.ConditionUnknown, wfev1.ReasonPipelineRunning
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
	case task != nil && task.Reason == "TaskRunImagePullFailed":
		return wfev1.FailureReasonImagePullBackOff
	case task != nil || (reason == tektonv1.PipelineRunReasonFailed.String() && started):
		return wfev1.FailureReasonTaskFailed
	case reason == tektonv1.PipelineRunReasonCancelled.String():
		return wfev1.FailureReasonUnknown
	case !started:
		return wfev1.FailureReasonConfigurationError
	default:
		return wfev1.FailureReasonUnknown
	}
}

// applyPipelineRun sets the three Tekton conditions, phase, times, summary and
// failure details from the PipelineRun. failed names the failed task, when the
// caller looked it up. Conditions never regress: TektonPipelineRunning stays
// True once True, and a finished TektonPipelineComplete stays as it is.
func applyPipelineRun(we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun, failed *taskFailure) {
	name := pr.Namespace + "/" + pr.Name
	applyCreated(we, pr.Namespace, pr.Name, pr.UID)
	if isFinished(we) {
		return
	}
	st := &pr.Status
	c := st.GetCondition(apis.ConditionSucceeded)
	started := hasStarted(pr) || isTrue(we, wfev1.ConditionTektonPipelineRunning)
	completed, total, counted := 0, 0, false
	if c != nil {
		completed, total, counted = taskCounts(c.Message)
	}
	we.Status.PipelineRunStatus = summary(c, completed, total)
	we.Status.StartTime = st.StartTime.DeepCopy()
	we.Status.CompletionTime = st.CompletionTime.DeepCopy()
	we.Status.Duration = nil
	if st.StartTime != nil && st.CompletionTime != nil {
		we.Status.Duration = &metav1.Duration{Duration: st.CompletionTime.Sub(st.StartTime.Time)}
	}

	status, reason := completeReason(c)
	switch {
	case status == metav1.ConditionUnknown && started:
		we.MarkRunning(progress(pr, completed, total, counted), tektonSays(name, "is running", c))
	case status == metav1.ConditionUnknown:
		we.MarkPending(tektonSays(name, "has not started", c))
	case started:
		msg := fmt.Sprintf("Tekton PipelineRun %s has started; it has finished", name)
		if counted {
			msg = fmt.Sprintf("Tekton PipelineRun %s has started; it finished with %d of %d tasks complete", name, completed, total)
		}
		we.MarkStarted(msg)
		finish(we, pr, c, status, reason, started, failed)
	default:
		we.MarkFailedToStart(tektonSays(name, "ended without starting", c))
		finish(we, pr, c, status, reason, started, failed)
	}
}

// finish ends the execution as the finished PipelineRun says: the
// transition of its reason, with failure details when it failed.
func finish(we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun, c *apis.Condition, status metav1.ConditionStatus, reason string, started bool, failed *taskFailure) {
	name := pr.Namespace + "/" + pr.Name
	if status == metav1.ConditionTrue {
		we.MarkSucceeded(tektonSays(name, "succeeded", c))
		return
	}
	msg := tektonSays(name, "failed", c)
	if failed != nil {
		msg = fmt.Sprintf("%s; failed task: %s (%s: %s)", msg, wfev1.Truncate(failed.Name, wfev1.MaxName),
			wfev1.Truncate(failed.Reason, wfev1.MaxName), wfev1.Truncate(failed.Message, wfev1.MaxConditionMessage/4))
	}
	fd := wfev1.FailureDetails{
		Reason:                 failureClass(c.Reason, started, failed),
		Message:                wfev1.Truncate(c.Message, wfev1.MaxFailureMessage),
		WasExecutionFailure:    started,
		NaturalLanguageSummary: wfev1.Truncate(msg, wfev1.MaxFailureMessage),
		FailedAt:               failedAt(pr, c),
	}
	if failed != nil {
		fd.FailedTaskIndex, fd.ExitCode = taskIndex(pr, failed.Name), failed.ExitCode
		fd.FailedTaskName = wfev1.Truncate(failed.Name, wfev1.MaxName)
		fd.FailedStepName = wfev1.Truncate(failed.Step, wfev1.MaxName)
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

// applyPipelineRunDeleted records that the PipelineRun is gone. Deleted while
// unfinished ends the execution as PipelineFailed; deleted after it finished
// changes nothing.
func applyPipelineRunDeleted(we *wfev1.WorkflowExecution, now metav1.Time) {
	name := "unknown"
	if ref := we.Status.PipelineRunRef; ref != nil {
		ns := ref.Namespace
		if ns == "" {
			ns = we.Namespace
		}
		name = ns + "/" + ref.Name
	}
	applyPipelineRunGone(we, fmt.Sprintf("Tekton PipelineRun %s was deleted before it finished", name), now)
}

// applyPipelineRunReplaced records that another PipelineRun stands where ours
// was: the execution ends as if ours were deleted, the message naming the
// impostor (why).
func applyPipelineRunReplaced(we *wfev1.WorkflowExecution, why string, now metav1.Time) {
	applyPipelineRunGone(we, wfev1.Truncate(why, wfev1.MaxConditionMessage), now)
}

// applyPipelineRunGone ends an unfinished execution whose PipelineRun can no
// longer be followed, with msg.
func applyPipelineRunGone(we *wfev1.WorkflowExecution, msg string, now metav1.Time) {
	if isFinished(we) {
		return
	}
	we.MarkGone(msg, wfev1.FailureDetails{Reason: wfev1.FailureReasonUnknown, Message: msg, FailedAt: now, NaturalLanguageSummary: msg}, now)
}

// applyCreated records that the PipelineRun exists, with its UID: only that
// PipelineRun is followed from then on.
func applyCreated(we *wfev1.WorkflowExecution, namespace, name string, uid types.UID) {
	ref := wfev1.PipelineRunReference{Name: name, UID: uid}
	if namespace != we.Namespace {
		ref.Namespace = namespace
	}
	we.MarkPipelineCreated(ref, fmt.Sprintf("Tekton PipelineRun %s/%s created", namespace, name))
}

// applyCreationError records a failed attempt to create the PipelineRun: a
// retryable one keeps TektonPipelineCreated Unknown; a final one ends the
// execution as failed.
func applyCreationError(we *wfev1.WorkflowExecution, err error, final bool, class wfev1.FailureReason, now metav1.Time) {
	if !final {
		we.MarkCreationRetrying(fmt.Sprintf("Creating the Tekton PipelineRun failed and is retried: %v", err))
		return
	}
	msg := fmt.Sprintf("The Tekton PipelineRun could not be created: %v", err)
	we.MarkCreationFailed(msg, wfev1.FailureDetails{Reason: class, FailedAt: now,
		Message: wfev1.Truncate(err.Error(), wfev1.MaxFailureMessage), NaturalLanguageSummary: wfev1.Truncate(msg, wfev1.MaxFailureMessage)}, now)
}

// summary is what status.pipelineRunStatus keeps of the PipelineRun.
func summary(c *apis.Condition, completed, total int) *wfev1.PipelineRunStatusSummary {
	if c == nil {
		return &wfev1.PipelineRunStatusSummary{Status: metav1.ConditionUnknown}
	}
	return &wfev1.PipelineRunStatusSummary{
		Status: metav1.ConditionStatus(c.Status), Reason: wfev1.Truncate(c.Reason, wfev1.MaxName),
		Message:        wfev1.Truncate(c.Message, wfev1.MaxSummaryMessage),
		CompletedTasks: completed, TotalTasks: total,
	}
}

// tektonSays is a message that keeps Tekton's own reason and message.
func tektonSays(name, what string, c *apis.Condition) string {
	if c == nil {
		return fmt.Sprintf("Tekton PipelineRun %s %s", name, what)
	}
	// Half a condition message at most, so that what we add after it (the
	// failed task) survives the cut.
	msg := wfev1.Truncate(strings.TrimSpace(c.Message), wfev1.MaxConditionMessage/2)
	if msg == "" {
		return fmt.Sprintf("Tekton PipelineRun %s %s (%s)", name, what, c.Reason)
	}
	return fmt.Sprintf("Tekton PipelineRun %s %s (%s: %s)", name, what, c.Reason, msg)
}

func failedAt(pr *tektonv1.PipelineRun, c *apis.Condition) metav1.Time {
	if pr.Status.CompletionTime != nil {
		return *pr.Status.CompletionTime
	}
	return metav1.NewTime(c.LastTransitionTime.Inner.Time)
}

func isTrue(we *wfev1.WorkflowExecution, t string) bool {
	c := we.Condition(t)
	return c != nil && c.Status == metav1.ConditionTrue
}

// isFinished says whether TektonPipelineComplete is final (True or False).
func isFinished(we *wfev1.WorkflowExecution) bool {
	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	return c != nil && c.Status != metav1.ConditionUnknown
}
