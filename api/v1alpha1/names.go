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

import "k8s.io/apimachinery/pkg/types"

// Kind is the WorkflowExecution kind.
const Kind = "WorkflowExecution"

// Labels that are part of the API: users and other controllers select by them.
const (
	// LabelWorkflowID carries spec.workflowRef.workflowId on a WorkflowExecution
	// (added by the webhook) and on its PipelineRun.
	LabelWorkflowID = "kubernaut.ai/workflow-id"
	// LabelCorrelationID carries spec.remediationRequestRef.name on a
	// WorkflowExecution (added by the webhook), for selection.
	LabelCorrelationID = "kubernaut.ai/correlation-id"

	// LabelWorkflowExecution, LabelSourceNamespace and LabelWorkflowExecutionUID
	// link a PipelineRun back to its WorkflowExecution.
	LabelWorkflowExecution    = "kubernaut.ai/workflow-execution"
	LabelSourceNamespace      = "kubernaut.ai/source-namespace"
	LabelWorkflowExecutionUID = "kubernaut.ai/workflow-execution-uid"
)

// The request to cancel a run: two annotations, written once, together, by
// the requester (the wfe-conditions-cancel admission policy holds them to
// it). The spec stays immutable: GitOps tools would fight a changing spec.
const (
	// AnnotationCancelRequestedBy is the requester's username.
	AnnotationCancelRequestedBy = "workflowexecution.kubernaut.ai/cancel-requested-by"
	// AnnotationCancelReason says why, in at most MaxCancelReason characters.
	AnnotationCancelReason = "workflowexecution.kubernaut.ai/cancel-reason"
	// MaxCancelReason bounds the reason (the audit event's message carries it).
	MaxCancelReason = 256
)

// FinalizerPipelineRunCleanup holds a WorkflowExecution whose PipelineRun lives
// in the execution namespace until that PipelineRun is deleted.
const FinalizerPipelineRunCleanup = "workflowexecution.kubernaut.ai/pipelinerun-cleanup"

// FinalizerAudit holds a WorkflowExecution, while auditing is on, until every
// lifecycle event due for it is in status.auditedEvents: one deleted while
// its run goes is first cancelled and audited as failed (docs/audit.md).
const FinalizerAudit = "workflowexecution.kubernaut.ai/audit"

// EventReasonStatusWriteRefused is the reason of the Warning Event told when
// the apiserver refused a status write as invalid. The other Events carry the
// reason of the condition whose status changed.
const EventReasonStatusWriteRefused = "StatusWriteRefused"

// The lifecycle audit event types, in the order a WorkflowExecution goes
// through them: the event_type sent to DataStorage and the values of
// status.auditedEvents.
const (
	// AuditEventStarted is due once the PipelineRun is created: kubernaut's
	// own WorkflowExecution controller emits it then, and its effectiveness
	// monitor classes a remediation without it as never executed.
	AuditEventStarted   = "workflowexecution.execution.started"
	AuditEventCompleted = "workflowexecution.workflow.completed"
	AuditEventFailed    = "workflowexecution.workflow.failed"
	// AuditEventWorkflowStarted is the start event v0.1.0 sent when the run
	// started. A WorkflowExecution that recorded it is not audited again.
	AuditEventWorkflowStarted = "workflowexecution.workflow.started"
)

// PipelineRunKey is where the recorded PipelineRun lives (the
// WorkflowExecution's namespace unless the reference names another); ok is
// false before one is recorded.
func (we *WorkflowExecution) PipelineRunKey() (types.NamespacedName, bool) {
	ref := we.Status.PipelineRunRef
	if ref == nil {
		return types.NamespacedName{}, false
	}
	ns := ref.Namespace
	if ns == "" {
		ns = we.Namespace
	}
	return types.NamespacedName{Namespace: ns, Name: ref.Name}, true
}
