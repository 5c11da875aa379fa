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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// WorkflowExecutionSpec is one approved execution of a remediation workflow.
// It is immutable: to run again, create a new WorkflowExecution.
//
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable: a WorkflowExecution is one execution; delete it and create a new one to change what runs"
type WorkflowExecutionSpec struct {
	// RemediationRequestRef points at the RemediationRequest this execution
	// serves. Its name is the correlation id of every audit event.
	// +required
	// +kubebuilder:validation:XValidation:rule="has(self.name) && self.name.size() > 0 && self.name.size() <= 253",message="remediationRequestRef.name is required (1 to 253 characters): it is the correlation id of every audit event"
	// The other fields of the reference are bounded too (ObjectReference
	// carries no bounds of its own): a namespace and a kind fit a DNS label, an
	// apiVersion a DNS subdomain group plus a version.
	// +kubebuilder:validation:XValidation:rule="!has(self.namespace) || self.namespace.size() <= 63",message="remediationRequestRef.namespace must be at most 63 characters",fieldPath=".namespace"
	// +kubebuilder:validation:XValidation:rule="!has(self.kind) || self.kind.size() <= 63",message="remediationRequestRef.kind must be at most 63 characters",fieldPath=".kind"
	// +kubebuilder:validation:XValidation:rule="!has(self.apiVersion) || self.apiVersion.size() <= 317",message="remediationRequestRef.apiVersion must be at most 317 characters",fieldPath=".apiVersion"
	// +kubebuilder:validation:XValidation:rule="!has(self.uid) || self.uid.size() <= 128",message="remediationRequestRef.uid must be at most 128 characters",fieldPath=".uid"
	// +kubebuilder:validation:XValidation:rule="!has(self.resourceVersion) || self.resourceVersion.size() <= 128",message="remediationRequestRef.resourceVersion must be at most 128 characters",fieldPath=".resourceVersion"
	// +kubebuilder:validation:XValidation:rule="!has(self.fieldPath) || self.fieldPath.size() <= 512",message="remediationRequestRef.fieldPath must be at most 512 characters",fieldPath=".fieldPath"
	RemediationRequestRef corev1.ObjectReference `json:"remediationRequestRef"`

	// WorkflowRef names the catalog workflow to run.
	// +required
	WorkflowRef WorkflowRef `json:"workflowRef"`

	// TargetResource is the resource being remediated: "namespace/kind/name" for
	// namespaced resources, "kind/name" for cluster-scoped ones.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[^/\s]+/[^/\s]+(/[^/\s]+)?$`
	TargetResource string `json:"targetResource"`

	// Parameters are passed to the PipelineRun as params. Keys are
	// UPPER_SNAKE_CASE of at most 63 characters; values are at most 4096
	// characters; names and values together are at most 32768 characters, so
	// that every audit event carrying them fits DataStorage's 256 KB limit.
	// +optional
	// +kubebuilder:validation:MaxProperties=128
	// +kubebuilder:validation:XValidation:rule="self.map(k, size(k) + size(self[k])).sum() <= 32768",message="parameters must total at most 32768 characters, names and values together (DataStorage stores at most 256 KB of audit data an event)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) <= 63)",message="parameter names must be at most 63 characters"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(self[k]) <= 4096)",message="parameter values must be at most 4096 characters"
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[A-Z][A-Z0-9_]*$'))",message="parameter names must be UPPER_SNAKE_CASE, e.g. TARGET_NAMESPACE"
	Parameters map[string]string `json:"parameters,omitempty"`

	// Confidence is the selection confidence reported by the analysis, from 0 to 1.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	Confidence float64 `json:"confidence,omitempty"`

	// Rationale explains why this workflow was selected.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Rationale string `json:"rationale,omitempty"`

	// ExecutionConfig tunes how the PipelineRun runs.
	// +optional
	ExecutionConfig *ExecutionConfig `json:"executionConfig,omitempty"`
}

// WorkflowRef identifies a workflow in the catalog and the bundle that implements it.
type WorkflowRef struct {
	// WorkflowID is the catalog key of the workflow.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	WorkflowID string `json:"workflowId"`

	// Version of the workflow, e.g. a semantic version.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Version string `json:"version"`

	// ContainerImage is the OCI bundle holding the Tekton Pipeline, resolved by
	// Tekton's bundles resolver: registry domain, path and optional tag, as
	// github.com/distribution/reference parses them (BundleImagePattern); the
	// digest goes in containerDigest.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$`
	// +kubebuilder:validation:XValidation:rule="self.split('/')[0] == 'localhost' || self.split('/')[0].contains('.') || self.split('/')[0].contains(':')",message="containerImage must name its registry: the first segment needs a dot or a port, or is localhost"
	// +kubebuilder:validation:XValidation:rule="(self.lastIndexOf(':') > self.lastIndexOf('/') ? self.lastIndexOf(':') : size(self)) <= 255",message="containerImage's name (without the tag) must be at most 255 characters"
	ContainerImage string `json:"containerImage"`

	// ContainerDigest pins the bundle: "sha256:" and 64 lower-case hex digits.
	// +optional
	// +kubebuilder:validation:MaxLength=71
	// +kubebuilder:validation:Pattern=`^sha256:[a-f0-9]{64}$`
	ContainerDigest string `json:"containerDigest,omitempty"`
}

// ExecutionConfig holds the execution settings passed to the PipelineRun.
type ExecutionConfig struct {
	// Timeout for the whole pipeline (the PipelineRun's timeouts.pipeline).
	// +optional
	// +kubebuilder:validation:XValidation:rule="size(self) <= 64",message="executionConfig.timeout must be at most 64 characters, e.g. 1h30m"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// ServiceAccountName runs the PipelineRun's tasks. It is a DNS subdomain.
	// When absent at creation, the webhook writes the execution policy's
	// default; the admission policy then requires it and authorises its use.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// Namespace is where the PipelineRun runs: the WorkflowExecution's own, or
	// the execution policy's execution namespace. When absent at creation, the
	// webhook writes it; the admission policy then requires it to be where the
	// policy runs this WorkflowExecution.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`
}

// Phase is the coarse lifecycle stage of a WorkflowExecution.
// +kubebuilder:validation:Enum=Pending;Running;Completed;Failed
type Phase string

// The phases, in lifecycle order.
const (
	PhasePending   Phase = "Pending"
	PhaseRunning   Phase = "Running"
	PhaseCompleted Phase = "Completed"
	PhaseFailed    Phase = "Failed"
)

// WorkflowExecutionStatus is what the reconciler observed of the execution.
type WorkflowExecutionStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Phase summarises the conditions: Pending, Running, Completed or Failed.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// StartTime is when the PipelineRun started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// CompletionTime is when the PipelineRun finished, either way.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// Duration is CompletionTime minus StartTime.
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty"`

	// PipelineRunRef names the PipelineRun that runs this execution.
	// +optional
	PipelineRunRef *PipelineRunReference `json:"pipelineRunRef,omitempty"`

	// PipelineRunStatus summarises the PipelineRun's Succeeded condition and progress.
	// +optional
	PipelineRunStatus *PipelineRunStatusSummary `json:"pipelineRunStatus,omitempty"`

	// FailureDetails describes why the execution failed.
	// +optional
	FailureDetails *FailureDetails `json:"failureDetails,omitempty"`

	// PipelineRunPrunedAt is when the controller deleted the finished run's
	// PipelineRun (with its TaskRuns and pods) under --retain-succeeded or
	// --retain-failed; this status keeps the run's summary and failure.
	// +optional
	PipelineRunPrunedAt *metav1.Time `json:"pipelineRunPrunedAt,omitempty"`

	// AuditedEvents lists the lifecycle audit events DataStorage acknowledged,
	// in the order they were sent, e.g. workflowexecution.execution.started. The
	// reconciler sends exactly the lifecycle events missing here.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	AuditedEvents []string `json:"auditedEvents,omitempty"`

	// Conditions: TektonPipelineCreated, TektonPipelineRunning,
	// TektonPipelineComplete and AuditRecorded.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// PipelineRunReference locates the PipelineRun of an execution.
type PipelineRunReference struct {
	// Name of the PipelineRun.
	Name string `json:"name"`

	// Namespace of the PipelineRun when it is not the WorkflowExecution's own.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// UID of the PipelineRun the reconciler created. Only that PipelineRun is
	// followed: another one under the same name is an impostor.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Type=string
	UID types.UID `json:"uid,omitempty"`
}

// PipelineRunStatusSummary mirrors the PipelineRun's Succeeded condition.
type PipelineRunStatusSummary struct {
	// Status of Tekton's Succeeded condition: True, False or Unknown.
	Status metav1.ConditionStatus `json:"status"`

	// Reason of Tekton's Succeeded condition, e.g. Running, Succeeded, Failed.
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message of Tekton's Succeeded condition.
	// +optional
	Message string `json:"message,omitempty"`

	// CompletedTasks is how many tasks have finished.
	// +optional
	CompletedTasks int `json:"completedTasks,omitempty"`

	// TotalTasks is how many tasks the pipeline has.
	// +optional
	TotalTasks int `json:"totalTasks,omitempty"`
}

// FailureReason classifies a failure.
// +kubebuilder:validation:Enum=OOMKilled;DeadlineExceeded;Forbidden;ResourceExhausted;ConfigurationError;ImagePullBackOff;TaskFailed;Unknown
type FailureReason string

// The failure classes.
const (
	FailureReasonOOMKilled          FailureReason = "OOMKilled"
	FailureReasonDeadlineExceeded   FailureReason = "DeadlineExceeded"
	FailureReasonForbidden          FailureReason = "Forbidden"
	FailureReasonResourceExhausted  FailureReason = "ResourceExhausted"
	FailureReasonConfigurationError FailureReason = "ConfigurationError"
	FailureReasonImagePullBackOff   FailureReason = "ImagePullBackOff"
	FailureReasonTaskFailed         FailureReason = "TaskFailed"
	FailureReasonUnknown            FailureReason = "Unknown"
)

// FailureDetails says what failed, where and when.
type FailureDetails struct {
	// FailedTaskIndex is the 0-based position of the failed task in the
	// Pipeline: its index in the Pipeline's tasks, or, for a finally task, the
	// number of tasks plus its index in finally. Omitted when unknown (the
	// failed task or the Pipeline's task list could not be read).
	// +optional
	// +kubebuilder:validation:Minimum=0
	FailedTaskIndex *int `json:"failedTaskIndex,omitempty"`

	// FailedTaskName is the pipeline task that failed, when known.
	// +optional
	FailedTaskName string `json:"failedTaskName"`

	// FailedStepName is the step that failed within the task, when known.
	// +optional
	FailedStepName string `json:"failedStepName,omitempty"`

	// Reason classifies the failure.
	Reason FailureReason `json:"reason"`

	// Message is the failure as Tekton reported it.
	Message string `json:"message"`

	// ExitCode of the failed step's container, when known.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty"`

	// FailedAt is when the failure was observed.
	FailedAt metav1.Time `json:"failedAt"`

	// ExecutionTimeBeforeFailure is how long the pipeline ran before it failed.
	// +optional
	ExecutionTimeBeforeFailure *metav1.Duration `json:"executionTimeBeforeFailure,omitempty"`

	// NaturalLanguageSummary is a one-sentence account for notifications.
	NaturalLanguageSummary string `json:"naturalLanguageSummary"`

	// WasExecutionFailure is true when the pipeline ran and failed, false when it
	// failed before running anything.
	// +optional
	WasExecutionFailure bool `json:"wasExecutionFailure,omitempty"`
}

// WorkflowExecution runs one Tekton PipelineRun for a remediation and reports its
// progress and audit trail as Conditions.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it labels the Tekton PipelineRun"
// +kubebuilder:resource:shortName=wfe,categories=kubernaut
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Complete",type=string,JSONPath=`.status.conditions[?(@.type=="TektonPipelineComplete")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="TektonPipelineComplete")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="WorkflowID",type=string,JSONPath=`.spec.workflowRef.workflowId`,priority=1
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.targetResource`,priority=1
type WorkflowExecution struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec WorkflowExecutionSpec `json:"spec"`
	// +optional
	Status WorkflowExecutionStatus `json:"status,omitempty"`
}

// WorkflowExecutionList is a list of WorkflowExecutions.
//
// +kubebuilder:object:root=true
type WorkflowExecutionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkflowExecution `json:"items"`
}
