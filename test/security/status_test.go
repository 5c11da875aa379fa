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

package security

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/registry"
	"kubernaut.ai/wfe-conditions/webhook"
)

// reviewed is a condition of another writer's own type.
const reviewed = "example.com/Reviewed"

func TestOnlyTheControllerWritesTheStatusOthersAddTheirOwnConditions(t *testing.T) {
	namespace(t, "status", "runner")
	cp.Grant(t, "status", "orchestrator", rbacv1.PolicyRule{
		APIGroups: []string{wfev1.GroupVersion.Group}, Resources: []string{"workflowexecutions", "workflowexecutions/status"},
		Verbs: []string{"get", "list", "update", "patch"},
	})
	orchestrator := cp.As(t, "orchestrator")
	ctx := t.Context()

	// Before any manager runs: a WorkflowExecution without our conditions.
	fresh := newWE("status", "runner", anyBundle)
	require.NoError(t, cp.Client.Create(ctx, fresh))
	unknownFour := func(we *wfev1.WorkflowExecution) {
		for _, c := range wfev1.ConditionTypes {
			meta.SetStatusCondition(&we.Status.Conditions, metav1.Condition{Type: c, Status: metav1.ConditionUnknown, Reason: "Initializing", Message: "m"})
		}
	}
	t.Run("the first write may add our four conditions as Unknown, as the webhook does", func(t *testing.T) {
		err := writeStatus(t, orchestrator, fresh, unknownFour, func(we *wfev1.WorkflowExecution) {
			we.Status.Conditions[0].Status = metav1.ConditionTrue
		})
		require.Error(t, err, "not with one of them True")
		assert.Contains(t, err.Error(), "only the controller writes the conditions")
		require.NoError(t, writeStatus(t, orchestrator, fresh, unknownFour, ownCondition(metav1.ConditionFalse)))
	})

	cp.StartManager(t)
	we := newWE("status", "runner", anyBundle)
	require.NoError(t, cp.Client.Create(ctx, we))
	require.Eventually(t, func() bool {
		got := &wfev1.WorkflowExecution{}
		return cp.Client.Get(ctx, client.ObjectKeyFromObject(we), got) == nil &&
			meta.IsStatusConditionTrue(got.Status.Conditions, wfev1.ConditionTektonPipelineCreated)
	}, 10*time.Second, 20*time.Millisecond, "the manager's own status writes pass the policy")
	assert.Zero(t, statusWebhookCalls(t), "the /status webhook's matchConditions skip the manager's own writes")

	cases := []struct {
		name    string
		change  func(*wfev1.WorkflowExecution)
		message string
	}{
		{name: "adding its own condition is allowed", change: ownCondition(metav1.ConditionFalse)},
		{name: "changing its own condition is allowed", change: ownCondition(metav1.ConditionTrue)},
		{name: "other writers still go through the /status webhook", change: func(*wfev1.WorkflowExecution) {
			assert.Positive(t, statusWebhookCalls(t))
		}},
		{name: "recording an audit event is denied", change: func(we *wfev1.WorkflowExecution) {
			we.Status.AuditedEvents = append(we.Status.AuditedEvents, wfev1.AuditEventCompleted)
		}, message: "only the controller writes a WorkflowExecution status (phase, times, pipelineRunRef, pipelineRunStatus, failureDetails, pipelineRunPrunedAt, auditedEvents, observedGeneration); orchestrator may add and change conditions of other types"},
		{name: "changing a Tekton condition is denied", change: func(we *wfev1.WorkflowExecution) {
			meta.SetStatusCondition(&we.Status.Conditions, metav1.Condition{Type: wfev1.ConditionTektonPipelineComplete,
				Status: metav1.ConditionTrue, Reason: wfev1.ReasonPipelineSucceeded, Message: "done"})
		}, message: "only the controller writes the conditions TektonPipelineCreated, TektonPipelineRunning, TektonPipelineComplete, AuditRecorded of a WorkflowExecution; orchestrator may add and change conditions of other types"},
		{name: "setting AuditRecorded is denied", change: func(we *wfev1.WorkflowExecution) {
			meta.SetStatusCondition(&we.Status.Conditions, metav1.Condition{Type: wfev1.ConditionAuditRecorded,
				Status: metav1.ConditionTrue, Reason: "AuditRecorded", Message: "recorded"})
		}, message: "only the controller writes the conditions"},
		{name: "removing one of our conditions is denied", change: func(we *wfev1.WorkflowExecution) {
			meta.RemoveStatusCondition(&we.Status.Conditions, wfev1.ConditionAuditRecorded)
		}, message: "only the controller writes the conditions"},
		{name: "changing the phase is denied", change: func(we *wfev1.WorkflowExecution) {
			we.Status.Phase = wfev1.PhaseCompleted
		}, message: "only the controller writes a WorkflowExecution status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := writeStatus(t, orchestrator, we, tc.change)
			if tc.message == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.message)
		})
	}
}

func ownCondition(status metav1.ConditionStatus) func(*wfev1.WorkflowExecution) {
	return func(we *wfev1.WorkflowExecution) {
		meta.SetStatusCondition(&we.Status.Conditions, metav1.Condition{Type: reviewed, Status: status, Reason: "Reviewed", Message: "by a person"})
	}
}

// writeStatus reads the WorkflowExecution as c and writes its status back
// changed, retrying only optimistic-lock conflicts with the manager.
func writeStatus(t *testing.T, c client.Client, we *wfev1.WorkflowExecution, changes ...func(*wfev1.WorkflowExecution)) error {
	t.Helper()
	for {
		got := &wfev1.WorkflowExecution{}
		require.NoError(t, c.Get(t.Context(), client.ObjectKeyFromObject(we), got))
		for _, change := range changes {
			change(got)
		}
		err := c.Status().Update(t.Context(), got)
		if err == nil || !isConflict(err) {
			return err
		}
	}
}

// statusWebhookCalls counts the /status webhook's requests in this process.
func statusWebhookCalls(t *testing.T) float64 {
	t.Helper()
	return registry.Value(t, "controller_runtime_webhook_requests_total", map[string]string{"webhook": webhook.StatusPath})
}
