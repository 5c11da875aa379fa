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

// Package invariants holds the promises every version of a WorkflowExecution
// keeps, as checks the test suites share.
package invariants

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
)

// UnacknowledgedWhileAudited returns the lifecycle events this version calls
// for that are missing from status.auditedEvents while it says
// AuditRecorded=True: empty when the condition does not lie.
func UnacknowledgedWhileAudited(we *wfev1.WorkflowExecution) []string {
	c := we.Condition(wfev1.ConditionAuditRecorded)
	if c == nil || c.Status != metav1.ConditionTrue {
		return nil
	}
	var missing []string
	for _, due := range audit.DueEvents(we) {
		if !slices.Contains(we.Status.AuditedEvents, due) {
			missing = append(missing, due)
		}
	}
	return missing
}

// NotHeldWhileAudited returns the lifecycle events this version calls for
// that DataStorage (the test server's events, held) does not hold while it
// says AuditRecorded=True. An event is the WorkflowExecution's when it joins
// on namespace, execution name and PipelineRun name: the status record alone
// could lie, DataStorage's cannot.
func NotHeldWhileAudited(we *wfev1.WorkflowExecution, held []datastorage.Received) []string {
	c := we.Condition(wfev1.ConditionAuditRecorded)
	if c == nil || c.Status != metav1.ConditionTrue {
		return nil
	}
	run := ""
	if ref := we.Status.PipelineRunRef; ref != nil {
		run = ref.Name
	}
	var missing []string
	for _, due := range audit.DueEvents(we) {
		if !slices.ContainsFunc(held, func(e datastorage.Received) bool {
			return e.EventType == due && e.Namespace == we.Namespace && e.EventData.ExecutionName == we.Name &&
				e.EventData.PipelineRunName == run
		}) {
			missing = append(missing, due)
		}
	}
	return missing
}
