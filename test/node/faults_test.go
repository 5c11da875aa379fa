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
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// leader returns the name of the pod holding the lease, or "" while none
// does (a leader that stops releases it).
func leader(t *testing.T) string {
	t.Helper()
	lease := &coordinationv1.Lease{}
	if node.Client.Get(t.Context(), client.ObjectKey{Namespace: wfev1.InstallNamespace, Name: wiring.LeaderElectionID}, lease) != nil ||
		lease.Spec.HolderIdentity == nil {
		return ""
	}
	name, _, _ := strings.Cut(*lease.Spec.HolderIdentity, "_")
	return name
}

// waitLeader waits until a replica leads and returns its pod's name.
func waitLeader(t *testing.T) string {
	t.Helper()
	var name string
	require.Eventually(t, func() bool { name = leader(t); return name != "" }, time.Minute, 50*time.Millisecond, "a replica leads")
	return name
}

// Deleting the leader pod (as a node drain or `kubectl delete pod` does): it
// releases the lease on SIGTERM, the other replica takes over, and a run in
// flight completes with one PipelineRun and no transition missed.
func TestDeletingTheLeaderPodHandsOverWithoutLosingARun(t *testing.T) {
	ctx := t.Context()
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
	old := waitLeader(t)
	we := wetest.New(ns, "leader-deleted", wetest.Pipeline("takes-ten-seconds"))
	require.NoError(t, node.Client.Create(ctx, we))
	wetest.WaitFor(t, node.Client, we, 2*time.Minute, func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(wfev1.ConditionTektonPipelineRunning)
		return c != nil && c.Status == metav1.ConditionTrue
	})
	collectManagerLogs()
	before := &wfev1.WorkflowExecution{}
	require.NoError(t, node.Client.Get(ctx, client.ObjectKeyFromObject(we), before))
	require.Equal(t, metav1.ConditionUnknown, before.Condition(wfev1.ConditionTektonPipelineComplete).Status, "still running at the handover")
	began := time.Now()
	require.NoError(t, node.Client.Delete(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: wfev1.InstallNamespace, Name: old}}))
	var now string
	require.Eventually(t, func() bool { now = leader(t); return now != "" && now != old }, time.Minute, 50*time.Millisecond, "another replica leads")
	t.Logf("the leader pod deleted: %s leads %s later", now, time.Since(began).Round(time.Millisecond))
	got := wetest.WaitFor(t, node.Client, we, 2*time.Minute, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	wetest.WaitFor(t, node.Client, we, time.Minute, wetest.AuditedIs(metav1.ConditionTrue))
	runs := &tektonv1.PipelineRunList{}
	require.NoError(t, node.Client.List(ctx, runs, client.InNamespace(ns)))
	n := 0
	for _, pr := range runs.Items {
		for _, o := range pr.OwnerReferences {
			if o.UID == got.UID {
				n++
			}
		}
	}
	assert.Equal(t, 1, n, "one PipelineRun for the WorkflowExecution")
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
}

// The PodDisruptionBudget keeps one replica: a drain may evict one pod, and
// the eviction of the other is refused until the first is replaced.
func TestThePodDisruptionBudgetRefusesToEvictBothReplicas(t *testing.T) {
	ctx := t.Context()
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
	require.Eventually(t, func() bool {
		pdb := &policyv1.PodDisruptionBudget{}
		return node.Client.Get(ctx, client.ObjectKey{Namespace: wfev1.InstallNamespace, Name: "wfe-conditions-controller-manager"}, pdb) == nil &&
			pdb.Status.DisruptionsAllowed == 1
	}, time.Minute, 200*time.Millisecond, "the budget allows one disruption while both replicas are Ready")
	pods, err := node.ManagerPods(ctx)
	require.NoError(t, err)
	require.Len(t, pods, 2)
	evict := func(p *corev1.Pod) error {
		return node.Client.SubResource("eviction").Create(ctx, p, &policyv1.Eviction{
			ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name}})
	}
	collectManagerLogs()
	require.NoError(t, evict(&pods[0]), "the first eviction is allowed")
	err = evict(&pods[1])
	require.Error(t, err, "the second eviction is refused")
	assert.True(t, apierrors.IsTooManyRequests(err), "refused by the disruption budget: %v", err)
	assert.Contains(t, err.Error(), "disruption budget")
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
}
