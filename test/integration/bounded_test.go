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
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/invariants"
)

// assertAuditNeverLies checks every recorded version: AuditRecorded=True only
// while every due lifecycle event is in status.auditedEvents.
func assertAuditNeverLies(t *testing.T, ds *datastorage.Server, versions []*wfev1.WorkflowExecution) {
	t.Helper()
	require.NotEmpty(t, versions)
	held := ds.Events()
	for _, we := range versions {
		assert.Empty(t, invariants.UnacknowledgedWhileAudited(we), "%s rv %s: AuditRecorded=True while events are unacknowledged", we.Name, we.ResourceVersion)
		assert.Empty(t, invariants.NotHeldWhileAudited(we, held), "%s rv %s: AuditRecorded=True while DataStorage lacks events", we.Name, we.ResourceVersion)
	}
}

func TestAHugeDataStorageProblemNeitherFreezesNorLies(t *testing.T) {
	ds, cp, tk := auditedSetup(t, "huge-problem")
	history := statusHistory(t, cp, "huge-problem")

	problem, err := json.Marshal(map[string]any{"type": "https://kubernaut.ai/problems/service-unavailable",
		"title": "Service Unavailable", "status": 503, "detail": strings.Repeat("d", 40_000)})
	require.NoError(t, err)
	ds.SetFault(datastorage.Fault{Status: 503, Problem: string(problem)})
	outage := time.Now()

	we := newWE("huge-problem", "huge-problem")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	key := client.ObjectKeyFromObject(we)
	pr := tk.pipelineRunOf(we, we.Namespace)
	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
	got := eventually(t, cp, key, 10*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionFalse, wfev1.ReasonAuditFailed))
	msg := got.Condition(wfev1.ConditionAuditRecorded).Message
	assert.LessOrEqual(t, len(msg), wfev1.MaxConditionMessage)
	assert.True(t, utf8.ValidString(msg))
	assert.Contains(t, msg, "503")

	written := time.Now()
	runToSuccess(t, tk, we)
	got = eventually(t, cp, key, 5*time.Second, conditionIs(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	took := time.Since(written)
	t.Logf("TektonPipelineComplete True %s after the PipelineRun's status write, DataStorage failing", took)
	assert.Less(t, took, time.Second, "the conditions do not wait for DataStorage")
	assert.NotEqual(t, metav1.ConditionTrue, got.Condition(wfev1.ConditionAuditRecorded).Status)

	time.Sleep(25*time.Second - time.Since(outage))
	ds.SetFault(datastorage.Fault{})
	eventually(t, cp, key, 40*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionTrue, wfev1.ReasonAuditSucceeded))
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, map[string]int{wfev1.AuditEventStarted: 1, wfev1.AuditEventCompleted: 1}, eventsOf(ds, "huge-problem"), "both events received once")
	assertAuditNeverLies(t, ds, history())
}

func TestAHugeTektonMessageGivesABoundedFailure(t *testing.T) {
	cp := controlplane.Start(t)
	cp.StartManager(t)
	cp.CreateNamespace(t, "huge-message")
	tk := tekton{t, cp}

	we := newWE("huge-message", "huge-message")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	pr := tk.pipelineRunOf(we, we.Namespace)
	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
	tk.set(pr, corev1.ConditionFalse, tektonv1.PipelineRunReasonFailed, strings.Repeat("ü", 20_000), "a")

	got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second,
		conditionIs(wfev1.ConditionTektonPipelineComplete, metav1.ConditionFalse, wfev1.ReasonPipelineFailed))
	c := got.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.LessOrEqual(t, len(c.Message), wfev1.MaxConditionMessage)
	assert.Contains(t, c.Message, wfev1.TruncationMarker)
	assert.True(t, utf8.ValidString(c.Message))
	assert.Equal(t, wfev1.PhaseFailed, got.Status.Phase)
	require.NotNil(t, got.Status.FailureDetails)
	assert.LessOrEqual(t, len(got.Status.FailureDetails.Message), wfev1.MaxFailureMessage)
}
