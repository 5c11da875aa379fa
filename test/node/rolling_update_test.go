package node

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/cluster"
)

// A rolling update of the Deployment to a new image tag, the way an upgrade
// reaches a cluster, while 20 WorkflowExecutions run real pods: every one
// completes and is audited, with at most one PipelineRun each, and an audit
// event is sent twice only inside the documented window (acknowledged by
// DataStorage as a replica stopped, before its status write).
func TestARollingUpdateToANewImageWhileTwentyRunLosesNothing(t *testing.T) {
	ctx := t.Context()
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
	const next = "localhost/wfe-conditions:node-test-2"
	tar, err := cluster.MakeImage(next)
	require.NoError(t, err)
	require.NoError(t, node.ImportImage(ctx, tar))

	var wes []*wfev1.WorkflowExecution
	for i := range 20 {
		we := newWE(fmt.Sprintf("update-%02d", i), "takes-three-seconds")
		require.NoError(t, node.Client.Create(ctx, we))
		wes = append(wes, we)
	}
	d := &appsv1.Deployment{}
	require.NoError(t, node.Client.Get(ctx, client.ObjectKey{Namespace: wfev1.InstallNamespace, Name: cluster.Deployment}, d))
	d.Spec.Template.Spec.Containers[0].Image = next
	began := time.Now()
	require.NoError(t, node.Client.Update(ctx, d))
	require.NoError(t, node.WaitRolledOut(ctx, 5*time.Minute))
	t.Logf("rolling update to %s with 20 WorkflowExecutions running: %s", next, time.Since(began).Round(time.Millisecond))
	pods, err := node.ManagerPods(ctx)
	require.NoError(t, err)
	for _, p := range pods {
		assert.Equal(t, next, p.Spec.Containers[0].Image)
	}

	uids := map[types.UID]bool{}
	for _, we := range wes {
		got := waitFor(t, we, 5*time.Minute, func(we *wfev1.WorkflowExecution) bool {
			return completeIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded)(we) && auditedIs(metav1.ConditionTrue)(we)
		})
		uids[got.UID] = true
	}
	t.Logf("all 20 completed and audited %s after the update began", time.Since(began).Round(time.Millisecond))
	runs := &tektonv1.PipelineRunList{}
	require.NoError(t, node.Client.List(ctx, runs, client.InNamespace(ns)))
	per := map[types.UID]int{}
	for _, pr := range runs.Items {
		for _, o := range pr.OwnerReferences {
			if uids[o.UID] {
				per[o.UID]++
			}
		}
	}
	assert.Len(t, per, 20, "every WorkflowExecution has its PipelineRun")
	for uid, n := range per {
		assert.Equal(t, 1, n, "one PipelineRun for %s", uid)
	}
	sent := map[string]int{}
	for _, e := range ds.Events() {
		for _, we := range wes {
			if e.CorrelationID == we.Spec.RemediationRequestRef.Name {
				sent[e.CorrelationID+" "+e.EventType]++
			}
		}
	}
	dups := 0
	for _, we := range wes {
		rr := we.Spec.RemediationRequestRef.Name
		for _, ev := range []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted} {
			require.Positive(t, sent[rr+" "+ev], "%s of %s reached DataStorage", ev, rr)
			dups += sent[rr+" "+ev] - 1
		}
	}
	t.Logf("audit events sent twice during the update: %d (of %d)", dups, 40+dups)
	assert.LessOrEqual(t, dups, 20, "only events acknowledged as a replica stopped are sent again")
}
