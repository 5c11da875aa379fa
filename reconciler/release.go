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

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

// Released is what ReleaseFinalizers did.
type Released struct {
	// WorkflowExecutions lost our finalizers.
	WorkflowExecutions int
	// PipelineRuns of ours were deleted from the execution namespace.
	PipelineRuns int
	// AbandonedEvents were due, or still to come, for WorkflowExecutions being
	// deleted: released now, they go without them.
	AbandonedEvents int
}

// ReleaseFinalizers removes our finalizers from every WorkflowExecution and
// deletes our PipelineRuns in namespaces (the execution namespace and the
// previous ones, where nothing owns them), for an uninstall once the manager
// has stopped: nothing of ours is
// left to hold a delete. A WorkflowExecution not being deleted keeps its
// status; an install that comes back resumes its record. One being deleted
// goes now, with a Warning Event naming the audit events it goes without.
func ReleaseFinalizers(ctx context.Context, c client.Client, rec events.EventRecorder, namespaces []string) (Released, error) {
	var done Released
	list := &wfev1.WorkflowExecutionList{}
	for {
		if err := c.List(ctx, list, client.Limit(500), client.Continue(list.Continue)); err != nil {
			return done, fmt.Errorf("list WorkflowExecutions: %w", err)
		}
		for i := range list.Items {
			we := &list.Items[i]
			if !controllerutil.ContainsFinalizer(we, wfev1.FinalizerAudit) && !controllerutil.ContainsFinalizer(we, wfev1.FinalizerPipelineRunCleanup) {
				continue
			}
			released, lost, err := release(ctx, c, rec, we)
			if err != nil {
				return done, err
			}
			if released {
				done.WorkflowExecutions++
			}
			done.AbandonedEvents += len(lost)
		}
		if list.Continue == "" {
			break
		}
	}
	for _, ns := range namespaces {
		n, err := deleteOurPipelineRuns(ctx, c, ns)
		done.PipelineRuns += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// deleteOurPipelineRuns deletes the PipelineRuns of ours in a namespace and
// returns how many it deleted.
func deleteOurPipelineRuns(ctx context.Context, c client.Client, namespace string) (int, error) {
	prs := &tektonv1.PipelineRunList{}
	if err := c.List(ctx, prs, client.InNamespace(namespace), client.HasLabels{wfev1.LabelWorkflowExecutionUID}); err != nil {
		return 0, fmt.Errorf("list PipelineRuns in %s: %w", namespace, err)
	}
	n := 0
	for i := range prs.Items {
		pr := &prs.Items[i]
		err := c.Delete(ctx, pr, client.Preconditions{UID: &pr.UID}, client.PropagationPolicy(metav1.DeletePropagationBackground))
		switch {
		case err == nil:
			n++
		case !apierrors.IsNotFound(err):
			return n, fmt.Errorf("delete PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
		}
	}
	return n, nil
}

// release removes our finalizers from one WorkflowExecution, re-reading it on
// a conflict, and returns whether it did (false: it was gone) and the audit
// events it goes without.
func release(ctx context.Context, c client.Client, rec events.EventRecorder, we *wfev1.WorkflowExecution) (bool, []string, error) {
	var lost []string
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(we), we); err != nil {
			return err
		}
		lost = abandonedAtRelease(we)
		patch := client.MergeFromWithOptions(we.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.RemoveFinalizer(we, wfev1.FinalizerAudit)
		controllerutil.RemoveFinalizer(we, wfev1.FinalizerPipelineRunCleanup)
		return c.Patch(ctx, we, patch)
	})
	if apierrors.IsNotFound(err) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("release WorkflowExecution %s/%s: %w", we.Namespace, we.Name, err)
	}
	if len(lost) > 0 {
		// Its namespace may be terminating, where no Event can be created:
		// the caller logs the count too.
		rec.Eventf(we, nil, corev1.EventTypeWarning, "AuditAbandoned", "Uninstall",
			"Released by the uninstall while being deleted; these audit events are lost: %v", lost)
	}
	return true, lost, nil
}

// abandonedAtRelease lists the audit events a WorkflowExecution goes without
// when released now: none unless it is being deleted; then those due and not
// acknowledged, and the terminal one when it has not finished.
func abandonedAtRelease(we *wfev1.WorkflowExecution) []string {
	if we.DeletionTimestamp == nil || !controllerutil.ContainsFinalizer(we, wfev1.FinalizerAudit) {
		return nil
	}
	lost := audit.Pending(we)
	if !isFinished(we) {
		lost = append(lost, "a terminal event ("+wfev1.AuditEventFailed+" or "+wfev1.AuditEventCompleted+")")
	}
	return lost
}
