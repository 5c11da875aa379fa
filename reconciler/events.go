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
	"strings"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// recordTransitions emits one Kubernetes Event on the WorkflowExecution for each
// condition whose status changed (and for each new retryable creation error):
// Normal for progress, Warning for failures.
func (r *Reconciler) recordTransitions(before, after *wfev1.WorkflowExecution) {
	if r.Recorder == nil {
		return
	}
	for _, t := range wfev1.ConditionTypes {
		old, now := before.Condition(t), after.Condition(t)
		if now == nil {
			continue
		}
		// The vocabulary says which reasons are told, and how.
		eventType := wfev1.EventOf(t, now.Status, now.Reason)
		changed := old == nil || old.Status != now.Status
		retrying := now.Reason == wfev1.ReasonPipelineCreationRetrying && (old == nil || old.Message != now.Message)
		if eventType == "" || (!changed && !retrying) {
			continue
		}
		r.Recorder.Eventf(after, nil, eventType, now.Reason, strings.TrimPrefix(t, "Tekton"), "%s", now.Message)
	}
}
