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
// retention off for its outcome, not finished, already pruned, no UID
// recorded, audit not yet acknowledged, or refused by DataStorage for good
// (never pruned: the PipelineRun is then the only record left).
func pruneAt(we *wfev1.WorkflowExecution, retain Retention, auditing bool) (time.Time, bool) {
	complete, ref := we.Condition(wfev1.ConditionTektonPipelineComplete), we.Status.PipelineRunRef
	// Without its UID (recorded before v0.2.0) the run is never deleted by name alone.
	if complete == nil || complete.Status == metav1.ConditionUnknown || ref == nil || ref.UID == "" ||
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
// due, and whether it deleted one (it may be gone already). Only the
// PipelineRun of the recorded UID is deleted; Kubernetes' garbage collector
// removes its TaskRuns and their pods.
func (r *Reconciler) prune(ctx context.Context, desired *wfev1.WorkflowExecution) (time.Duration, bool, error) {
	at, ok := pruneAt(desired, r.Retention, r.Audit != nil)
	if !ok {
		return 0, false, nil
	}
	now := r.now()
	if wait := at.Sub(now.Time); wait > 0 {
		return wait, false, nil
	}
	key, _ := desired.PipelineRunKey() // pruneAt: recorded
	ref := desired.Status.PipelineRunRef
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	err := r.Client.Delete(ctx, pr, client.PropagationPolicy(metav1.DeletePropagationBackground), client.Preconditions{UID: &ref.UID})
	// Gone already, or another under its name (the UID precondition): ours is gone.
	gone := apierrors.IsNotFound(err) || apierrors.IsConflict(err)
	if err != nil && !gone {
		return 0, false, fmt.Errorf("prune PipelineRun %s: %w", key, err)
	}
	desired.Status.PipelineRunPrunedAt = &now
	return 0, !gone, nil
}

// recordPruned tells a prune that deleted a PipelineRun and landed: a
// counter and an Event. One already gone (deleted by someone, or by this
// prune before a status write that lost) is only recorded in the status.
func (r *Reconciler) recordPruned(before, after *wfev1.WorkflowExecution, deleted bool) {
	if !deleted || before.Status.PipelineRunPrunedAt != nil || after.Status.PipelineRunPrunedAt == nil {
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
