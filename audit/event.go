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

// Package audit delivers WorkflowExecution lifecycle audit events to the
// DataStorage service: batched across WorkflowExecutions, retried with backoff
// off the reconcile path, with each result handed back to the reconciler.
package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Event is one AuditEventRequest of DataStorage's contract.
type Event struct {
	Version        string  `json:"version"`
	EventType      string  `json:"event_type"`
	EventTimestamp string  `json:"event_timestamp"`
	EventCategory  string  `json:"event_category"`
	EventAction    string  `json:"event_action"`
	EventOutcome   string  `json:"event_outcome"`
	ActorType      string  `json:"actor_type,omitempty"`
	ActorID        string  `json:"actor_id,omitempty"`
	ResourceType   string  `json:"resource_type,omitempty"`
	ResourceID     string  `json:"resource_id,omitempty"`
	CorrelationID  string  `json:"correlation_id"`
	Namespace      *string `json:"namespace,omitempty"`
	DurationMS     *int64  `json:"duration_ms,omitempty"`
	ErrorMessage   *string `json:"error_message,omitempty"`
	EventData      Payload `json:"event_data"`

	// at is when the event happened; event_timestamp is drawn from it at
	// each send (see sendTimestamp), the payload keeps it as it is.
	at time.Time
}

// DataStorage refuses an event_timestamp older than 7 days or more than 60
// minutes ahead of its clock. maxEventAge keeps a day's margin below the first.
const maxEventAge = 6 * 24 * time.Hour

// sendTimestamp is the event_timestamp of an event that happened at at, sent
// at now: min(max(at, now - 6 days), now). A backlog older than DataStorage's
// window (a long outage, auditing turned on over old runs) is then stored, not
// refused for good, and a clock ahead of DataStorage's never sends the future.
// The payload's started_at and completed_at keep the true times.
func sendTimestamp(at, now time.Time) string {
	if floor := now.Add(-maxEventAge); at.Before(floor) {
		at = floor
	}
	if at.After(now) {
		at = now
	}
	return at.UTC().Format(time.RFC3339)
}

// Payload is the WorkflowExecutionAuditPayload of DataStorage's contract.
type Payload struct {
	EventType       string            `json:"event_type"`
	WorkflowID      string            `json:"workflow_id"`
	WorkflowVersion string            `json:"workflow_version"`
	TargetResource  string            `json:"target_resource"`
	Phase           string            `json:"phase"`
	ContainerImage  string            `json:"container_image"`
	ExecutionName   string            `json:"execution_name"`
	StartedAt       *string           `json:"started_at,omitempty"`
	CompletedAt     *string           `json:"completed_at,omitempty"`
	Duration        string            `json:"duration,omitempty"`
	FailureReason   string            `json:"failure_reason,omitempty"`
	FailureMessage  string            `json:"failure_message,omitempty"`
	FailedTaskName  string            `json:"failed_task_name,omitempty"`
	PipelineRunName string            `json:"pipelinerun_name,omitempty"`
	Parameters      map[string]string `json:"parameters,omitempty"`
}

// DueEvents lists the lifecycle events the WorkflowExecution's status calls
// for, in order: started once the PipelineRun is created, then completed or
// failed once it finished. A WorkflowExecution that recorded v0.1.0's start
// event has that one as its start event.
func DueEvents(we *wfev1.WorkflowExecution) []string {
	var due []string
	if c := we.Condition(wfev1.ConditionTektonPipelineCreated); c != nil && c.Status == metav1.ConditionTrue {
		if slices.Contains(we.Status.AuditedEvents, wfev1.AuditEventWorkflowStarted) {
			due = append(due, wfev1.AuditEventWorkflowStarted)
		} else {
			due = append(due, wfev1.AuditEventStarted)
		}
	}
	if c := we.Condition(wfev1.ConditionTektonPipelineComplete); c != nil {
		switch c.Status {
		case metav1.ConditionTrue:
			due = append(due, wfev1.AuditEventCompleted)
		case metav1.ConditionFalse:
			due = append(due, wfev1.AuditEventFailed)
		}
	}
	return due
}

// Pending lists the due events DataStorage has not acknowledged, in order.
func Pending(we *wfev1.WorkflowExecution) []string {
	acked := map[string]bool{}
	for _, e := range we.Status.AuditedEvents {
		acked[e] = true
	}
	var out []string
	for _, e := range DueEvents(we) {
		if !acked[e] {
			out = append(out, e)
		}
	}
	return out
}

// buildEvent makes the audit event of the given type from the WorkflowExecution.
// It depends only on the stored object, so a resend after a restart carries the
// same content.
func buildEvent(we *wfev1.WorkflowExecution, eventType string) Event {
	st := &we.Status
	// The immutable spec, not the label: with the webhook down the label is
	// missing, and anyone who may edit the WorkflowExecution may edit labels.
	correlation := we.Spec.RemediationRequestRef.Name
	ns := we.Namespace
	p := Payload{
		EventType:       eventType,
		WorkflowID:      we.Spec.WorkflowRef.WorkflowID,
		WorkflowVersion: we.Spec.WorkflowRef.Version,
		TargetResource:  we.Spec.TargetResource,
		Phase:           string(st.Phase),
		ContainerImage:  we.Spec.WorkflowRef.ContainerImage,
		ExecutionName:   we.Name,
		StartedAt:       timestamp(st.StartTime),
		Parameters:      we.Spec.Parameters,
	}
	if st.PipelineRunRef != nil {
		p.PipelineRunName = st.PipelineRunRef.Name
	}
	e := Event{
		Version: "1.0", EventType: eventType, EventCategory: "workflowexecution",
		ActorType: "service", ActorID: "workflowexecution-controller",
		ResourceType: wfev1.Kind, ResourceID: we.Name,
		CorrelationID: correlation, Namespace: &ns,
	}
	when := st.StartTime
	switch eventType {
	case wfev1.AuditEventStarted:
		// When the PipelineRun was created, as kubernaut's controller sends it.
		e.EventAction, e.EventOutcome = "started", "pending"
		p.Phase = string(wfev1.PhasePending)
		p.StartedAt = nil
		when = nil
		if c := we.Condition(wfev1.ConditionTektonPipelineCreated); c != nil && c.Status == metav1.ConditionTrue {
			when = &c.LastTransitionTime
		}
	case wfev1.AuditEventWorkflowStarted:
		e.EventAction, e.EventOutcome = "started", "pending"
		p.Phase = string(wfev1.PhaseRunning)
	case wfev1.AuditEventCompleted, wfev1.AuditEventFailed:
		e.EventAction, e.EventOutcome = "completed", "success"
		if eventType == wfev1.AuditEventFailed {
			e.EventAction, e.EventOutcome = "failed", "failure"
		}
		when = st.CompletionTime
		p.CompletedAt = timestamp(st.CompletionTime)
		if st.Duration != nil {
			p.Duration = st.Duration.Duration.String()
			ms := st.Duration.Milliseconds()
			e.DurationMS = &ms
		}
		if fd := st.FailureDetails; fd != nil && eventType == wfev1.AuditEventFailed {
			p.FailureReason, p.FailureMessage, p.FailedTaskName = string(fd.Reason), fd.Message, fd.FailedTaskName
			msg := fd.NaturalLanguageSummary
			e.ErrorMessage = &msg
		}
	}
	if when == nil || when.IsZero() {
		when = &we.CreationTimestamp
	}
	e.at = when.Time
	e.EventTimestamp = when.UTC().Format(time.RFC3339)
	e.EventData = fitEventData(p)
	return e
}

// maxEventData is the most event_data DataStorage stores, as it re-encodes it
// with Go's encoding/json (as we encode it), less a margin: it refuses 256 KB.
const maxEventData = 250_000

// TruncatedParametersKey marks parameters cut to fit maxEventData. No
// parameter can have this name: the CRD wants UPPER_SNAKE_CASE.
const TruncatedParametersKey = "_TRUNCATED"

// fitEventData returns p, with its parameters cut when the payload would be
// larger than DataStorage stores. The CRD bounds the parameters well below
// that; a WorkflowExecution stored before the bound can be larger, and its
// events must still be stored rather than refused for good. Each value is
// cut to an equal share, halved until the payload fits.
func fitEventData(p Payload) Payload {
	if encodedSize(p) <= maxEventData || len(p.Parameters) == 0 {
		return p
	}
	whole := p.Parameters
	for share := maxEventData / (len(whole) + 1); share > 0; share /= 2 {
		cut := make(map[string]string, len(whole)+1)
		for k, v := range whole {
			cut[k] = wfev1.Truncate(v, share)
		}
		cut[TruncatedParametersKey] = fmt.Sprintf("the parameters were cut to fit DataStorage's event_data limit; "+
			"WorkflowExecution %s holds them whole", p.ExecutionName)
		p.Parameters = cut
		if encodedSize(p) <= maxEventData {
			return p
		}
	}
	p.Parameters = map[string]string{TruncatedParametersKey: "the parameters were left out to fit DataStorage's event_data limit"}
	return p
}

func encodedSize(v any) int {
	data, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(data)
}

func timestamp(t *metav1.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}
