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

package gitops_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/gitops"
)

const (
	msgCreated   = "Tekton PipelineRun default/we-1 created"
	msgRunning   = "Tekton PipelineRun default/we-1 is executing task test (1 of 3 complete)"
	msgSucceeded = "Tekton PipelineRun default/we-1 succeeded (Succeeded: Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0)"
	msgFailed    = "Tekton PipelineRun default/we-1 failed (Failed: …); failed task: deploy (StepFailed: …)"
	msgAuditWait = "Waiting for DataStorage to acknowledge workflowexecution.workflow.completed"
	msgAuditOK   = "DataStorage acknowledged every lifecycle audit event; latest: workflowexecution.workflow.completed"
	msgAuditOff  = "Auditing is disabled: the manager runs without --datastorage-url"
	msgAuditErr  = "Delivering workflowexecution.workflow.completed failed and is retried with backoff: connection refused"
	msgNoCreate  = "The Tekton PipelineRun could not be created: pipelineruns.tekton.dev is forbidden"
)

var (
	created   = cond(wfev1.ConditionTektonPipelineCreated, metav1.ConditionTrue, wfev1.ReasonPipelineCreated, msgCreated)
	started   = cond(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue, wfev1.ReasonPipelineStarted, msgRunning)
	running   = cond(wfev1.ConditionTektonPipelineComplete, metav1.ConditionUnknown, wfev1.ReasonPipelineRunning, "is running")
	succeeded = cond(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded, msgSucceeded)
	failed    = cond(wfev1.ConditionTektonPipelineComplete, metav1.ConditionFalse, wfev1.ReasonPipelineFailed, msgFailed)
	auditWait = cond(wfev1.ConditionAuditRecorded, metav1.ConditionUnknown, wfev1.ReasonAuditPending, msgAuditWait)
	auditOK   = cond(wfev1.ConditionAuditRecorded, metav1.ConditionTrue, wfev1.ReasonAuditSucceeded, msgAuditOK)
	auditOff  = cond(wfev1.ConditionAuditRecorded, metav1.ConditionUnknown, wfev1.ReasonAuditDisabled, msgAuditOff)
	auditErr  = cond(wfev1.ConditionAuditRecorded, metav1.ConditionFalse, wfev1.ReasonAuditFailed, msgAuditErr)
)

func with(c metav1.Condition, reason, msg string) metav1.Condition {
	c.Reason, c.Message = reason, msg
	return c
}

// Every row also checks that Flux, with the shipped expressions, agrees.
func TestTheVerdictOfEveryStatus(t *testing.T) {
	tests := []struct {
		name    string
		obj     map[string]any
		argo    string
		message string
		kstatus kstatus.Status // without the Flux expressions
	}{
		{"the first status, all four Unknown, is Progressing", obj(t, 1, wfev1.PhasePending),
			gitops.Progressing, "Waiting for the Tekton PipelineRun to be created", kstatus.CurrentStatus},
		{"a creation being retried is Progressing with the error", obj(t, 1, wfev1.PhasePending,
			cond(wfev1.ConditionTektonPipelineCreated, metav1.ConditionUnknown, wfev1.ReasonPipelineCreationRetrying, "Creating the Tekton PipelineRun failed and is retried: timeout")),
			gitops.Progressing, "Creating the Tekton PipelineRun failed and is retried: timeout", kstatus.CurrentStatus},
		{"a PipelineRun that has not started is Progressing", obj(t, 1, wfev1.PhasePending, created),
			gitops.Progressing, "The Tekton PipelineRun has not started yet", kstatus.CurrentStatus},
		{"a running pipeline is Progressing with its progress", obj(t, 1, wfev1.PhaseRunning, created, started, running, auditOK),
			gitops.Progressing, msgRunning, kstatus.CurrentStatus},
		{"a running pipeline with auditing off is Progressing", obj(t, 1, wfev1.PhaseRunning, created, started, running, auditOff),
			gitops.Progressing, msgRunning, kstatus.CurrentStatus},
		{"a success with the final audit event acknowledged is Healthy", obj(t, 1, wfev1.PhaseCompleted, created, started, succeeded, auditOK),
			gitops.Healthy, msgSucceeded, kstatus.CurrentStatus},
		{"a success with auditing off is Healthy", obj(t, 1, wfev1.PhaseCompleted, created, started, succeeded, auditOff),
			gitops.Healthy, msgSucceeded, kstatus.CurrentStatus},
		{"a success with the final audit event unacknowledged is Progressing", obj(t, 1, wfev1.PhaseCompleted, created, started, succeeded, auditWait),
			gitops.Progressing, msgAuditWait, kstatus.CurrentStatus},
		{"a success whose audit delivery fails is Degraded", obj(t, 1, wfev1.PhaseCompleted, created, started, succeeded, auditErr),
			gitops.Degraded, msgAuditErr, kstatus.CurrentStatus},
		{"a running pipeline whose audit delivery fails is Degraded", obj(t, 1, wfev1.PhaseRunning, created, started, running, auditErr),
			gitops.Degraded, msgAuditErr, kstatus.CurrentStatus},
		{"a failed task is Degraded", obj(t, 1, wfev1.PhaseFailed, created, started, failed, auditOK),
			gitops.Degraded, msgFailed, kstatus.CurrentStatus},
		{"a timeout is Degraded", obj(t, 1, wfev1.PhaseFailed, created, started, with(failed, wfev1.ReasonPipelineTimeout, "timed out"), auditOK),
			gitops.Degraded, "timed out", kstatus.CurrentStatus},
		{"a cancellation is Degraded", obj(t, 1, wfev1.PhaseFailed, created, started, with(failed, wfev1.ReasonPipelineCancelled, "cancelled"), auditOK),
			gitops.Degraded, "cancelled", kstatus.CurrentStatus},
		{"a PipelineRun that could not be created is Degraded", obj(t, 1, wfev1.PhaseFailed,
			cond(wfev1.ConditionTektonPipelineCreated, metav1.ConditionFalse, wfev1.ReasonPipelineCreationFailed, msgNoCreate),
			cond(wfev1.ConditionTektonPipelineRunning, metav1.ConditionFalse, wfev1.ReasonPipelineFailedToStart, msgNoCreate),
			with(failed, wfev1.ReasonPipelineFailed, msgNoCreate)),
			gitops.Degraded, msgNoCreate, kstatus.CurrentStatus},
		{"a failure with the final audit event unacknowledged is Degraded", obj(t, 1, wfev1.PhaseFailed, created, started, failed, auditWait),
			gitops.Degraded, msgFailed, kstatus.CurrentStatus},
		{"a failure whose audit delivery fails too is Degraded with the pipeline's message", obj(t, 1, wfev1.PhaseFailed, created, started, failed, auditErr),
			gitops.Degraded, msgFailed, kstatus.CurrentStatus},
		{"a status of an older generation is Progressing whatever it says", obj(t, 2, wfev1.PhaseCompleted, created, started, succeeded, auditOK),
			gitops.Progressing, "Waiting for the controller to observe generation 2", kstatus.InProgressStatus},
		{"a status without conditions is Progressing", map[string]any{"metadata": map[string]any{"generation": int64(1)}, "status": map[string]any{"phase": "Pending"}},
			gitops.Progressing, "Waiting for the Tekton PipelineRun to be created", kstatus.CurrentStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := gitops.Judge(tt.obj)
			require.NoError(t, err)
			assert.Equal(t, gitops.Health{Status: tt.argo, Message: tt.message}, v.Argo)
			assert.Empty(t, v.Agree())
			assert.Equal(t, tt.kstatus, v.KStatus)
		})
	}
}

func TestAWorkflowExecutionWithoutStatus(t *testing.T) {
	v, err := gitops.Judge(map[string]any{"metadata": map[string]any{"name": "we", "generation": int64(1)}, "spec": map[string]any{}})
	require.NoError(t, err)
	assert.Equal(t, gitops.Health{Status: gitops.Progressing, Message: "Waiting for the controller to write the status"}, v.Argo, "Argo CD: Progressing")
	assert.ErrorContains(t, v.FluxErr, "no such attribute", "Flux: the expressions cannot evaluate, and Flux polls again")
	assert.Equal(t, kstatus.CurrentStatus, v.KStatus, "kstatus: Current, nothing to say otherwise")
}
