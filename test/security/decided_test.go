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
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// holdLease makes another replica the leader, so that a manager started with
// leader election serves the webhook (every replica does) while its
// reconciler waits: the pause between admission and creation. The returned
// function releases the lease.
func holdLease(t *testing.T) (release func()) {
	t.Helper()
	now := metav1.NewMicroTime(time.Now())
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: wfev1.InstallNamespace, Name: wiring.LeaderElectionID},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("another-replica"), LeaseDurationSeconds: ptr.To[int32](3600),
			AcquireTime: &now, RenewTime: &now},
	}
	require.NoError(t, cp.Client.Create(t.Context(), lease))
	release = func() { require.NoError(t, client.IgnoreNotFound(cp.Client.Delete(context.Background(), lease))) }
	t.Cleanup(release)
	return release
}

// pausedManager starts a manager whose webhook serves and whose reconciler
// waits for the lease.
func pausedManager(t *testing.T) (release func(), stop func()) {
	t.Helper()
	release = holdLease(t)
	m := cp.StartManager(t, func(o *wiring.Options) { o.LeaderElect = true })
	return release, m.Stop
}

func TestARunExecutesAsAdmissionAuthorisedWhateverThePolicySaysLater(t *testing.T) {
	namespace(t, "team-r", "runner", "powerful")
	cp.Grant(t, "team-r", "rita", createWE, use("runner"))
	setPolicy(t, wfev1.ExecutionPolicy{DefaultServiceAccount: "runner", CorrelatingNamespaces: []string{"team-r"}})
	ctx := t.Context()
	release, _ := pausedManager(t)

	// Rita names no ServiceAccount: the webhook records the policy's default,
	// and admission authorises exactly that.
	we := bareWE("team-r", anyBundle)
	require.NoError(t, cp.As(t, "rita").Create(ctx, we))
	require.NotNil(t, we.Spec.ExecutionConfig)
	assert.Equal(t, "team-r", we.Spec.ExecutionConfig.Namespace)
	assert.Equal(t, "runner", we.Spec.ExecutionConfig.ServiceAccountName)

	// While the reconciler waits, an administrator makes the default a
	// ServiceAccount Rita may not use; admission now refuses her that.
	require.NoError(t, cp.SetExecutionPolicy(ctx, wfev1.ExecutionPolicy{DefaultServiceAccount: "powerful", CorrelatingNamespaces: []string{"team-r"}}))
	msg := admits(t, cp.As(t, "rita"), newWEFor("team-r", "powerful"), false)
	assert.Contains(t, msg, "rita may not run WorkflowExecutions as ServiceAccount powerful in namespace team-r")

	// The reconciler resumes: the run executes as what admission authorised.
	release()
	got := wetest.WaitFor(t, cp.Client, we, 60*time.Second, wetest.ConditionIs(wfev1.ConditionTektonPipelineCreated, metav1.ConditionTrue, ""))
	pr := &tektonv1.PipelineRun{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: "team-r", Name: got.Status.PipelineRunRef.Name}, pr))
	assert.Equal(t, "runner", pr.Spec.TaskRunTemplate.ServiceAccountName)
}

func TestARunIsRefusedNeverMovedWhenTheExecutionNamespaceChanges(t *testing.T) {
	namespace(t, "team-m", "runner")
	namespace(t, "shared-m", "runner")
	cp.Grant(t, "team-m", "max", createWE, use("runner"))
	setPolicy(t, wfev1.ExecutionPolicy{DefaultServiceAccount: "runner", CorrelatingNamespaces: []string{"team-m"}})
	ctx := t.Context()
	_, stop := pausedManager(t)
	we := bareWE("team-m", anyBundle)
	require.NoError(t, cp.As(t, "max").Create(ctx, we))
	assert.Equal(t, "team-m", we.Spec.ExecutionConfig.Namespace)
	stop()

	// Every run now goes to shared-m; the manager restarts into it (its
	// liveness check fails on such a change) and takes the lease.
	setPolicy(t, wfev1.ExecutionPolicy{ExecutionNamespace: "shared-m", DefaultServiceAccount: "runner", CorrelatingNamespaces: []string{"team-m"}})
	require.NoError(t, cp.Client.Delete(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: wfev1.InstallNamespace, Name: wiring.LeaderElectionID}}))
	cp.StartManager(t)
	got := wetest.WaitFor(t, cp.Client, we, 60*time.Second, wetest.ConditionIs(wfev1.ConditionTektonPipelineCreated, metav1.ConditionFalse, wfev1.ReasonPipelineCreationFailed))
	require.NotNil(t, got.Status.FailureDetails)
	assert.Equal(t, wfev1.FailureReasonForbidden, got.Status.FailureDetails.Reason)
	c := got.Condition(wfev1.ConditionTektonPipelineCreated)
	assert.Contains(t, c.Message, "spec.executionConfig.namespace team-m and spec.executionConfig.serviceAccountName runner")
	assert.Contains(t, c.Message, "the run is refused, not moved")
	for _, ns := range []string{"team-m", "shared-m"} {
		prs := &tektonv1.PipelineRunList{}
		require.NoError(t, cp.Client.List(ctx, prs, client.InNamespace(ns), client.MatchingLabels{wfev1.LabelWorkflowExecutionUID: string(we.UID)}))
		assert.Empty(t, prs.Items, "no PipelineRun in %s", ns)
	}
}

func TestACreateWithoutTheWebhookMustRecordBothFields(t *testing.T) {
	namespace(t, "team-w", "runner")
	cp.Grant(t, "team-w", "wes", createWE, use("runner"))
	setPolicy(t, wfev1.ExecutionPolicy{CorrelatingNamespaces: []string{"team-w"}})
	wes := cp.As(t, "wes")
	for name, opts := range map[string][]wetest.Option{
		"neither":                 nil,
		"only the ServiceAccount": {wetest.ServiceAccount("runner")},
		"only the namespace":      {wetest.RunIn("team-w")},
	} {
		t.Run(name, func(t *testing.T) {
			msg := admits(t, wes, bareWE("team-w", anyBundle, opts...), false)
			assert.Contains(t, msg, "spec.executionConfig.namespace and spec.executionConfig.serviceAccountName must both be set: the defaulting webhook that records them was unavailable")
			assert.Contains(t, msg, "namespace team-w")
		})
	}
	t.Run("a creator who records both needs no webhook", func(t *testing.T) {
		admits(t, wes, bareWE("team-w", anyBundle, wetest.ServiceAccount("runner"), wetest.RunIn("team-w")), true)
	})
	t.Run("a namespace other than the policy's is refused", func(t *testing.T) {
		cp.Grant(t, "default", "wes", use("runner"))
		msg := admits(t, wes, bareWE("team-w", anyBundle, wetest.ServiceAccount("runner"), wetest.RunIn("default")), false)
		assert.Contains(t, msg, "spec.executionConfig.namespace must be team-w, where the execution policy runs WorkflowExecutions of namespace team-w, not default")
	})
}

// newWEFor is a WorkflowExecution recorded to run as serviceAccount in its
// own namespace.
func newWEFor(namespace, serviceAccount string) *wfev1.WorkflowExecution {
	return bareWE(namespace, anyBundle, wetest.ServiceAccount(serviceAccount), wetest.RunIn(namespace))
}
