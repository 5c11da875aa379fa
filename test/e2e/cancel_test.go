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

package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// oncall may read, annotate and cancel WorkflowExecutions in ns.
func oncall(t *testing.T) {
	t.Helper()
	cp.Grant(t, ns, "oncall", rbacv1.PolicyRule{APIGroups: []string{wfev1.GroupVersion.Group}, Resources: []string{"workflowexecutions"},
		Verbs: []string{"get", "list", "patch", "update", "cancel"}})
}

// requestCancel is what the on-call engineer types: kubectl annotate, as
// themselves.
func requestCancel(t *testing.T, name, reason string) {
	t.Helper()
	cp.MustKubectl(t, "annotate", "workflowexecution", name, "-n", ns, "--as=oncall",
		wfev1.AnnotationCancelRequestedBy+"=oncall", wfev1.AnnotationCancelReason+"="+reason)
}

// failedEvent is the failed audit event DataStorage got for the execution.
func failedEvent(t *testing.T, name string) datastorage.Received {
	t.Helper()
	var found datastorage.Received
	require.Eventually(t, func() bool {
		for _, e := range ds.Events() {
			if e.EventData.ExecutionName == name && e.EventType == wfev1.AuditEventFailed {
				found = e
				return true
			}
		}
		return false
	}, 30*time.Second, 100*time.Millisecond, "DataStorage gets the failed event of %s", name)
	return found
}

func TestACancelRequestedByAnnotationCancelsThePipelineRunAndIsAuditedWithWhoAndWhy(t *testing.T) {
	oncall(t)
	we := wetest.New(ns, "cancel-requested", wetest.Pipeline("never-ends"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	running := wetest.WaitFor(t, cp.Client, we, 30*time.Second, func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(wfev1.ConditionTektonPipelineRunning)
		return c != nil && c.Status == metav1.ConditionTrue
	})
	requested := time.Now()
	requestCancel(t, we.Name, "superseded by rr-2")
	got := wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineCancelled))
	t.Logf("kubectl annotate to PipelineCancelled in %s", time.Since(requested).Round(time.Millisecond))
	complete := got.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Contains(t, complete.Message, "Cancelled by oncall: superseded by rr-2; Tekton PipelineRun "+ns+"/")
	t.Logf("TektonPipelineComplete: %s", complete.Message)
	assert.EqualValues(t, "Cancelled", pipelineRunOf(t, running).Spec.Status, "Tekton was asked to cancel")
	assert.Equal(t, "Cancelled by oncall: superseded by rr-2", got.Status.FailureDetails.Message)
	t.Logf("kubectl get wfe:\n%s", cp.MustKubectl(t, "get", "workflowexecution", we.Name, "-n", ns))

	e := failedEvent(t, we.Name)
	assert.Equal(t, string(wfev1.FailureReasonUnknown), e.EventData.FailureReason, "the contract's enum has no cancelled")
	assert.Equal(t, "Cancelled by oncall: superseded by rr-2", e.EventData.FailureMessage)
	wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.AuditedIs(metav1.ConditionTrue))

	_, err := cp.Kubectl(t.Context(), "annotate", "--overwrite", "workflowexecution", we.Name, "-n", ns, "--as=oncall",
		wfev1.AnnotationCancelReason+"=something else")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "written once")
	t.Logf("a second word: %v", err)
}

// A cancel that lands before the PipelineRun exists (here: while no manager
// runs) ends the execution without ever creating one.
func TestACancelBeforeThePipelineRunExistsEndsTheExecutionWithoutOne(t *testing.T) {
	oncall(t)
	restart := swapManager(t)
	// No webhook serves meanwhile: the creator records where and as whom.
	we := wetest.New(ns, "cancel-early", wetest.Pipeline("build-test-deploy"), wetest.RunIn(ns), wetest.ServiceAccount("default"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	requestCancel(t, we.Name, "opened by mistake")
	restart()

	got := wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineCancelled))
	created := got.Condition(wfev1.ConditionTektonPipelineCreated)
	assert.Equal(t, wfev1.ReasonPipelineCreationCancelled, created.Reason)
	assert.Equal(t, "Cancelled by oncall: opened by mistake; no Tekton PipelineRun was created", created.Message)
	assert.Nil(t, got.Status.PipelineRunRef)
	prs := &tektonv1.PipelineRunList{}
	require.NoError(t, cp.Client.List(t.Context(), prs, client.MatchingLabels{wfev1.LabelWorkflowExecution: we.Name}))
	assert.Empty(t, prs.Items, "no PipelineRun was created for it")
	assert.Equal(t, "Cancelled by oncall: opened by mistake", failedEvent(t, we.Name).EventData.FailureMessage)
}
