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

package invariants_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/invariants"
)

func TestUnacknowledgedWhileAudited(t *testing.T) {
	finished := func(audit metav1.ConditionStatus, acked ...string) *wfev1.WorkflowExecution {
		we := &wfev1.WorkflowExecution{}
		wfev1.EnsureConditions(&we.Status, 1)
		we.SetTektonPipelineRunning(metav1.ConditionTrue, wfev1.ReasonPipelineStarted, "started")
		we.SetTektonPipelineComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded, "done")
		we.SetAuditRecorded(audit, "R", "m")
		we.Status.AuditedEvents = acked
		return we
	}
	tests := []struct {
		name string
		we   *wfev1.WorkflowExecution
		want []string
	}{
		{"True with every due event recorded keeps the promise", finished(metav1.ConditionTrue, wfev1.AuditEventStarted, wfev1.AuditEventCompleted), nil},
		{"True with the final event missing lies", finished(metav1.ConditionTrue, wfev1.AuditEventStarted), []string{wfev1.AuditEventCompleted}},
		{"Unknown with events missing promises nothing", finished(metav1.ConditionUnknown, wfev1.AuditEventStarted), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, invariants.UnacknowledgedWhileAudited(tt.we))
		})
	}
}

func TestAuditRecordedTrueNeedsEveryDueEventHeldByDataStorage(t *testing.T) {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we"}}
	we.Status.PipelineRunRef = &wfev1.PipelineRunReference{Name: "we-1a2b3c4d"}
	we.SetTektonPipelineCreated(metav1.ConditionTrue, wfev1.ReasonPipelineCreated, "m")
	we.SetAuditRecorded(metav1.ConditionTrue, wfev1.ReasonAuditSucceeded, "m")
	held := func(ns, name, run string) datastorage.Received {
		var e datastorage.Received
		e.EventType, e.Namespace, e.EventData.ExecutionName, e.EventData.PipelineRunName = wfev1.AuditEventStarted, ns, name, run
		return e
	}
	assert.Empty(t, invariants.NotHeldWhileAudited(we, []datastorage.Received{held("ns", "we", "we-1a2b3c4d")}))
	for _, other := range []datastorage.Received{held("other", "we", "we-1a2b3c4d"), held("ns", "other", "we-1a2b3c4d"), held("ns", "we", "we-99999999")} {
		assert.Equal(t, []string{wfev1.AuditEventStarted}, invariants.NotHeldWhileAudited(we, []datastorage.Received{other}),
			"an event of another WorkflowExecution or run does not count: %+v", other)
	}
	we.SetAuditRecorded(metav1.ConditionUnknown, wfev1.ReasonAuditPending, "m")
	assert.Empty(t, invariants.NotHeldWhileAudited(we, nil), "only a True condition promises anything")
}
