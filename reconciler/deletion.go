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
	"context"
	"fmt"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

const (
	// cancelWait is how long a deleted WorkflowExecution waits for Tekton to
	// confirm the cancel of its PipelineRun before it is audited as failed.
	cancelWait = 10 * time.Second
	// DefaultAuditDeletionGrace is how long a deleted WorkflowExecution waits
	// for DataStorage to acknowledge its due events before it is released.
	DefaultAuditDeletionGrace = 10 * time.Minute
	// msgDeletedMidRun starts the failure message of such a WorkflowExecution;
	// the audit contract has no field or value of its own for it.
	msgDeletedMidRun = "WorkflowExecution deleted before its PipelineRun finished"
)

// auditFinalizerWanted says whether the audit finalizer should be added: with
// auditing on, to an unfinished WorkflowExecution, before its PipelineRun is
// created.
func (r *Reconciler) auditFinalizerWanted(we *wfev1.WorkflowExecution) bool {
	return r.Audit != nil && !isFinished(we) && !controllerutil.ContainsFinalizer(we, wfev1.FinalizerAudit)
}

// auditFinalizerDone says whether the audit finalizer may go from a live
// WorkflowExecution: it finished and every due event is recorded, or
// auditing is off in this process.
func (r *Reconciler) auditFinalizerDone(we *wfev1.WorkflowExecution) bool {
	if !controllerutil.ContainsFinalizer(we, wfev1.FinalizerAudit) {
		return false
	}
	return r.Audit == nil || (isFinished(we) && len(audit.Pending(we)) == 0)
}

// auditDeletion ends a deleted WorkflowExecution's record before its
// finalizer goes: an unfinished run is cancelled and audited as failed, and
// the due events get until the grace to be acknowledged. It returns the
// version written and true once the finalizer may go.
func (r *Reconciler) auditDeletion(ctx context.Context, we *wfev1.WorkflowExecution) (ctrl.Result, *wfev1.WorkflowExecution, bool, error) {
	if r.Audit == nil {
		return ctrl.Result{}, we, true, nil
	}
	deleted := we.DeletionTimestamp.Time
	desired := we.DeepCopy()
	if !isFinished(we) {
		wait, err := r.endDeleted(ctx, desired, metav1.NewTime(deleted))
		if err != nil || wait > 0 {
			return ctrl.Result{RequeueAfter: wait}, nil, false, err
		}
	}
	r.observeAudit(desired)
	desired.Status.ObservedGeneration = desired.Generation
	for i := range desired.Status.Conditions {
		desired.Status.Conditions[i].ObservedGeneration = desired.Generation
	}
	res, err := r.writeStatus(ctx, we, desired)
	if err != nil || res.RequeueAfter > 0 {
		return res, nil, false, err
	}
	r.recordTransitions(we, desired)
	countFinished(we, desired)
	pending := audit.Pending(desired)
	if len(pending) == 0 {
		return ctrl.Result{}, desired, true, nil
	}
	left := r.auditDeletionGrace() - r.now().Sub(deleted)
	if left > 0 {
		// Acknowledgements come back through the queue; this only bounds the wait.
		return ctrl.Result{RequeueAfter: min(left, 30*time.Second)}, nil, false, nil
	}
	r.abandon(ctx, desired, pending)
	return ctrl.Result{}, desired, true, nil
}

func (r *Reconciler) auditDeletionGrace() time.Duration {
	if r.AuditDeletionGrace > 0 {
		return r.AuditDeletionGrace
	}
	return DefaultAuditDeletionGrace
}

// endDeleted ends the status of a WorkflowExecution deleted before it
// finished, from its PipelineRun read through the API: what a finished run
// reports, else a cancel of the run and, once Tekton confirms it or after
// cancelWait, a failure naming the deletion. It returns how long to wait.
func (r *Reconciler) endDeleted(ctx context.Context, we *wfev1.WorkflowExecution, deleted metav1.Time) (time.Duration, error) {
	ref := we.Status.PipelineRunRef
	if ref == nil {
		return 0, nil // nothing ran: no event is due
	}
	pr := &tektonv1.PipelineRun{}
	key := client.ObjectKey{Namespace: r.Options.pipelineRunNamespace(we), Name: ref.Name}
	err := r.APIReader.Get(ctx, key, pr)
	switch {
	case apierrors.IsNotFound(err) || (err == nil && ref.UID != "" && pr.UID != ref.UID):
		applyDeletedMidRun(we, deleted)
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("get PipelineRun %s: %w", key, err)
	}
	c := pr.Status.GetCondition("Succeeded")
	finished := c != nil && !c.IsUnknown()
	switch {
	case finished && pr.Spec.Status != tektonv1.PipelineRunSpecStatusCancelled:
		r.readPipelineRun(ctx, we, pr) // it ended on its own: audit what it reports
		return 0, nil
	case finished:
		at := deleted
		if pr.Status.CompletionTime != nil {
			at = *pr.Status.CompletionTime
		}
		applyDeletedMidRun(we, at)
		return 0, nil
	}
	if wait, err := r.cancel(ctx, pr); err != nil || wait > 0 {
		return wait, err
	}
	if left := cancelWait - r.now().Sub(deleted.Time); left > 0 {
		return min(left, time.Second), nil // Tekton's terminal condition usually brings us back first
	}
	applyDeletedMidRun(we, deleted)
	return 0, nil
}

// cancel asks Tekton to cancel the PipelineRun, once; finally tasks do not run
// on Cancelled (docs/audit.md). It returns how long to wait after a conflict.
func (r *Reconciler) cancel(ctx context.Context, pr *tektonv1.PipelineRun) (time.Duration, error) {
	if pr.Spec.Status == tektonv1.PipelineRunSpecStatusCancelled {
		return 0, nil
	}
	patch := client.MergeFromWithOptions(pr.DeepCopy(), client.MergeFromWithOptimisticLock{})
	pr.Spec.Status = tektonv1.PipelineRunSpecStatusCancelled
	err := r.Client.Patch(ctx, pr, patch)
	switch {
	case apierrors.IsConflict(err):
		return conflictRetryDelay, nil
	case err != nil && !apierrors.IsNotFound(err):
		return 0, fmt.Errorf("cancel PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	return 0, nil
}

// applyDeletedMidRun ends a WorkflowExecution deleted before its PipelineRun
// finished, as failed at at (Tekton's completion time, else the deletion).
func applyDeletedMidRun(we *wfev1.WorkflowExecution, at metav1.Time) {
	name := "unknown"
	if ref := we.Status.PipelineRunRef; ref != nil {
		name = ref.Name
	}
	applyPipelineRunGone(we, fmt.Sprintf("%s: Tekton PipelineRun %s was cancelled (its finally tasks do not run)", msgDeletedMidRun, name), at)
}

// abandon releases a deleted WorkflowExecution whose due events DataStorage
// did not acknowledge within the grace: counted, told as a Warning Event and
// logged (its namespace may be terminating, where Events cannot be created).
func (r *Reconciler) abandon(ctx context.Context, we *wfev1.WorkflowExecution, pending []string) {
	metricAbandoned.WithLabelValues(abandonGraceExpired).Add(float64(len(pending)))
	msg := fmt.Sprintf("Released after %s without DataStorage acknowledging %v; those audit events are lost", r.auditDeletionGrace(), pending)
	log.FromContext(ctx).Info("audit events abandoned: the WorkflowExecution was deleted and DataStorage did not acknowledge them within the grace",
		"events", pending, "grace", r.auditDeletionGrace().String())
	if r.Recorder != nil {
		r.Recorder.Eventf(we, nil, corev1.EventTypeWarning, "AuditAbandoned", "Delete", "%s", msg)
	}
}
