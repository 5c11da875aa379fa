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
	"slices"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

// overdueInterval is how often wfe_executions_overdue and
// wfe_executions_in_flight are recounted.
const overdueInterval = 30 * time.Second

// overdueGauge recounts, from the cache, the WorkflowExecutions that run
// longer than their own timeout: Tekton should have ended them, so each is
// stuck somewhere (Tekton's controller, or a change we missed).
type overdueGauge struct {
	reader client.Reader
	// auditing: wfe_audit_oldest_unacknowledged_age_seconds is counted too.
	auditing bool
}

// Start recounts at once and then every overdueInterval until ctx ends.
func (g overdueGauge) Start(ctx context.Context) error {
	t := time.NewTicker(overdueInterval)
	defer t.Stop()
	for {
		list := &wfev1.WorkflowExecutionList{}
		// Read-only: the cache's own objects, not copies of 10,000 of them.
		if err := g.reader.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
			log.FromContext(ctx).V(1).Info("could not count overdue WorkflowExecutions", "error", err.Error())
		} else {
			now := time.Now()
			metricOverdue.Set(float64(countOverdue(list.Items, now)))
			metricInFlight.Set(float64(countInFlight(list.Items)))
			if g.auditing {
				metricOldestUnaudited.Set(oldestUnaudited(list.Items, now).Seconds())
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// NeedLeaderElection is true: one replica counts, the others report 0.
func (g overdueGauge) NeedLeaderElection() bool { return true }

// countOverdue counts the unfinished WorkflowExecutions with a timeout whose
// start (or, not started yet, creation) lies longer than it before now.
func countOverdue(wes []wfev1.WorkflowExecution, now time.Time) int {
	n := 0
	for i := range wes {
		we := &wes[i]
		ec := we.Spec.ExecutionConfig
		if ec == nil || ec.Timeout == nil || ec.Timeout.Duration <= 0 || isFinished(we) || !we.DeletionTimestamp.IsZero() {
			continue
		}
		start := we.CreationTimestamp.Time
		if we.Status.StartTime != nil {
			start = we.Status.StartTime.Time
		}
		if now.Sub(start) > ec.Timeout.Duration {
			n++
		}
	}
	return n
}

// countInFlight counts the WorkflowExecutions not finished yet, those being
// deleted included (their runs are being cancelled).
func countInFlight(wes []wfev1.WorkflowExecution) int {
	n := 0
	for i := range wes {
		if !isFinished(&wes[i]) {
			n++
		}
	}
	return n
}

// oldestUnaudited is how long ago the oldest finished WorkflowExecution with a
// due audit event DataStorage has not acknowledged finished; 0 when none.
func oldestUnaudited(wes []wfev1.WorkflowExecution, now time.Time) time.Duration {
	var oldest time.Duration
	for i := range wes {
		we := &wes[i]
		if !isFinished(we) || we.Status.CompletionTime == nil || !we.DeletionTimestamp.IsZero() {
			continue
		}
		for _, t := range audit.DueEvents(we) {
			if !slices.Contains(we.Status.AuditedEvents, t) {
				oldest = max(oldest, now.Sub(we.Status.CompletionTime.Time))
				break
			}
		}
	}
	return oldest
}
