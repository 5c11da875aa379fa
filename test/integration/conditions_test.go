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

package integration

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

func TestConditionsAppearAsUnknownRightAfterApply(t *testing.T) {
	cp := controlplane.Start(t)
	// PipelineRuns go to a namespace that does not exist, so creating them is
	// retried and TektonPipelineCreated stays Unknown for kubectl wait to see.
	require.NoError(t, cp.SetExecutionPolicy(t.Context(), wfev1.ExecutionPolicy{ExecutionNamespace: "not-created-yet"}))
	cp.StartManager(t)
	cp.CreateNamespace(t, "payment")
	first := firstStatus(t, cp, "payment")
	root, err := paths.RepoRoot()
	require.NoError(t, err)

	cp.MustKubectl(t, "apply", "-n", "payment", "-f", filepath.Join(root, "config", "samples", "workflowexecution_v1alpha1_workflowexecution.yaml"))
	applied := time.Now()
	key := client.ObjectKey{Namespace: "payment", Name: "restart-payment-api"}
	we := eventually(t, cp, key, 2*time.Second, hasAllConditions)
	t.Logf("four conditions visible %s after kubectl apply returned", time.Since(applied))
	assertInitialConditions(t, <-first)
	assertConditionsComplete(t, we)
	assert.Equal(t, metav1.ConditionUnknown, we.Condition(wfev1.ConditionTektonPipelineCreated).Status)
	assert.Equal(t, "increase-memory-and-restart", we.Labels[wfev1.LabelWorkflowID])
	assert.Equal(t, "rr-payment-api-oomkilled", we.Labels[wfev1.LabelCorrelationID])

	cp.MustKubectl(t, "wait", "-n", "payment", "wfe/restart-payment-api", "--for=condition=TektonPipelineCreated=Unknown", "--timeout=5s")
	describe := cp.MustKubectl(t, "describe", "wfe", "-n", "payment", "restart-payment-api")
	for _, c := range wfev1.ConditionTypes {
		assert.Contains(t, describe, c)
	}
}

func TestAStatusWriteFromAnotherWriterGetsTheMissingConditions(t *testing.T) {
	cp := controlplane.Start(t)
	cp.StartManager(t)
	ctx := t.Context()
	we := newWE("default", "foreign-writer")
	require.NoError(t, cp.Client.Create(ctx, we))
	eventually(t, cp, client.ObjectKeyFromObject(we), 2*time.Second, hasAllConditions)

	// Another writer replaces the whole conditions list with one condition of
	// its own; the stored object right after the write is what it returns.
	written := metav1.Condition{
		Type: wfev1.ConditionAuditRecorded, Status: metav1.ConditionFalse, Reason: "ExternalAuditFailed",
		Message: "written by another controller", ObservedGeneration: 1,
		LastTransitionTime: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
	}
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": []metav1.Condition{written}}})
	require.NoError(t, err)
	out := cp.MustKubectl(t, "patch", "wfe", "foreign-writer", "-n", "default", "--subresource=status", "--type=merge", "-p", string(patch), "-o", "json")

	got := &wfev1.WorkflowExecution{}
	require.NoError(t, json.Unmarshal([]byte(out), got))
	assert.True(t, hasAllConditions(got), "all four present after the write: %+v", got.Status.Conditions)
	c := meta.FindStatusCondition(got.Status.Conditions, wfev1.ConditionAuditRecorded)
	require.NotNil(t, c)
	assert.Equal(t, written.Status, c.Status)
	assert.Equal(t, written.Reason, c.Reason)
	assert.Equal(t, written.Message, c.Message)
	assert.True(t, written.LastTransitionTime.Equal(&c.LastTransitionTime), "written exactly as written")
	for _, typ := range []string{wfev1.ConditionTektonPipelineCreated, wfev1.ConditionTektonPipelineRunning, wfev1.ConditionTektonPipelineComplete} {
		assert.Equal(t, metav1.ConditionUnknown, meta.FindStatusCondition(got.Status.Conditions, typ).Status, typ)
	}
}

func TestGenerateNameWorksAndExistingLabelsAreKept(t *testing.T) {
	cp := controlplane.Start(t)
	cp.StartManager(t)
	ctx := t.Context()

	we := newWE("default", "")
	we.GenerateName = "restart-"
	we.Spec.RemediationRequestRef.Name = "rr-generated"
	we.Labels = map[string]string{wfev1.LabelWorkflowID: "chosen-by-caller", "team": "payments"}
	require.NoError(t, cp.Client.Create(ctx, we))
	assert.True(t, strings.HasPrefix(we.Name, "restart-"), we.Name)
	assert.Equal(t, map[string]string{
		wfev1.LabelWorkflowID: "chosen-by-caller", "team": "payments", wfev1.LabelCorrelationID: "rr-generated",
	}, we.Labels)

	plain := newWE("default", "no-labels")
	require.NoError(t, cp.Client.Create(ctx, plain))
	assert.Equal(t, "restart-pods", plain.Labels[wfev1.LabelWorkflowID])
	assert.Equal(t, "rr-no-labels", plain.Labels[wfev1.LabelCorrelationID])

	selected := &wfev1.WorkflowExecutionList{}
	require.NoError(t, cp.Client.List(ctx, selected, client.MatchingLabels{wfev1.LabelWorkflowID: "restart-pods"}))
	require.Len(t, selected.Items, 1)
	assert.Equal(t, "no-labels", selected.Items[0].Name)
}

func TestWithTheWebhookDownConditionsStillAppear(t *testing.T) {
	cp := controlplane.Start(t)
	ctx := t.Context()
	// Registered, but nothing listens there: failurePolicy Ignore lets writes through.
	dead, err := paths.FreePort()
	require.NoError(t, err)
	require.NoError(t, cp.InstallWebhook(ctx, "127.0.0.1:"+itoa(dead), []byte("unused")))
	cp.RunUnregisteredManager(t)

	for _, name := range []string{"down-1", "down-2", "down-3"} {
		we := newWE("default", name)
		require.NoError(t, cp.Client.Create(ctx, we), "create with the webhook down")
		got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, hasAllConditions)
		assertConditionsComplete(t, got)
		assert.Empty(t, got.Labels, "no labels without the webhook; nothing else lost")
	}
	cp.MustKubectl(t, "patch", "wfe", "down-1", "-n", "default", "--subresource=status", "--type=merge", "-p", `{"status":{"phase":"Pending"}}`)
}
