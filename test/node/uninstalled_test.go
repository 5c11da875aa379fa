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
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/cluster"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	releases "kubernaut.ai/wfe-conditions/test/framework/release"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// These run after undeploy_test.go (Go runs a package's tests in file-name
// order), on a node `make undeploy` left without the product: an operator's
// path from the release's artifacts, nothing built on the cluster's side.
func TestAnOperatorInstallsFromTheReleaseArtifacts(t *testing.T) {
	ctx := t.Context()
	rel, err := releases.Make(t.TempDir(), "v0.0.0-node", "localhost/wfe-conditions")
	require.NoError(t, err)
	digest, err := rel.Digest()
	require.NoError(t, err)
	require.NoError(t, node.ImportImage(ctx, rel.OCIArchive()), "containerd imports the OCI layout's tarball")
	image := rel.Repo + "@" + digest

	t.Run("install-self-managed.yaml, then a run through it", func(t *testing.T) {
		kubectl(ctx, t, "apply", "--server-side", "-f", rel.File("install-self-managed.yaml"))
		// What this node needs and the release's defaults do not say: no
		// bundle resolver here, and our DataStorage test server.
		require.NoError(t, node.UpdateDeployment(ctx, func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Args = append(c.Args, "--pipeline-source=cluster", "--datastorage-url="+ds.URL)
		}))
		require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
		pods, err := node.ManagerPods(ctx)
		require.NoError(t, err)
		for _, p := range pods {
			assert.Equal(t, image, p.Spec.Containers[0].Image, "the pod runs the release's image by its index digest")
		}
		runToCompletion(t, "from-release-manifest")
		kubectl(ctx, t, "delete", "workflowexecutions", "--all", "-n", ns, "--wait=true", "--timeout=60s")
		kubectl(ctx, t, "delete", "--wait=true", "--timeout=180s", "-f", rel.File("install-self-managed.yaml"))
	})

	t.Run("its chart with Helm: two Ready replicas, a run, an upgrade, an uninstall with runs in flight", func(t *testing.T) {
		helmInstallUpgradeUninstall(ctx, t, rel, image)
	})
}

// runToCompletion runs the greets pipeline to success, audited.
func runToCompletion(t *testing.T, name string) *wfev1.WorkflowExecution {
	t.Helper()
	we := wetest.New(ns, name, wetest.Pipeline("greets"))
	require.NoError(t, node.Client.Create(t.Context(), we))
	return wetest.WaitFor(t, node.Client, we, 2*time.Minute, wetest.All(
		wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded), wetest.AuditedIs(metav1.ConditionTrue)))
}

// kubectl runs the built kubectl as the node's administrator and returns its
// output.
func kubectl(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(node.Bin, "kubectl"), append([]string{"--kubeconfig", node.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "kubectl %v: %s", args, out)
	return string(out)
}

func helmInstallUpgradeUninstall(ctx context.Context, t *testing.T, rel releases.Release, image string) {
	for _, obj := range append([]client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: runs}}}, pipelinesAsObjects(runs)...) {
		if err := node.Client.Create(ctx, obj); !apierrors.IsAlreadyExists(err) {
			require.NoError(t, err)
		}
	}
	flags := genericclioptions.NewConfigFlags(false)
	kubeconfig, namespace := node.Kubeconfig, wfev1.InstallNamespace
	flags.KubeConfig, flags.Namespace = &kubeconfig, &namespace
	cfg := &action.Configuration{}
	require.NoError(t, cfg.Init(flags, namespace, "secret", t.Logf))
	chart, err := loader.Load(rel.Chart())
	require.NoError(t, err)
	values, err := chartutil.ReadValues([]byte(`
certificates: {mode: selfManaged}
executionPolicy: {executionNamespace: ` + runs + `, requireBundleDigest: false}
dataStorage: {url: "` + ds.URL + `"}
extraArgs: [--pipeline-source=cluster]
`))
	require.NoError(t, err)

	began := time.Now()
	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace, install.CreateNamespace = "wfe-conditions", namespace, true
	install.Wait, install.Timeout = true, 4*time.Minute
	installed, err := install.RunWithContext(ctx, chart, values)
	require.NoError(t, err)
	require.Equal(t, release.StatusDeployed, installed.Info.Status)
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute), "two Ready replicas serving the webhook")
	t.Logf("helm install of the packaged chart to two Ready replicas: %s", time.Since(began).Round(time.Millisecond))
	pods, err := node.ManagerPods(ctx)
	require.NoError(t, err)
	assert.Equal(t, image, pods[0].Spec.Containers[0].Image)
	first := runToCompletion(t, "from-helm")
	assert.Equal(t, runs, first.Status.PipelineRunRef.Namespace)

	began = time.Now()
	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace, upgrade.Wait, upgrade.Timeout = namespace, true, 4*time.Minute
	values["podAnnotations"] = map[string]any{"example.com/upgraded": "true"}
	values["retention"] = map[string]any{"succeeded": retain.String(), "failed": retain.String()}
	upgraded, err := upgrade.RunWithContext(ctx, "wfe-conditions", chart, values)
	require.NoError(t, err)
	assert.Equal(t, 2, upgraded.Version)
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
	t.Logf("helm upgrade to two Ready replicas: %s", time.Since(began).Round(time.Millisecond))
	prunedWithItsPods(t, runToCompletion(t, "after-helm-upgrade"))
	retainedThroughAnOutage(t)

	inFlight := wetest.New(ns, "in-flight-at-uninstall", wetest.Pipeline("sleeps"))
	require.NoError(t, node.Client.Create(ctx, inFlight))
	wetest.WaitFor(t, node.Client, inFlight, 2*time.Minute, func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(wfev1.ConditionTektonPipelineRunning)
		return c != nil && c.Status == metav1.ConditionTrue && controllerutil.ContainsFinalizer(we, wfev1.FinalizerAudit) &&
			controllerutil.ContainsFinalizer(we, wfev1.FinalizerPipelineRunCleanup)
	})

	began = time.Now()
	uninstall := action.NewUninstall(cfg)
	uninstall.Wait, uninstall.Timeout = true, 5*time.Minute // Helm's default timeout
	_, err = uninstall.Run("wfe-conditions")
	require.NoError(t, err)
	t.Logf("helm uninstall with a run in flight, its pre-delete hook on a real pod: %s", time.Since(began).Round(time.Millisecond))

	require.NoError(t, node.Client.Get(ctx, client.ObjectKey{Name: "workflowexecutions.workflowexecution.kubernaut.ai"}, &apiextensionsv1.CustomResourceDefinition{}),
		"the CRD is kept")
	wes := &wfev1.WorkflowExecutionList{}
	require.NoError(t, node.Client.List(ctx, wes, client.InNamespace(ns)))
	require.Len(t, wes.Items, 4, "every WorkflowExecution is kept")
	for _, we := range wes.Items {
		assert.NotContains(t, we.Finalizers, wfev1.FinalizerAudit, we.Name)
		assert.NotContains(t, we.Finalizers, wfev1.FinalizerPipelineRunCleanup, we.Name)
	}
	prs := &tektonv1.PipelineRunList{}
	require.NoError(t, node.Client.List(ctx, prs, client.InNamespace(runs), client.HasLabels{wfev1.LabelWorkflowExecutionUID}))
	assert.Empty(t, prs.Items, "no PipelineRun of ours is left in the execution namespace")
	err = node.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: cluster.Deployment}, &appsv1.Deployment{})
	assert.True(t, apierrors.IsNotFound(err), "the manager is gone: %v", err)

	require.NoError(t, node.Client.Delete(ctx, inFlight))
	assert.Eventually(t, func() bool {
		return apierrors.IsNotFound(node.Client.Get(ctx, client.ObjectKeyFromObject(inFlight), &wfev1.WorkflowExecution{}))
	}, 10*time.Second, 100*time.Millisecond, "a later delete completes")
}

// retain is the retention the Helm upgrade sets for both outcomes.
const retain = 5 * time.Second

// prunedWithItsPods waits until retention deleted the finished run's
// PipelineRun, then until the garbage collector removed its TaskRuns and
// pods; the execution-namespace finalizer goes with them.
func prunedWithItsPods(t *testing.T, we *wfev1.WorkflowExecution) {
	t.Helper()
	got := wetest.WaitFor(t, node.Client, we, time.Minute, func(we *wfev1.WorkflowExecution) bool {
		return we.Status.PipelineRunPrunedAt != nil && !controllerutil.ContainsFinalizer(we, wfev1.FinalizerPipelineRunCleanup)
	})
	ref := got.Status.PipelineRunRef
	selector := client.MatchingLabels{"tekton.dev/pipelineRun": ref.Name}
	require.Eventually(t, func() bool {
		trs, pods := &tektonv1.TaskRunList{}, &corev1.PodList{}
		return node.Client.List(t.Context(), trs, client.InNamespace(runs), selector) == nil && len(trs.Items) == 0 &&
			node.Client.List(t.Context(), pods, client.InNamespace(runs), selector) == nil && len(pods.Items) == 0 &&
			apierrors.IsNotFound(node.Client.Get(t.Context(), client.ObjectKey{Namespace: runs, Name: ref.Name}, &tektonv1.PipelineRun{}))
	}, 2*time.Minute, 500*time.Millisecond, "the PipelineRun of %s, its TaskRuns and pods are gone", we.Name)
	t.Logf("%s: PipelineRun pruned %s after its acknowledged audit (retention %s); its TaskRuns and pods gone %s after the prune",
		we.Name, got.Status.PipelineRunPrunedAt.Sub(got.Condition(wfev1.ConditionAuditRecorded).LastTransitionTime.Time), retain,
		time.Since(got.Status.PipelineRunPrunedAt.Time).Round(time.Second))
	require.NotNil(t, got.Status.PipelineRunStatus, "the summary stays")
}

// retainedThroughAnOutage: while DataStorage answers 503, a finished run's
// PipelineRun stays; once its audit is acknowledged, it goes.
func retainedThroughAnOutage(t *testing.T) {
	t.Helper()
	ds.SetFault(datastorage.Unavailable)
	t.Cleanup(func() { ds.SetFault(datastorage.Fault{}) })
	we := wetest.New(ns, "retained-through-outage", wetest.Pipeline("greets"))
	require.NoError(t, node.Client.Create(t.Context(), we))
	done := wetest.WaitFor(t, node.Client, we, 2*time.Minute, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	time.Sleep(3 * retain)
	held := &wfev1.WorkflowExecution{}
	require.NoError(t, node.Client.Get(t.Context(), client.ObjectKeyFromObject(we), held))
	assert.Nil(t, held.Status.PipelineRunPrunedAt, "kept while DataStorage is down")
	require.NoError(t, node.Client.Get(t.Context(), client.ObjectKey{Namespace: runs, Name: done.Status.PipelineRunRef.Name}, &tektonv1.PipelineRun{}),
		"its PipelineRun is still there %s after the run ended", 3*retain)
	ds.SetFault(datastorage.Fault{})
	prunedWithItsPods(t, we)
}

// pipelinesAsObjects is pipelines(namespace) as client objects.
func pipelinesAsObjects(namespace string) []client.Object {
	var out []client.Object
	for _, p := range pipelines(namespace) {
		out = append(out, p)
	}
	return out
}
