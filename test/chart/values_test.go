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
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

var digest64 = strings.Repeat("ab", 32)

// find returns the rendered object of that kind and name as YAML, or "".
func find(t *testing.T, manifest, kind, name string) string {
	t.Helper()
	for _, u := range decode(t, []byte(manifest)) {
		if u.GetKind() == kind && u.GetName() == name {
			b, err := yaml.Marshal(u.Object)
			require.NoError(t, err)
			return string(b)
		}
	}
	return ""
}

func TestValuesReachTheObjects(t *testing.T) {
	for _, tc := range []struct {
		name, values, kind, object string
		want, absent               []string
	}{
		{"the execution policy keys reach the admission policy's variable", `executionPolicy:
  defaultServiceAccount: workflow-runner
  allowedBundlePrefixes: [registry.example.com/team-a, ghcr.io/acme/workflows]
  requireBundleDigest: true`, "ValidatingAdmissionPolicy", "wfe-conditions-execution",
			[]string{`"defaultServiceAccount": "workflow-runner"`, `"allowedBundlePrefixes": "registry.example.com/team-a,ghcr.io/acme/workflows"`,
				`"requireBundleDigest": "true"`, `"executionNamespace": ""`}, nil},
		{"DataStorage with a token and a CA ConfigMap becomes flags and read-only volumes", `dataStorage:
  url: https://data-storage.kubernaut-system:8443
  tokenSecret: {name: ds-token, key: bearer}
  ca: {configMap: ds-ca}`, "Deployment", "wfe-conditions-controller-manager",
			[]string{"- --datastorage-url=https://data-storage.kubernaut-system:8443",
				"- --datastorage-token-file=/var/run/secrets/wfe-conditions/datastorage-token/token",
				"- --datastorage-ca-file=/etc/wfe-conditions/datastorage-ca/ca.crt",
				"secretName: ds-token", "- key: bearer\n            path: token", "name: ds-ca", "- key: ca.crt\n            path: ca.crt",
				"mountPath: /var/run/secrets/wfe-conditions/datastorage-token\n          name: datastorage-token\n          readOnly: true",
				"mountPath: /etc/wfe-conditions/datastorage-ca\n          name: datastorage-ca\n          readOnly: true"}, nil},
		{"a CA from a Secret is mounted from that Secret", `dataStorage: {url: "https://ds:8443", ca: {secret: ds-ca-secret, key: bundle.pem}}`,
			"Deployment", "wfe-conditions-controller-manager",
			[]string{"- --datastorage-ca-file=/etc/wfe-conditions/datastorage-ca/ca.crt", "secretName: ds-ca-secret", "- key: bundle.pem"},
			[]string{"datastorage-token", "configMap:"}},
		{"metrics off: no endpoint, no port, no metrics name in the certificate", "metrics: {enabled: false}",
			"Deployment", "wfe-conditions-controller-manager", []string{"- --metrics-bind-address=0"}, []string{"8443", "--metrics-secure"}},
		{"the ServiceMonitor's binding names the Prometheus ServiceAccount", "metrics: {serviceMonitor: {enabled: true, prometheusServiceAccount: {name: prometheus, namespace: observability}}}",
			"ClusterRoleBinding", "wfe-conditions-metrics-reader", []string{"name: prometheus\n  namespace: observability"}, []string{"prometheus-k8s"}},
		{"retention reaches the manager's flags", `retention: {succeeded: 24h, failed: 168h}`, "Deployment", "wfe-conditions-controller-manager",
			[]string{"- --retain-succeeded=24h", "- --retain-failed=168h"}, nil},
		{"no retention by default: every PipelineRun is kept", "", "Deployment", "wfe-conditions-controller-manager",
			nil, []string{"--retain-"}},
		{"no DataStorage, no audit flags or volumes", "", "Deployment", "wfe-conditions-controller-manager",
			nil, []string{"datastorage"}},
		{"image, replicas, resources and extra flags reach the Deployment", `image: {repository: registry.example/wfe-conditions, tag: v9.9.9, pullPolicy: Always}
replicas: 3
resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 512Mi}}
extraArgs: [--pipeline-source=cluster]`, "Deployment", "wfe-conditions-controller-manager",
			[]string{"image: registry.example/wfe-conditions:v9.9.9", "imagePullPolicy: Always", "replicas: 3",
				"cpu: 100m", "memory: 128Mi", "memory: 512Mi", "- --pipeline-source=cluster"}, []string{"memory: 64Mi", "memory: 256Mi"}},
		{"the CRD is kept when the release is uninstalled", "", "CustomResourceDefinition", "workflowexecutions.workflowexecution.kubernaut.ai",
			[]string{"helm.sh/resource-policy: keep", "controller-gen.kubebuilder.io/version"}, nil},
		{"a digest pins the image and the tag is ignored", "image: {repository: registry.example/wfe-conditions, tag: v9, digest: sha256:" + digest64 + "}",
			"Deployment", "wfe-conditions-controller-manager", []string{"image: registry.example/wfe-conditions@sha256:" + digest64}, []string{":v9"}},
		{"pull secrets, pod annotations and labels, extra env and affinity reach the pods", `imagePullSecrets: [{name: regcred}]
podAnnotations: {prometheus.io/note: scraped-elsewhere}
podLabels: {team: platform}
env: [{name: GOMEMLIMIT, value: 200MiB}]
affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [system]}]}]}}}`,
			"Deployment", "wfe-conditions-controller-manager",
			[]string{"imagePullSecrets:\n      - name: regcred", "prometheus.io/note: scraped-elsewhere", "team: platform",
				"- name: GOMEMLIMIT\n          value: 200MiB", "- name: POD_NAMESPACE", "key: pool"}, nil},
		{"topologySpreadConstraints replace the built-in spread", `topologySpreadConstraints: [{maxSkew: 2, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}]`,
			"Deployment", "wfe-conditions-controller-manager",
			[]string{"topologyKey: topology.kubernetes.io/zone", "maxSkew: 2"}, []string{"kubernetes.io/hostname"}},
		{"the ServiceMonitor carries the labels Prometheus selects by, an interval and Secret credentials", `metrics:
  serviceMonitor: {enabled: true, labels: {release: kube-prometheus-stack}, interval: 30s, authorization: {secret: scrape-token, key: token}}`,
			"ServiceMonitor", "wfe-conditions-controller-manager",
			[]string{"release: kube-prometheus-stack", "interval: 30s", "authorization:\n      credentials:\n        key: token\n        name: scrape-token\n      type: Bearer"},
			[]string{"bearerTokenFile"}},
		{"by default the ServiceMonitor reads Prometheus's own token file", `metrics: {serviceMonitor: {enabled: true}}`,
			"ServiceMonitor", "wfe-conditions-controller-manager", []string{"bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"},
			[]string{"authorization", "interval"}},
		{"the PrometheusRule carries the labels Prometheus selects by", `metrics: {prometheusRule: {enabled: true, labels: {release: kube-prometheus-stack}}}`,
			"PrometheusRule", "wfe-conditions-alerts", []string{"release: kube-prometheus-stack"}, nil},
		{"the NetworkPolicy follows the platform's namespaces", `networkPolicy: {monitoringNamespace: observability, dataStorageNamespace: audit, dataStoragePort: 9443}`,
			"NetworkPolicy", "wfe-conditions-controller-manager",
			[]string{"kubernetes.io/metadata.name: observability", "kubernetes.io/metadata.name: audit", "port: 9443"}, []string{"kubernaut-system"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := find(t, render(t, tc.values).Manifest, tc.kind, tc.object)
			require.NotEmpty(t, obj, "%s %s rendered", tc.kind, tc.object)
			for _, w := range tc.want {
				assert.Contains(t, obj, w)
			}
			for _, a := range tc.absent {
				assert.NotContains(t, obj, a)
			}
		})
	}
}

func TestValuesTurnObjectsOff(t *testing.T) {
	for _, tc := range []struct {
		name, values, kind, object string
	}{
		{"crds.install false leaves the CRD to the operator", "crds: {install: false}",
			"CustomResourceDefinition", "workflowexecutions.workflowexecution.kubernaut.ai"},
		{"one replica has no PodDisruptionBudget that would block drains", "replicas: 1",
			"PodDisruptionBudget", "wfe-conditions-controller-manager"},
		{"networkPolicy.enabled false renders no NetworkPolicy", "networkPolicy: {enabled: false}",
			"NetworkPolicy", "wfe-conditions-controller-manager"},
		{"metrics.enabled false renders no metrics Service", "metrics: {enabled: false}",
			"Service", "wfe-conditions-metrics-service"},
		{"metrics.enabled false renders no metrics-reader ClusterRole", "metrics: {enabled: false}",
			"ClusterRole", "wfe-conditions-metrics-reader"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotEmpty(t, find(t, render(t, "").Manifest, tc.kind, tc.object), "rendered by default")
			assert.Empty(t, find(t, render(t, tc.values).Manifest, tc.kind, tc.object))
		})
	}
}

func TestTheSchemaRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		name, values, want string
	}{
		{"an unknown certificate mode", "certificates: {mode: vault}", "certificates/mode"},
		{"no replica", "replicas: 0", "replicas"},
		{"a retention that is no Go duration", "retention: {failed: 7d}", "retention"},
		{"replicas that are not a number", "replicas: two", "replicas"},
		{"a ServiceMonitor without metrics", "metrics: {enabled: false, serviceMonitor: {enabled: true}}", "metrics/enabled"},
		{"a ServiceMonitor granting no ServiceAccount", "metrics: {serviceMonitor: {enabled: true, prometheusServiceAccount: {name: ''}}}", "prometheusServiceAccount"},
		{"a misspelt top-level key", "replica: 3", "replica"},
		{"a digest that is not sha256", "image: {digest: 'sha256:abc'}", "image/digest"},
		{"a pull secret without a name", "imagePullSecrets: [{}]", "imagePullSecrets"},
		{"ServiceMonitor credentials without a key", "metrics: {serviceMonitor: {enabled: true, authorization: {secret: s}}}", "authorization"},
		{"a scrape interval that is no duration", "metrics: {serviceMonitor: {interval: often}}", "interval"},
		{"a pod label that is not a string", "podLabels: {tier: 3}", "podLabels"},
		{"a misspelt nested key", "executionPolicy: {executionNamepsace: x}", "executionNamepsace"},
		{"an execution namespace that is no namespace name", "executionPolicy: {executionNamespace: Team_A}", "executionNamespace"},
		{"a bundle prefix list written as one comma-separated string", "executionPolicy: {allowedBundlePrefixes: 'a.io/x,b.io/y'}", "allowedBundlePrefixes"},
		{"a bundle prefix holding a comma", "executionPolicy: {allowedBundlePrefixes: ['a.io/x,b.io/y']}", "allowedBundlePrefixes"},
		{"requireBundleDigest as a word", "executionPolicy: {requireBundleDigest: 'yes'}", "requireBundleDigest"},
		{"a DataStorage URL that is not http or https", "dataStorage: {url: 'ftp://ds'}", "url"},
		{"a token with no DataStorage URL", "dataStorage: {tokenSecret: {name: ds-token}}", "dataStorage"},
		{"a CA from both a ConfigMap and a Secret", "dataStorage: {url: 'https://ds', ca: {configMap: a, secret: b}}", "ca"},
		{"an unknown pull policy", "image: {pullPolicy: Sometimes}", "pullPolicy"},
		{"an empty image repository", "image: {repository: ''}", "repository"},
		{"an extra argument that is no flag", "extraArgs: [cluster]", "extraArgs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := template(loadChart(t), values(t, tc.values))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "values don't meet the specifications of the schema")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestTheDashboardValueRendersAConfigMapGrafanaLoads(t *testing.T) {
	assert.Empty(t, find(t, render(t, "").Manifest, "ConfigMap", "wfe-conditions-dashboard"), "off by default")
	obj := find(t, render(t, "dashboard: {enabled: true, labels: {team: sre}}").Manifest, "ConfigMap", "wfe-conditions-dashboard")
	require.NotEmpty(t, obj)
	cm := &corev1.ConfigMap{}
	require.NoError(t, yaml.Unmarshal([]byte(obj), cm))
	assert.Equal(t, "1", cm.Labels["grafana_dashboard"])
	assert.Equal(t, "sre", cm.Labels["team"])
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(root, "config", "components", "dashboard", "dashboard.json"))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), cm.Data["wfe-conditions.json"], "the dashboard, whole")
}
