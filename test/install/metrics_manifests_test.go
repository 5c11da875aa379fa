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
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// prometheusOperatorCRD is the ServiceMonitor CRD file in prometheus-operator's
// Go module.
func prometheusOperatorCRD(t *testing.T) string {
	t.Helper()
	dir, err := paths.ModuleDir("github.com/prometheus-operator/prometheus-operator@v0.85.0")
	require.NoError(t, err)
	return filepath.Join(dir, "example", "prometheus-operator-crd", "monitoring.coreos.com_servicemonitors.yaml")
}

// renderWithPrometheus builds the overlay with components/prometheus added,
// as an operator would, from a copy of config/.
func renderWithPrometheus(t *testing.T, overlay string) []byte {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "config"))))
	k := filepath.Join(dir, overlay, "kustomization.yaml")
	data, err := os.ReadFile(k)
	require.NoError(t, err)
	const metrics = "- ../components/metrics\n"
	require.Contains(t, string(data), metrics, "the overlay includes the metrics component")
	require.NoError(t, os.WriteFile(k, []byte(strings.Replace(string(data), metrics, metrics+"- ../components/prometheus\n", 1)), 0o600))
	kustomize, err := paths.Binary("kustomize")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kustomize, "build", filepath.Join(dir, overlay))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	return stdout.Bytes()
}

func decodeAll(t *testing.T, manifest []byte) []*unstructured.Unstructured {
	t.Helper()
	objs, err := controlplane.DecodeObjects(manifest)
	require.NoError(t, err)
	return objs
}

func TestTheMetricsManifestsServeHTTPSThatTheServiceMonitorVerifies(t *testing.T) {
	cp := controlplane.Start(t, controlplane.WithCRDs(certManagerCRDs(t), prometheusOperatorCRD(t)))
	cp.MustKubectl(t, "create", "namespace", namespace)
	for _, overlay := range []string{"default", "self-managed"} {
		t.Run(overlay, func(t *testing.T) {
			manifest := renderWithPrometheus(t, overlay)
			objs := decodeAll(t, manifest)
			deploy := &appsv1.Deployment{}
			find(t, objs, "Deployment", "", deploy)
			svc := &corev1.Service{}
			find(t, objs, "Service", "wfe-conditions-metrics-service", svc)
			monitor := &unstructured.Unstructured{}
			find(t, objs, "ServiceMonitor", "", &monitor.Object)
			container := deploy.Spec.Template.Spec.Containers[0]
			svcDNS := svc.Name + "." + svc.Namespace + ".svc"

			t.Run("the Deployment serves HTTPS metrics on the port the Service targets", func(t *testing.T) {
				assert.Contains(t, container.Args, "--metrics-bind-address=:8443")
				assert.Contains(t, container.Args, "--metrics-secure")
				require.Len(t, svc.Spec.Ports, 1)
				p := svc.Spec.Ports[0]
				assert.Equal(t, "https", p.Name)
				assert.Equal(t, int32(8443), p.Port)
				assert.True(t, slices.ContainsFunc(container.Ports, func(c corev1.ContainerPort) bool {
					return c.Name == p.TargetPort.StrVal && c.ContainerPort == 8443
				}), "the Service targets the container's metrics port")
				for k, v := range svc.Spec.Selector {
					assert.Equal(t, v, deploy.Spec.Template.Labels[k], "the Service selects the manager pods")
				}
			})

			t.Run("the serving certificate names the metrics Service", func(t *testing.T) {
				if overlay == "self-managed" {
					assert.Contains(t, container.Args, "--metrics-service-name="+svc.Name)
					assert.Equal(t, deploy.Namespace, svc.Namespace, "the manager adds $POD_NAMESPACE to the name")
					return
				}
				cert := &unstructured.Unstructured{}
				find(t, objs, "Certificate", "wfe-conditions-serving-cert", &cert.Object)
				names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
				assert.Subset(t, names, []string{svcDNS, svcDNS + ".cluster.local"})
			})

			t.Run("the ServiceMonitor verifies the server with the mounted certificate's CA", func(t *testing.T) {
				endpoints, _, _ := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
				require.Len(t, endpoints, 1)
				e := endpoints[0].(map[string]any)
				assert.Equal(t, "https", e["scheme"])
				assert.Equal(t, svc.Spec.Ports[0].Name, e["port"])
				tlsConfig := e["tlsConfig"].(map[string]any)
				assert.NotContains(t, tlsConfig, "insecureSkipVerify")
				assert.Equal(t, svcDNS, tlsConfig["serverName"])
				ca, _, _ := unstructured.NestedStringMap(tlsConfig, "ca", "secret")
				i := slices.IndexFunc(deploy.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "webhook-certs" })
				require.GreaterOrEqual(t, i, 0)
				assert.Equal(t, map[string]string{"name": deploy.Spec.Template.Spec.Volumes[i].Secret.SecretName, "key": "ca.crt"}, ca)
				assert.Equal(t, svc.Namespace, monitor.GetNamespace(), "the CA Secret is read from the ServiceMonitor's namespace")
				selector, _, _ := unstructured.NestedStringMap(monitor.Object, "spec", "selector", "matchLabels")
				for k, v := range selector {
					assert.Equal(t, v, svc.Labels[k], "it selects the metrics Service")
				}
				binding := &rbacv1.ClusterRoleBinding{}
				find(t, objs, "ClusterRoleBinding", metricsReaderRole, binding)
				assert.Equal(t, metricsReaderRole, binding.RoleRef.Name, "Prometheus may get /metrics")
			})

			out, err := cp.KubectlStdin(t.Context(), manifest, "apply", "--server-side", "--dry-run=server", "-f", "-")
			require.NoError(t, err)
			for _, obj := range []string{"servicemonitor.monitoring.coreos.com/wfe-conditions-controller-manager",
				"service/wfe-conditions-metrics-service", "clusterrole.rbac.authorization.k8s.io/" + metricsReaderRole} {
				assert.Contains(t, out, obj+" serverside-applied (server dry run)")
			}
		})
	}
}
