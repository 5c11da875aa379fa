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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The transitions of a WorkflowExecution, named for what happened. Each sets
// every condition, the phase and the fields that go with that event
// together, so that no caller sets a reason without its status or a failed
// condition without the phase, as Tekton's MarkSucceeded/MarkFailed and
// knative's condition sets do. They are pure: the reconciler decides which
// one applies; the vocabulary (vocabulary.go) says what each reason means.

// MarkPipelineCreated records the PipelineRun that runs this execution.
func (we *WorkflowExecution) MarkPipelineCreated(ref PipelineRunReference, message string) {
	we.Status.PipelineRunRef = &ref
	we.SetTektonPipelineCreated(metav1.ConditionTrue, ReasonPipelineCreated, message)
}

// MarkCreationRetrying records a creation attempt that failed and is retried.
func (we *WorkflowExecution) MarkCreationRetrying(message string) {
	we.SetTektonPipelineCreated(metav1.ConditionUnknown, ReasonPipelineCreationRetrying, message)
}

// MarkCreationFailed ends an execution whose PipelineRun was refused for
// good: nothing ran, nothing will.
func (we *WorkflowExecution) MarkCreationFailed(message string, details FailureDetails, at metav1.Time) {
	we.SetTektonPipelineCreated(metav1.ConditionFalse, ReasonPipelineCreationFailed, message)
	we.MarkFailedToStart(message)
	we.Status.CompletionTime = at.DeepCopy()
	we.markFailed(ReasonPipelineFailed, message, details)
}

// MarkPending records a PipelineRun that exists and has not started.
func (we *WorkflowExecution) MarkPending(message string) {
	we.SetTektonPipelineComplete(metav1.ConditionUnknown, ReasonPending, message)
	we.Status.Phase = PhasePending
}

// MarkStarted records that the PipelineRun started; progress says how far
// it got. It leaves TektonPipelineComplete alone: a run may have finished.
func (we *WorkflowExecution) MarkStarted(progress string) {
	we.SetTektonPipelineRunning(metav1.ConditionTrue, ReasonPipelineStarted, progress)
}

// MarkRunning records that the started PipelineRun is still going (with
// MarkStarted, which says how far it got).
func (we *WorkflowExecution) MarkRunning(message string) {
	we.SetTektonPipelineComplete(metav1.ConditionUnknown, ReasonPipelineRunning, message)
	we.Status.Phase = PhaseRunning
}

// MarkFailedToStart records a PipelineRun that ended, or can no longer be
// followed, before it started.
func (we *WorkflowExecution) MarkFailedToStart(message string) {
	we.SetTektonPipelineRunning(metav1.ConditionFalse, ReasonPipelineFailedToStart, message)
}

// MarkSucceeded ends the execution as succeeded.
func (we *WorkflowExecution) MarkSucceeded(message string) {
	we.SetTektonPipelineComplete(metav1.ConditionTrue, ReasonPipelineSucceeded, message)
	we.Status.Phase = PhaseCompleted
	we.Status.FailureDetails = nil
}

// MarkFailed ends the execution as failed.
func (we *WorkflowExecution) MarkFailed(message string, details FailureDetails) {
	we.markFailed(ReasonPipelineFailed, message, details)
}

// MarkTimedOut ends the execution as timed out.
func (we *WorkflowExecution) MarkTimedOut(message string, details FailureDetails) {
	we.markFailed(ReasonPipelineTimeout, message, details)
}

// MarkCancelled ends the execution as cancelled.
func (we *WorkflowExecution) MarkCancelled(message string, details FailureDetails) {
	we.markFailed(ReasonPipelineCancelled, message, details)
}

// CancelRequest says who asked to cancel the run and why, as the message
// of its end, e.g. "Cancelled by alice: superseded by rr-2"; ok false when
// no cancel was requested.
func (we *WorkflowExecution) CancelRequest() (string, bool) {
	by := we.Annotations[AnnotationCancelRequestedBy]
	if by == "" {
		return "", false
	}
	// The policy bounds the reason in characters; Truncate counts bytes.
	return "Cancelled by " + by + ": " + Truncate(we.Annotations[AnnotationCancelReason], 4*MaxCancelReason), true
}

// MarkCancelledBeforeCreation ends an execution whose cancel was requested
// before its PipelineRun was created: none will be.
func (we *WorkflowExecution) MarkCancelledBeforeCreation(message string, details FailureDetails, at metav1.Time) {
	we.SetTektonPipelineCreated(metav1.ConditionFalse, ReasonPipelineCreationCancelled, message)
	we.MarkFailedToStart(message)
	we.Status.CompletionTime = at.DeepCopy()
	we.markFailed(ReasonPipelineCancelled, message, details)
}

// MarkGone ends an unfinished execution whose PipelineRun can no longer be
// followed (deleted, replaced, or its WorkflowExecution deleted mid-run).
func (we *WorkflowExecution) MarkGone(message string, details FailureDetails, at metav1.Time) {
	started := statusOf(we, ConditionTektonPipelineRunning) == metav1.ConditionTrue
	if !started {
		we.MarkFailedToStart(message)
	}
	details.WasExecutionFailure = started
	we.Status.CompletionTime = at.DeepCopy()
	we.markFailed(ReasonPipelineFailed, message, details)
}

func (we *WorkflowExecution) markFailed(reason, message string, details FailureDetails) {
	we.SetTektonPipelineComplete(metav1.ConditionFalse, reason, message)
	we.Status.Phase = PhaseFailed
	we.Status.FailureDetails = &details
}

// statusOf is the status of a condition, Unknown when absent.
func statusOf(we *WorkflowExecution, conditionType string) metav1.ConditionStatus {
	if c := we.Condition(conditionType); c != nil {
		return c.Status
	}
	return metav1.ConditionUnknown
}
