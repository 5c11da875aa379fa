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

package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

const runs = "wfe-runs"

// useExecutionNamespace switches the install to execution-namespace mode, as
// docs/operations.md says: the policy names the namespace, and the replicas
// are restarted to read it.
func useExecutionNamespace(ctx context.Context, t *testing.T) {
	t.Helper()
	require.NoError(t, node.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: runs}}))
	for _, p := range pipelines(runs) {
		require.NoError(t, node.Client.Create(ctx, p))
	}
	vap := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	require.NoError(t, node.Client.Get(ctx, client.ObjectKey{Name: wfev1.ExecutionPolicyName}, vap))
	require.Equal(t, wfev1.ExecutionPolicyVariable, vap.Spec.Variables[0].Name)
	policy, err := wfev1.ParseExecutionPolicy(vap.Spec.Variables[0].Expression)
	require.NoError(t, err)
	policy.ExecutionNamespace = runs
	vap.Spec.Variables[0].Expression = policy.JSON()
	require.NoError(t, node.Client.Update(ctx, vap))
	require.NoError(t, node.UpdateDeployment(ctx, func(d *appsv1.Deployment) {
		if d.Spec.Template.Annotations == nil {
			d.Spec.Template.Annotations = map[string]string{}
		}
		d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] = time.Now().Format(time.RFC3339)
	}))
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
}

// Runs last (Go runs a package's tests in file-name order): `make undeploy`
// with WorkflowExecutions still running in execution-namespace mode, where
// each holds a finalizer the manager removes once it has deleted the
// PipelineRun in the other namespace. The undeploy finishes, removes the CRD,
// and leaves no PipelineRun behind; each run deleted mid-run is audited as
// failed first.
func TestMakeUndeployFinishesWithRunsHeldByFinalizers(t *testing.T) {
	ctx := t.Context()
	collectManagerLogs()
	require.NoError(t, noForbidden(), "the suite until now")
	useExecutionNamespace(ctx, t)
	for i := range 3 {
		we := wetest.New(ns, fmt.Sprintf("left-%d", i), wetest.Pipeline("sleeps"))
		require.NoError(t, node.Client.Create(ctx, we))
		wetest.WaitFor(t, node.Client, we, 2*time.Minute, func(we *wfev1.WorkflowExecution) bool {
			c := we.Condition(wfev1.ConditionTektonPipelineRunning)
			return controllerutil.ContainsFinalizer(we, wfev1.FinalizerPipelineRunCleanup) && c != nil && c.Status == metav1.ConditionTrue &&
				we.Status.PipelineRunRef != nil && we.Status.PipelineRunRef.Namespace == runs
		})
	}
	undeployCtx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	began := time.Now()
	out := undeploy(undeployCtx, t)
	assert.NotContains(t, out, "still held", "the manager released the finalizers; the fallback was not needed")
	t.Logf("make undeploy with 3 runs held by finalizers: %s", time.Since(began).Round(time.Millisecond))

	err := node.Client.Get(ctx, client.ObjectKey{Name: "workflowexecutions.workflowexecution.kubernaut.ai"}, &apiextensionsv1.CustomResourceDefinition{})
	assert.True(t, apierrors.IsNotFound(err), "the CRD is gone: %v", err)
	prs := &tektonv1.PipelineRunList{}
	require.NoError(t, node.Client.List(ctx, prs, client.InNamespace(runs)))
	assert.Empty(t, prs.Items, "the manager deleted the PipelineRuns of the deleted WorkflowExecutions")

	// Deleted mid-run with real pods: each run was cancelled and its record
	// ended with a failed event before its finalizer went.
	failed := map[string]string{}
	for _, e := range ds.Events() {
		if e.EventType == wfev1.AuditEventFailed && strings.HasPrefix(e.EventData.ExecutionName, "left-") {
			failed[e.EventData.ExecutionName] = e.EventData.FailureReason + ": " + e.EventData.FailureMessage
		}
	}
	require.Len(t, failed, 3, "a terminal event for each WorkflowExecution deleted mid-run: %v", failed)
	for name, f := range failed {
		assert.True(t, strings.HasPrefix(f, "Unknown: WorkflowExecution deleted before its PipelineRun finished"), "%s: %s", name, f)
	}
}
