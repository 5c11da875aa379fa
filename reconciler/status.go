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
	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// initializeStatus applies what a first visit writes: phase Pending, the four
// conditions (missing ones as Unknown) and the observed generation. It is
// idempotent: a second call changes nothing.
func initializeStatus(we *wfev1.WorkflowExecution) {
	wfev1.EnsureConditions(&we.Status, we.Generation)
	if we.Status.Phase == "" {
		we.Status.Phase = wfev1.PhasePending
	}
	we.Status.ObservedGeneration = we.Generation
}
