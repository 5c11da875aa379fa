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
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Retention says how long a finished run's PipelineRun (with its TaskRuns and
// pods) is kept, by outcome; 0 keeps it for good. The WorkflowExecution is
// never deleted: its status keeps the run's summary and failure.
type Retention struct {
	Succeeded, Failed time.Duration
}

// EventReasonPipelineRunPruned is the reason of the Event told when retention
// deleted a finished run's PipelineRun.
const EventReasonPipelineRunPruned = "PipelineRunPruned"

// pruneAt is when retention may delete the finished run's PipelineRun: its
// outcome's retention after the later of its end and, with auditing on, the
// acknowledgement of its whole audit record. ok is false while it is kept:
// retention off for its outcome, not finished, already pruned, audit not yet
// acknowledged, or refused by DataStorage for good (never pruned: the
// PipelineRun is then the only record left).
func pruneAt(we *wfev1.WorkflowExecution, retain Retention, auditing bool) (time.Time, bool) {
	complete := we.Condition(wfev1.ConditionTektonPipelineComplete)
	if complete == nil || complete.Status == metav1.ConditionUnknown || we.Status.PipelineRunRef == nil ||
		we.Status.PipelineRunPrunedAt != nil {
		return time.Time{}, false
	}
	keep := retain.Failed
	if complete.Status == metav1.ConditionTrue {
		keep = retain.Succeeded
	}
	if keep <= 0 {
		return time.Time{}, false
	}
	since := complete.LastTransitionTime.Time
	if auditing {
		recorded := we.Condition(wfev1.ConditionAuditRecorded)
		if recorded == nil || recorded.Status != metav1.ConditionTrue {
			return time.Time{}, false
		}
		if recorded.LastTransitionTime.After(since) {
			since = recorded.LastTransitionTime.Time
		}
	}
	return since.Add(keep), true
}

// prune deletes the PipelineRun of a finished run whose retention has passed
// and records when in desired; it returns how long until one still kept is
// due. Only the PipelineRun of the recorded UID is deleted; Kubernetes'
// garbage collector removes its TaskRuns and their pods.
func (r *Reconciler) prune(ctx context.Context, desired *wfev1.WorkflowExecution) (time.Duration, error) {
	at, ok := pruneAt(desired, r.Retention, r.Audit != nil)
	if !ok {
		return 0, nil
	}
	now := r.now()
	if wait := at.Sub(now.Time); wait > 0 {
		return wait, nil
	}
	ref := desired.Status.PipelineRunRef
	ns := ref.Namespace
	if ns == "" {
		ns = desired.Namespace
	}
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ref.Name}}
	opts := []client.DeleteOption{client.PropagationPolicy(metav1.DeletePropagationBackground)}
	if ref.UID != "" {
		opts = append(opts, client.Preconditions{UID: &ref.UID})
	}
	// Gone already, or another under its name (UID precondition): ours is gone.
	if err := r.Client.Delete(ctx, pr, opts...); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return 0, fmt.Errorf("prune PipelineRun %s/%s: %w", ns, ref.Name, err)
	}
	desired.Status.PipelineRunPrunedAt = &now
	return 0, nil
}

// recordPruned tells a prune that landed: a counter and an Event.
func (r *Reconciler) recordPruned(before, after *wfev1.WorkflowExecution) {
	if before.Status.PipelineRunPrunedAt != nil || after.Status.PipelineRunPrunedAt == nil {
		return
	}
	outcome, keep := outcomeFailed, r.Retention.Failed
	if isTrue(after, wfev1.ConditionTektonPipelineComplete) {
		outcome, keep = outcomeSucceeded, r.Retention.Succeeded
	}
	metricPruned.WithLabelValues(outcome).Inc()
	if r.Recorder != nil {
		ref := after.Status.PipelineRunRef
		r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, EventReasonPipelineRunPruned, "Prune",
			"Tekton PipelineRun %s deleted with its TaskRuns and pods, %s after the run finished and was audited (retention of %s runs); this status keeps its summary",
			ref.Name, keep, outcome)
	}
}
