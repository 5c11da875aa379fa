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

package install

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

func TestTheInstallManifestsAreAcceptedByTheAPIServer(t *testing.T) {
	cp := controlplane.Start(t, controlplane.WithCRDs(certManagerCRDs(t)))
	// A server-side dry run persists nothing, so the namespace the objects go
	// to must exist for real.
	cp.MustKubectl(t, "create", "namespace", namespace)
	for _, overlay := range []string{"default", "self-managed"} {
		t.Run(overlay, func(t *testing.T) {
			out, err := cp.KubectlStdin(t.Context(), render(t, overlay), "apply", "--server-side", "--dry-run=server", "-f", "-")
			require.NoError(t, err)
			for _, obj := range []string{
				"customresourcedefinition.apiextensions.k8s.io/workflowexecutions.workflowexecution.kubernaut.ai",
				"deployment.apps/wfe-conditions-controller-manager", "service/wfe-conditions-webhook-service",
				"mutatingwebhookconfiguration.admissionregistration.k8s.io/wfe-conditions-mutating-webhook-configuration",
				"clusterrole.rbac.authorization.k8s.io/wfe-conditions-manager-role", "poddisruptionbudget.policy/wfe-conditions-controller-manager",
			} {
				assert.Contains(t, out, obj+" serverside-applied (server dry run)")
			}
			if overlay == "default" {
				assert.Contains(t, out, "certificate.cert-manager.io/wfe-conditions-serving-cert serverside-applied (server dry run)")
				assert.Contains(t, out, "issuer.cert-manager.io/wfe-conditions-ca-issuer serverside-applied (server dry run)")
			} else {
				assert.NotContains(t, out, "cert-manager.io")
			}
		})
	}
}

func TestTheWebhookConfigurationIsSafeForTheCluster(t *testing.T) {
	manifest := string(render(t, "default"))
	for _, want := range []string{
		"failurePolicy: Ignore", "sideEffects: None", "timeoutSeconds: 3", "- v1",
		"cert-manager.io/inject-ca-from: wfe-conditions-system/wfe-conditions-serving-cert",
		"- kube-system", "- kube-node-lease", "- wfe-conditions-system",
		"resources:\n    - workflowexecutions/status",
	} {
		assert.Contains(t, manifest, want)
	}
	for _, want := range []string{"readOnlyRootFilesystem: true", "allowPrivilegeEscalation: false", "runAsNonRoot: true",
		"type: RuntimeDefault", "- ALL", "replicas: 2", "--leader-elect", "kind: PodDisruptionBudget", "topologySpreadConstraints"} {
		assert.Contains(t, manifest, want)
	}
	hooks, _ := renderedObjects(t, "default")
	require.Len(t, hooks.Webhooks, 2)
	for _, h := range hooks.Webhooks {
		assert.NotNil(t, h.NamespaceSelector, "%s skips the system namespaces", h.Name)
	}
}
