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
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// applyPipelineRunDeleted records that the PipelineRun is gone. Deleted while
// unfinished ends the execution as PipelineFailed; deleted after it finished
// changes nothing.
func applyPipelineRunDeleted(we *wfev1.WorkflowExecution, now metav1.Time) {
	name := "unknown"
	if key, ok := we.PipelineRunKey(); ok {
		name = key.String()
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

// applyCancelledBeforeCreation ends an execution cancelled before its
// PipelineRun was created, with who asked and why.
func applyCancelledBeforeCreation(we *wfev1.WorkflowExecution, request string, now metav1.Time) {
	msg := request + "; no Tekton PipelineRun was created"
	we.MarkCancelledBeforeCreation(msg, wfev1.FailureDetails{Reason: wfev1.FailureReasonUnknown, FailedAt: now,
		Message: wfev1.Truncate(request, wfev1.MaxFailureMessage), NaturalLanguageSummary: wfev1.Truncate(msg, wfev1.MaxFailureMessage)}, now)
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

func isTrue(we *wfev1.WorkflowExecution, t string) bool {
	c := we.Condition(t)
	return c != nil && c.Status == metav1.ConditionTrue
}

// isFinished says whether TektonPipelineComplete is final (True or False).
func isFinished(we *wfev1.WorkflowExecution) bool {
	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	return c != nil && c.Status != metav1.ConditionUnknown
}
