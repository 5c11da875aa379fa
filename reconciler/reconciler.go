// Package reconciler holds the WorkflowExecution reconciler and the pure
// functions that decide a WorkflowExecution's status.
package reconciler

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// conflictRetryDelay spaces a recompute after an optimistic-lock conflict; the
// newer version's watch event usually gets there first.
const conflictRetryDelay = 100 * time.Millisecond

// Reconciler keeps a WorkflowExecution's status true to what it observes. It is
// the only writer of condition values.
type Reconciler struct {
	Client client.Client
}

// +kubebuilder:rbac:groups=workflowexecution.kubernaut.ai,resources=workflowexecutions,verbs=get;list;watch
// +kubebuilder:rbac:groups=workflowexecution.kubernaut.ai,resources=workflowexecutions/status,verbs=get;update;patch

// SetupWithManager registers the reconciler: it watches WorkflowExecutions.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&wfev1.WorkflowExecution{}).
		Named("workflowexecution").
		Complete(r)
}

// Reconcile computes the WorkflowExecution's status and writes it when, and
// only when, it differs from the stored one.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	we := &wfev1.WorkflowExecution{}
	if err := r.Client.Get(ctx, req.NamespacedName, we); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	desired := we.DeepCopy()
	InitializeStatus(desired)
	return r.writeStatus(ctx, we, desired)
}

// writeStatus patches the status subresource from stored to desired, guarded by
// resourceVersion so that a concurrent writer is never overwritten blindly.
func (r *Reconciler) writeStatus(ctx context.Context, stored, desired *wfev1.WorkflowExecution) (ctrl.Result, error) {
	if equality.Semantic.DeepEqual(stored.Status, desired.Status) {
		return ctrl.Result{}, nil
	}
	patch := client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})
	if err := r.Client.Status().Patch(ctx, desired, patch); err != nil {
		if apierrors.IsConflict(err) {
			// Someone wrote first: recompute from the newer version.
			log.FromContext(ctx).V(1).Info("status changed meanwhile; recomputing")
			return ctrl.Result{RequeueAfter: conflictRetryDelay}, nil
		}
		return ctrl.Result{}, fmt.Errorf("write status of WorkflowExecution %s/%s: %w", stored.Namespace, stored.Name, err)
	}
	return ctrl.Result{}, nil
}
