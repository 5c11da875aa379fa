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
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

const (
	crdName = "workflowexecutions.workflowexecution.kubernaut.ai"
	crdFile = "files/workflowexecution.kubernaut.ai_workflowexecutions.yaml"
)

// helmConfig is what `helm --kubeconfig <cp> -n <namespace>` would use:
// releases stored as Secrets in the release namespace.
func helmConfig(t *testing.T, cp *controlplane.ControlPlane) *action.Configuration {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	kubeconfig, ns := cp.Kubeconfig, namespace
	flags.KubeConfig, flags.Namespace = &kubeconfig, &ns
	cfg := &action.Configuration{}
	require.NoError(t, cfg.Init(flags, namespace, "secret", t.Logf))
	return cfg
}

func TestHelmInstallsUpgradesAndUninstallsTheChart(t *testing.T) {
	t.Parallel() // the control plane starts while the other tests render
	cp := controlplane.Start(t, controlplane.WithoutOurCRD(), controlplane.WithCRDs(thirdPartyCRDs(t)...))
	ctx := t.Context()
	cfg := helmConfig(t, cp)

	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace, install.CreateNamespace = releaseName, namespace, true
	install.Timeout = time.Minute
	rel, err := install.RunWithContext(ctx, loadChart(t), values(t, ""))
	require.NoError(t, err)
	assert.Equal(t, release.StatusDeployed, rel.Info.Status)
	objs := decode(t, []byte(rel.Manifest))
	require.NotEmpty(t, objs)
	for _, u := range objs {
		assert.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(u), u.DeepCopy()), "%s %s", u.GetKind(), u.GetName())
	}

	// The next release of the chart, as a user would upgrade to it: a CRD
	// change (Helm would never apply one from crds/) and new values, among
	// them the optional monitoring objects.
	next := loadChart(t)
	next.Metadata.Version = "0.2.1"
	changed := false
	for _, f := range next.Files {
		if f.Name == crdFile {
			before := f.Data
			f.Data = bytes.Replace(f.Data, []byte("    categories:\n    - kubernaut\n"), []byte("    categories:\n    - kubernaut\n    - wfe\n"), 1)
			changed = !bytes.Equal(before, f.Data)
		}
	}
	require.True(t, changed, "the CRD in %s has the category kubernaut", crdFile)
	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace, upgrade.Timeout = namespace, time.Minute
	rel, err = upgrade.RunWithContext(ctx, releaseName, next, values(t, `replicas: 3
executionPolicy: {allowedBundlePrefixes: [ghcr.io/acme]}
metrics: {serviceMonitor: {enabled: true}, prometheusRule: {enabled: true}}`))
	require.NoError(t, err)
	assert.Equal(t, release.StatusDeployed, rel.Info.Status)
	assert.Equal(t, 2, rel.Version)

	crd := &apiextensionsv1.CustomResourceDefinition{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Name: crdName}, crd))
	assert.Contains(t, crd.Spec.Names.Categories, "wfe", "the CRD was upgraded")
	assert.Equal(t, "wfe-conditions-0.2.1", crd.Labels["helm.sh/chart"])
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Name: wfev1.ExecutionPolicyName}, policy))
	require.Equal(t, wfev1.ExecutionPolicyVariable, policy.Spec.Variables[0].Name)
	parsed, err := wfev1.ParseExecutionPolicy(policy.Spec.Variables[0].Expression)
	require.NoError(t, err)
	assert.Equal(t, []string{"ghcr.io/acme"}, parsed.AllowedBundlePrefixes)
	deployment := &appsv1.Deployment{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "wfe-conditions-controller-manager"}, deployment))
	assert.Equal(t, int32(3), *deployment.Spec.Replicas)
	for _, u := range decode(t, []byte(rel.Manifest)) {
		assert.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(u), u.DeepCopy()), "%s %s", u.GetKind(), u.GetName())
	}
	assert.Contains(t, rel.Manifest, "kind: ServiceMonitor")
	assert.Contains(t, rel.Manifest, "kind: PrometheusRule")

	// Uninstalling removes the release's objects but keeps the CRD, and with
	// it the WorkflowExecutions.
	// No webhook runs here: the creator records where and as whom.
	we := wetest.New("default", "survives-uninstall", wetest.Workflow("restart", "v1.0.0", "ghcr.io/acme/workflows/restart:v1.0.0"),
		wetest.RunIn("default"), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount))
	require.NoError(t, cp.Client.Create(ctx, we))
	uninstall := action.NewUninstall(cfg)
	uninstall.DisableHooks = true // its Job needs a kubelet: the real-node layer runs it
	_, err = uninstall.Run(releaseName)
	require.NoError(t, err)
	assert.True(t, apierrors.IsNotFound(cp.Client.Get(ctx, client.ObjectKeyFromObject(deployment), deployment)), "the Deployment is gone")
	assert.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(crd), crd), "the CRD is kept")
	assert.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(we), we), "the WorkflowExecution is kept")
}
