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

package chart

import (
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"helm.sh/helm/v3/pkg/action"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// The pre-delete hook's work, run as its Job runs it (the manager's
// ServiceAccount plus the hook's Role; this control plane has no kubelet to
// run the Job itself, the real-node layer does): afterwards no
// WorkflowExecution keeps a finalizer of ours, none of our PipelineRuns is
// left in the execution namespace, one being deleted goes with a Warning
// Event, and a later delete completes.
func TestTheUninstallHookReleasesEveryFinalizerAndPipelineRunOfOurs(t *testing.T) {
	t.Parallel()
	const runs, oldRuns = "runs", "old-runs"
	cp := controlplane.Start(t, controlplane.WithoutOurCRD(), controlplane.WithCRDs(thirdPartyCRDs(t)...))
	ctx := t.Context()
	cp.CreateNamespace(t, runs)
	cp.CreateNamespace(t, oldRuns)
	cfg := helmConfig(t, cp)
	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace, install.CreateNamespace = releaseName, namespace, true
	install.Timeout = time.Minute
	rel, err := install.RunWithContext(ctx, loadChart(t), values(t, "executionPolicy: {executionNamespace: "+runs+", previousExecutionNamespaces: ["+oldRuns+"], requireBundleDigest: false}"))
	require.NoError(t, err)

	var job *batchv1.Job
	for _, h := range rel.Hooks {
		for _, u := range decode(t, []byte(h.Manifest)) {
			if u.GetKind() == "Job" {
				job = &batchv1.Job{}
				require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, job))
				continue
			}
			require.NoError(t, cp.Client.Create(ctx, u), "hook %s %s", u.GetKind(), u.GetName())
		}
	}
	require.NotNil(t, job, "the chart has a pre-delete Job")
	assert.Equal(t, "pre-delete", job.Annotations["helm.sh/hook"])
	assert.Equal(t, "wfe-conditions-controller-manager", job.Spec.Template.Spec.ServiceAccountName)
	require.NotEmpty(t, job.Spec.Template.Spec.Containers[0].Args)
	assert.Equal(t, wiring.ReleaseCommand, job.Spec.Template.Spec.Containers[0].Args[0], "the Job runs the manager image's subcommand")

	// Without our webhook the creator records where and as whom.
	held := func(name string, finalizers ...string) *wfev1.WorkflowExecution {
		we := wetest.New("default", name, wetest.Pipeline("p"), wetest.RunIn(runs), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount))
		we.Finalizers = finalizers
		require.NoError(t, cp.Client.Create(ctx, we))
		return we
	}
	running := held("running", wfev1.FinalizerAudit, wfev1.FinalizerPipelineRunCleanup)
	deleting := held("deleting", wfev1.FinalizerAudit)
	require.NoError(t, cp.Client.Delete(ctx, deleting))
	other := held("others-finalizer", "example.com/keep")
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: runs, Name: "wfe-running", Labels: map[string]string{
		wfev1.LabelWorkflowExecution: running.Name, wfev1.LabelSourceNamespace: running.Namespace, wfev1.LabelWorkflowExecutionUID: string(running.UID),
	}}, Spec: tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "p"}}}
	require.NoError(t, cp.Client.Create(ctx, pr))
	// One started under the previous execution namespace: nothing owns it there either.
	earlier := pr.DeepCopy()
	earlier.ResourceVersion, earlier.UID, earlier.Namespace, earlier.Name = "", "", oldRuns, "wfe-earlier"
	require.NoError(t, cp.Client.Create(ctx, earlier))

	opts := wiring.ReleaseOptions{Namespace: namespace, Deployment: "wfe-conditions-controller-manager",
		ExecutionPolicy: wfev1.ExecutionPolicyName, StopTimeout: 30 * time.Second}
	require.NoError(t, wiring.Release(ctx, cp.ControllerConfig(), opts, testr.New(t)))

	d := &appsv1.Deployment{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: opts.Deployment}, d))
	assert.Equal(t, int32(0), *d.Spec.Replicas, "the manager was stopped first")
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(running), running))
	assert.Empty(t, running.Finalizers, "our finalizers are gone")
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(other), other))
	assert.Equal(t, []string{"example.com/keep"}, other.Finalizers, "another's finalizer stays")
	assert.True(t, apierrors.IsNotFound(cp.Client.Get(ctx, client.ObjectKeyFromObject(deleting), deleting)), "the one being deleted is gone")
	assert.True(t, apierrors.IsNotFound(cp.Client.Get(ctx, client.ObjectKeyFromObject(pr), pr)), "no PipelineRun of ours is left in %s", runs)
	assert.True(t, apierrors.IsNotFound(cp.Client.Get(ctx, client.ObjectKeyFromObject(earlier), earlier)), "nor in %s", oldRuns)
	evs := &eventsv1.EventList{}
	require.NoError(t, cp.Client.List(ctx, evs, client.InNamespace("default")))
	var notes []string
	for _, e := range evs.Items {
		if e.Reason == "AuditAbandoned" && e.Regarding.Name == deleting.Name && e.Type == corev1.EventTypeWarning {
			notes = append(notes, e.Note)
		}
	}
	require.Len(t, notes, 1, "one Warning Event for the WorkflowExecution released while being deleted")
	assert.Contains(t, notes[0], "terminal event")

	// Run again with the execution policy gone (a rerun after a partial
	// uninstall): nothing left to do, and no error.
	require.NoError(t, cp.Client.Delete(ctx, &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: wfev1.ExecutionPolicyName}}))
	require.NoError(t, wiring.Release(ctx, cp.ControllerConfig(), opts, testr.New(t)), "a rerun without the execution policy")

	uninstall := action.NewUninstall(cfg)
	uninstall.DisableHooks = true // run above
	_, err = uninstall.Run(releaseName)
	require.NoError(t, err)
	require.NoError(t, cp.Client.Delete(ctx, running))
	assert.Eventually(t, func() bool {
		return apierrors.IsNotFound(cp.Client.Get(ctx, client.ObjectKeyFromObject(running), running))
	}, 10*time.Second, 100*time.Millisecond, "a later delete completes with no manager")
	assert.False(t, controllerutil.ContainsFinalizer(other, wfev1.FinalizerAudit))
}
