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
