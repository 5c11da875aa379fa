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
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

func TestAWorkflowExecutionDeletedMidRunEndsFailedWithTheContractsOwnFields(t *testing.T) {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we"}}
	initializeStatus(we)
	applyCreated(we, "ns", "we-1a2b3c4d", types.UID("uid-pr"))
	we.SetTektonPipelineRunning(metav1.ConditionTrue, wfev1.ReasonPipelineStarted, "started")
	at := metav1.NewTime(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))

	applyDeletedMidRun(we, at)

	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	require.NotNil(t, c)
	assert.Equal(t, metav1.ConditionFalse, c.Status)
	assert.Equal(t, wfev1.PhaseFailed, we.Status.Phase)
	require.NotNil(t, we.Status.FailureDetails)
	assert.Equal(t, wfev1.FailureReasonUnknown, we.Status.FailureDetails.Reason, "no enum value of its own in the contract")
	assert.True(t, strings.HasPrefix(we.Status.FailureDetails.Message, msgDeletedMidRun), we.Status.FailureDetails.Message)
	assert.Contains(t, we.Status.FailureDetails.Message, "we-1a2b3c4d")
	assert.Equal(t, at, *we.Status.CompletionTime, "Tekton's completion time, else the deletion's")
	assert.True(t, we.Status.FailureDetails.WasExecutionFailure)
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventFailed}, audit.DueEvents(we), "the terminal event is due")
}

func TestTheAuditFinalizerIsHeldUntilTheRecordIsWhole(t *testing.T) {
	on := &Reconciler{Audit: nopAuditor{}}
	off := &Reconciler{}
	running := &wfev1.WorkflowExecution{}
	initializeStatus(running)
	finished := running.DeepCopy()
	applyCreated(finished, "", "pr", "uid")
	applyDeletedMidRun(finished, metav1.Now())
	held := func(we *wfev1.WorkflowExecution) *wfev1.WorkflowExecution {
		we = we.DeepCopy()
		we.Finalizers = []string{wfev1.FinalizerAudit}
		return we
	}
	audited := held(finished)
	audited.Status.AuditedEvents = audit.DueEvents(finished)

	assert.True(t, on.auditFinalizerWanted(running), "added before the PipelineRun is created")
	assert.False(t, on.auditFinalizerWanted(held(running)), "once")
	assert.False(t, on.auditFinalizerWanted(finished), "not to a finished one")
	assert.False(t, off.auditFinalizerWanted(running), "not with auditing off")

	assert.False(t, on.auditFinalizerDone(held(running)), "kept while it runs")
	assert.False(t, on.auditFinalizerDone(held(finished)), "kept while a due event is unacknowledged")
	assert.True(t, on.auditFinalizerDone(audited), "released once every due event is recorded")
	assert.True(t, off.auditFinalizerDone(held(running)), "released by a manager without DataStorage")
}

type nopAuditor struct{}

func (nopAuditor) Offer(*wfev1.WorkflowExecution, []string) bool { return true }
func (nopAuditor) State(types.UID) audit.State                   { return audit.State{} }
func (nopAuditor) Recorded(types.UID, []string)                  {}
func (nopAuditor) Forget(types.UID)                              {}
