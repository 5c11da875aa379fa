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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestRetentionCountsFromTheLaterOfTheEndAndTheAcknowledgedAudit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	retain := Retention{Succeeded: time.Hour, Failed: 24 * time.Hour}
	// finished builds a finished run at t0 whose audit condition changed at auditAt.
	finished := func(status metav1.ConditionStatus, audit metav1.ConditionStatus, auditAt time.Duration) *wfev1.WorkflowExecution {
		we := &wfev1.WorkflowExecution{}
		wfev1.EnsureConditions(&we.Status, 1)
		we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "pr", UID: "uid"}, "created")
		reason := wfev1.ReasonPipelineSucceeded
		if status == metav1.ConditionFalse {
			reason = wfev1.ReasonPipelineFailed
		}
		we.SetTektonPipelineComplete(status, reason, "m")
		we.SetAuditRecorded(audit, wfev1.ReasonAuditSucceeded, "m")
		for i := range we.Status.Conditions {
			c := &we.Status.Conditions[i]
			switch c.Type {
			case wfev1.ConditionTektonPipelineComplete:
				c.LastTransitionTime = metav1.NewTime(t0)
			case wfev1.ConditionAuditRecorded:
				c.LastTransitionTime = metav1.NewTime(t0.Add(auditAt))
			}
		}
		return we
	}
	tests := []struct {
		name     string
		we       *wfev1.WorkflowExecution
		retain   Retention
		auditing bool
		at       time.Time // zero: kept
	}{
		{"a succeeded run audited a minute after it ended is pruned an hour after the acknowledgement",
			finished(metav1.ConditionTrue, metav1.ConditionTrue, time.Minute), retain, true, t0.Add(time.Hour + time.Minute)},
		{"a failed run is kept for the failed retention",
			finished(metav1.ConditionFalse, metav1.ConditionTrue, time.Second), retain, true, t0.Add(24*time.Hour + time.Second)},
		{"an audit condition last changed before the end counts from the end",
			finished(metav1.ConditionTrue, metav1.ConditionTrue, -time.Minute), retain, true, t0.Add(time.Hour)},
		{"a run whose audit is not yet acknowledged waits, however long the outage",
			finished(metav1.ConditionTrue, metav1.ConditionUnknown, time.Minute), retain, true, time.Time{}},
		{"a run whose audit DataStorage refused for good is never pruned",
			finished(metav1.ConditionFalse, metav1.ConditionFalse, time.Minute), retain, true, time.Time{}},
		{"with auditing off the end alone counts",
			finished(metav1.ConditionTrue, metav1.ConditionUnknown, time.Minute), retain, false, t0.Add(time.Hour)},
		{"retention off for its outcome keeps it",
			finished(metav1.ConditionTrue, metav1.ConditionTrue, 0), Retention{Failed: time.Hour}, true, time.Time{}},
		{"a pruned run is not pruned again", func() *wfev1.WorkflowExecution {
			we := finished(metav1.ConditionTrue, metav1.ConditionTrue, 0)
			we.Status.PipelineRunPrunedAt = &metav1.Time{Time: t0}
			return we
		}(), retain, true, time.Time{}},
		{"a run whose PipelineRun's UID was never recorded is not deleted by name alone", func() *wfev1.WorkflowExecution {
			we := finished(metav1.ConditionTrue, metav1.ConditionTrue, 0)
			we.Status.PipelineRunRef.UID = ""
			return we
		}(), retain, true, time.Time{}},
		{"a run without a PipelineRun has none to prune", func() *wfev1.WorkflowExecution {
			we := finished(metav1.ConditionFalse, metav1.ConditionTrue, 0)
			we.Status.PipelineRunRef = nil
			return we
		}(), retain, true, time.Time{}},
		{"an unfinished run is kept", func() *wfev1.WorkflowExecution {
			we := finished(metav1.ConditionTrue, metav1.ConditionTrue, 0)
			we.MarkRunning("m")
			return we
		}(), retain, true, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, ok := pruneAt(tt.we, tt.retain, tt.auditing)
			assert.Equal(t, !tt.at.IsZero(), ok)
			assert.True(t, tt.at.Equal(at), "want %s, got %s", tt.at, at)
		})
	}
}
