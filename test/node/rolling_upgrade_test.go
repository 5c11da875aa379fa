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
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// The upgrade of docs/operations.md on a real node: the previous release
// installed from its own manifests and image, 20 WorkflowExecutions running
// real pods, then this build's CRD, the documented deletion of the
// self-managed certificate Secret, and this build's manifests, so that the
// Deployment rolls from the previous image to this one. Every run completes
// and is audited, with one PipelineRun each, and an audit event is sent twice
// only inside the documented window (acknowledged as a replica stopped).
// Tests after this one run on the upgraded install.
func TestARollingUpgradeFromThePreviousReleaseWhileTwentyRunLosesNothing(t *testing.T) {
	ctx := t.Context()
	collectManagerLogs()
	undeploy(ctx, t)
	prevTar, prevConfig := buildPreviousImage(t)
	require.NoError(t, node.ImportImage(ctx, prevTar))
	args := []string{"--pipeline-source=cluster", "--datastorage-url=" + ds.URL}
	previousRan := time.Now()
	apply(ctx, t, render(t, prevConfig, previousImage, args...))
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute), "the previous release runs")

	var wes []*wfev1.WorkflowExecution
	for i := range 20 {
		we := wetest.New(ns, fmt.Sprintf("upgrade-%02d", i), wetest.Pipeline("takes-three-seconds"))
		require.NoError(t, node.Client.Create(ctx, we))
		wes = append(wes, we)
	}
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	current := render(t, root+"/config", image, args...)
	collectManagerLogs()
	running := 0
	for _, we := range wes {
		got := &wfev1.WorkflowExecution{}
		if node.Client.Get(ctx, client.ObjectKeyFromObject(we), got) == nil && got.Status.CompletionTime == nil {
			running++
		}
	}
	require.Positive(t, running, "runs are in flight when the upgrade begins")
	t.Logf("%d of 20 still running as the upgrade begins", running)
	began := time.Now()
	apply(ctx, t, kinds(current, "CustomResourceDefinition", false))
	require.NoError(t, client.IgnoreNotFound(node.Client.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Namespace: wfev1.InstallNamespace, Name: "wfe-conditions-webhook-server-cert"}})))
	apply(ctx, t, kinds(current, "CustomResourceDefinition", true))
	require.NoError(t, node.WaitRolledOut(ctx, 5*time.Minute))
	undeploys = append(undeploys, [2]time.Time{previousRan, time.Now()})
	t.Logf("rolling upgrade %s -> this build with 20 WorkflowExecutions running: %s", previousImage, time.Since(began).Round(time.Millisecond))
	pods, err := node.ManagerPods(ctx)
	require.NoError(t, err)
	for _, p := range pods {
		assert.Equal(t, image, p.Spec.Containers[0].Image)
	}

	uids := map[types.UID]bool{}
	for _, we := range wes {
		got := wetest.WaitFor(t, node.Client, we, 5*time.Minute, func(we *wfev1.WorkflowExecution) bool {
			return wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded)(we) && wetest.AuditedIs(metav1.ConditionTrue)(we)
		})
		uids[got.UID] = true
	}
	t.Logf("all 20 completed and audited %s after the upgrade began", time.Since(began).Round(time.Millisecond))
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
		sent[e.CorrelationID+" "+e.EventType]++
	}
	dups := 0
	for _, we := range wes {
		rr := we.Spec.RemediationRequestRef.Name
		// v0.1.0 sent its own start event; a run it started keeps that one.
		started := sent[rr+" "+wfev1.AuditEventStarted] + sent[rr+" "+wfev1.AuditEventWorkflowStarted]
		require.Positive(t, started, "the start event of %s reached DataStorage", rr)
		require.Positive(t, sent[rr+" "+wfev1.AuditEventCompleted], "%s of %s reached DataStorage", wfev1.AuditEventCompleted, rr)
		dups += started - 1 + sent[rr+" "+wfev1.AuditEventCompleted] - 1
	}
	t.Logf("audit events sent twice during the upgrade: %d (of %d)", dups, 40+dups)
	assert.LessOrEqual(t, dups, 20, "only events acknowledged as a replica stopped are sent again")
}
