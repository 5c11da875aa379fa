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

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Health is what GitOps tools show for a WorkflowExecution (the Argo CD
// health script and Flux's healthCheckExprs in config/gitops).
type Health string

// The health a reason leads to, when it is the deciding condition's.
const (
	HealthProgressing Health = "Progressing"
	HealthHealthy     Health = "Healthy"
	HealthDegraded    Health = "Degraded"
)

// Reason is one entry of the condition vocabulary: a reason of one of our
// condition types, the status it goes with, whether it ends the run, and what
// users see when it is set.
type Reason struct {
	Condition string
	Status    metav1.ConditionStatus
	Name      string
	// Final: the run is over once the condition says this (the finished
	// counter counts it, by this name).
	Final bool
	// Initial is the message a status starts with, for the one initial
	// reason of each condition type.
	Initial string
	// Event is the type of the Kubernetes Event a change to this reason is
	// told with (Normal or Warning); empty: no Event.
	Event string
	// Health is what GitOps tools show while the run is finished with this
	// reason (TektonPipelineComplete) or audited with it (AuditRecorded);
	// empty where the other conditions decide.
	Health Health
}

// Vocabulary is every reason of our four conditions. Tests hold the docs
// (docs/conditions.md), the health scripts, the finished counter's labels and
// the Events to it; CONTRIBUTING.md says what to add with a reason.
var Vocabulary = []Reason{
	{Condition: ConditionTektonPipelineCreated, Status: metav1.ConditionUnknown, Name: ReasonPending,
		Initial: "Waiting for the Tekton PipelineRun to be created"},
	{Condition: ConditionTektonPipelineCreated, Status: metav1.ConditionUnknown, Name: ReasonPipelineCreationRetrying, Event: "Warning"},
	{Condition: ConditionTektonPipelineCreated, Status: metav1.ConditionTrue, Name: ReasonPipelineCreated, Event: "Normal"},
	{Condition: ConditionTektonPipelineCreated, Status: metav1.ConditionFalse, Name: ReasonPipelineCreationFailed, Event: "Warning"},
	{Condition: ConditionTektonPipelineCreated, Status: metav1.ConditionFalse, Name: ReasonPipelineCreationCancelled, Event: "Warning"},

	{Condition: ConditionTektonPipelineRunning, Status: metav1.ConditionUnknown, Name: ReasonPending,
		Initial: "The Tekton PipelineRun has not started yet"},
	{Condition: ConditionTektonPipelineRunning, Status: metav1.ConditionTrue, Name: ReasonPipelineStarted, Event: "Normal"},
	{Condition: ConditionTektonPipelineRunning, Status: metav1.ConditionFalse, Name: ReasonPipelineFailedToStart, Event: "Warning"},

	{Condition: ConditionTektonPipelineComplete, Status: metav1.ConditionUnknown, Name: ReasonPending,
		Initial: "The Tekton PipelineRun has not finished yet", Health: HealthProgressing},
	{Condition: ConditionTektonPipelineComplete, Status: metav1.ConditionUnknown, Name: ReasonPipelineRunning, Health: HealthProgressing},
	{Condition: ConditionTektonPipelineComplete, Status: metav1.ConditionTrue, Name: ReasonPipelineSucceeded, Final: true,
		Event: "Normal", Health: HealthHealthy},
	{Condition: ConditionTektonPipelineComplete, Status: metav1.ConditionFalse, Name: ReasonPipelineFailed, Final: true,
		Event: "Warning", Health: HealthDegraded},
	{Condition: ConditionTektonPipelineComplete, Status: metav1.ConditionFalse, Name: ReasonPipelineTimeout, Final: true,
		Event: "Warning", Health: HealthDegraded},
	{Condition: ConditionTektonPipelineComplete, Status: metav1.ConditionFalse, Name: ReasonPipelineCancelled, Final: true,
		Event: "Warning", Health: HealthDegraded},

	{Condition: ConditionAuditRecorded, Status: metav1.ConditionUnknown, Name: ReasonAuditPending,
		Initial: "No lifecycle audit event has been acknowledged yet", Health: HealthProgressing},
	{Condition: ConditionAuditRecorded, Status: metav1.ConditionUnknown, Name: ReasonAuditDisabled, Health: HealthHealthy},
	{Condition: ConditionAuditRecorded, Status: metav1.ConditionTrue, Name: ReasonAuditSucceeded, Event: "Normal", Health: HealthHealthy},
	{Condition: ConditionAuditRecorded, Status: metav1.ConditionFalse, Name: ReasonAuditFailed, Event: "Warning", Health: HealthDegraded},
}

// FinalReasons lists the reasons of conditionType that end a run.
func FinalReasons(conditionType string) []string {
	var out []string
	for _, r := range Vocabulary {
		if r.Condition == conditionType && r.Final {
			out = append(out, r.Name)
		}
	}
	return out
}

// initialConditions are the Unknown conditions a status starts with, from
// the vocabulary's initial reasons.
var initialConditions = func() []metav1.Condition {
	var out []metav1.Condition
	for _, t := range ConditionTypes {
		for _, r := range Vocabulary {
			if r.Condition == t && r.Initial != "" {
				out = append(out, metav1.Condition{Type: t, Status: r.Status, Reason: r.Name, Message: r.Initial})
			}
		}
	}
	return out
}()

// EventOf is the type of the Event a change to this reason is told with, or
// "" for none (and for a reason outside the vocabulary).
func EventOf(conditionType string, status metav1.ConditionStatus, reason string) string {
	for _, r := range Vocabulary {
		if r.Condition == conditionType && r.Status == status && r.Name == reason {
			return r.Event
		}
	}
	return ""
}
