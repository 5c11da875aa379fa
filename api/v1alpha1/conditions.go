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
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The four condition types every WorkflowExecution status carries.
const (
	// ConditionTektonPipelineCreated says whether the Tekton PipelineRun exists.
	ConditionTektonPipelineCreated = "TektonPipelineCreated"
	// ConditionTektonPipelineRunning says whether the PipelineRun has started. It
	// stays True after the run finishes: it reads "has started".
	ConditionTektonPipelineRunning = "TektonPipelineRunning"
	// ConditionTektonPipelineComplete says whether the PipelineRun finished, and how.
	ConditionTektonPipelineComplete = "TektonPipelineComplete"
	// ConditionAuditRecorded says whether DataStorage acknowledged every lifecycle
	// audit event so far.
	ConditionAuditRecorded = "AuditRecorded"
)

// ConditionTypes lists the condition types in the order they are shown.
var ConditionTypes = []string{
	ConditionTektonPipelineCreated,
	ConditionTektonPipelineRunning,
	ConditionTektonPipelineComplete,
	ConditionAuditRecorded,
}

// Reasons. Each belongs to one status of one or more condition types, as the
// comment says.
const (
	// ReasonPending (Unknown, Tekton conditions): nothing has happened yet.
	ReasonPending = "Pending"

	// ReasonPipelineCreated (TektonPipelineCreated True): the PipelineRun exists.
	ReasonPipelineCreated = "PipelineCreated"
	// ReasonPipelineCreationRetrying (TektonPipelineCreated Unknown): creating the
	// PipelineRun failed with a retryable error; it is retried with backoff.
	ReasonPipelineCreationRetrying = "PipelineCreationRetrying"
	// ReasonPipelineCreationFailed (TektonPipelineCreated False): the apiserver
	// rejected the PipelineRun for good (invalid, forbidden, quota, name taken).
	ReasonPipelineCreationFailed = "PipelineCreationFailed"
	// ReasonPipelineCreationCancelled (TektonPipelineCreated False): a cancel
	// was requested before the PipelineRun was created; none will be.
	ReasonPipelineCreationCancelled = "PipelineCreationCancelled"

	// ReasonPipelineStarted (TektonPipelineRunning True): the PipelineRun started.
	ReasonPipelineStarted = "PipelineStarted"
	// ReasonPipelineFailedToStart (TektonPipelineRunning False): the PipelineRun
	// ended without ever starting.
	ReasonPipelineFailedToStart = "PipelineFailedToStart"

	// ReasonPipelineRunning (TektonPipelineComplete Unknown): the run is under way.
	ReasonPipelineRunning = "PipelineRunning"
	// ReasonPipelineSucceeded (TektonPipelineComplete True): Tekton Succeeded or Completed.
	ReasonPipelineSucceeded = "PipelineSucceeded"
	// ReasonPipelineFailed (TektonPipelineComplete False): any failure other than a
	// timeout or a cancellation, including a PipelineRun deleted while unfinished.
	ReasonPipelineFailed = "PipelineFailed"
	// ReasonPipelineTimeout (TektonPipelineComplete False): Tekton PipelineRunTimeout.
	ReasonPipelineTimeout = "PipelineTimeout"
	// ReasonPipelineCancelled (TektonPipelineComplete False): Tekton Cancelled,
	// or a cancel requested before the PipelineRun was created.
	ReasonPipelineCancelled = "PipelineCancelled"

	// ReasonAuditPending (AuditRecorded Unknown): no lifecycle event acknowledged yet.
	ReasonAuditPending = "AuditPending"
	// ReasonAuditDisabled (AuditRecorded Unknown): the manager runs without DataStorage.
	ReasonAuditDisabled = "AuditDisabled"
	// ReasonAuditSucceeded (AuditRecorded True): every lifecycle event so far was
	// acknowledged.
	ReasonAuditSucceeded = "AuditSucceeded"
	// ReasonAuditFailed (AuditRecorded False): delivering an event failed.
	ReasonAuditFailed = "AuditFailed"
)

// MissingConditions returns, as Unknown and stamped with generation, each of the
// four condition types that conditions lacks, in the order of ConditionTypes.
// lastTransitionTime is now.
func MissingConditions(conditions []metav1.Condition, generation int64) []metav1.Condition {
	var missing []metav1.Condition
	now := metav1.Now()
	for _, c := range initialConditions {
		if meta.FindStatusCondition(conditions, c.Type) != nil {
			continue
		}
		c.Status = metav1.ConditionUnknown
		c.ObservedGeneration = generation
		c.LastTransitionTime = now
		missing = append(missing, c)
	}
	return missing
}

// EnsureConditions adds each missing condition type as Unknown, stamped with
// generation, and leaves present ones untouched. It reports whether it added any.
// The /status webhook and the reconciler both rely on MissingConditions, so the
// invariant "all four types are present" holds whichever of them runs.
func EnsureConditions(status *WorkflowExecutionStatus, generation int64) bool {
	missing := MissingConditions(status.Conditions, generation)
	status.Conditions = append(status.Conditions, missing...)
	return len(missing) > 0
}

// SetCondition sets one condition on the WorkflowExecution, stamped with its
// generation, its message cut to MaxConditionMessage. lastTransitionTime changes
// only when the status changes. It reports whether anything changed.
func (we *WorkflowExecution) SetCondition(conditionType string, status metav1.ConditionStatus, reason, message string) bool {
	return meta.SetStatusCondition(&we.Status.Conditions, metav1.Condition{
		Type:               conditionType,
		Status:             status,
		Reason:             reason,
		Message:            Truncate(message, MaxConditionMessage),
		ObservedGeneration: we.Generation,
	})
}

// SetTektonPipelineCreated sets the TektonPipelineCreated condition.
func (we *WorkflowExecution) SetTektonPipelineCreated(status metav1.ConditionStatus, reason, message string) bool {
	return we.SetCondition(ConditionTektonPipelineCreated, status, reason, message)
}

// SetTektonPipelineRunning sets the TektonPipelineRunning condition.
func (we *WorkflowExecution) SetTektonPipelineRunning(status metav1.ConditionStatus, reason, message string) bool {
	return we.SetCondition(ConditionTektonPipelineRunning, status, reason, message)
}

// SetTektonPipelineComplete sets the TektonPipelineComplete condition.
func (we *WorkflowExecution) SetTektonPipelineComplete(status metav1.ConditionStatus, reason, message string) bool {
	return we.SetCondition(ConditionTektonPipelineComplete, status, reason, message)
}

// SetAuditRecorded sets the AuditRecorded condition.
func (we *WorkflowExecution) SetAuditRecorded(status metav1.ConditionStatus, reason, message string) bool {
	return we.SetCondition(ConditionAuditRecorded, status, reason, message)
}

// Condition returns the condition of the given type, or nil.
func (we *WorkflowExecution) Condition(conditionType string) *metav1.Condition {
	return meta.FindStatusCondition(we.Status.Conditions, conditionType)
}
