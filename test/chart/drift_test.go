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
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// What the chart adds to every object (or to the CRD); the overlays have none
// of it, and the comparison ignores it.
var (
	chartLabels      = []string{"helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "app.kubernetes.io/version"}
	chartAnnotations = []string{"helm.sh/resource-policy"}
	// Cluster-scoped kinds kustomize's namespace transformer does not know:
	// it gives them the overlay's namespace, which the apiserver ignores.
	unknownClusterScoped = []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
)

func TestTheChartRendersWhatKustomizeBuilds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, overlay string
		components    []string // added to the overlay, from config/components
		values        string
	}{
		{"default values render config/default", "default", nil, ""},
		{"self-managed certificates render config/self-managed", "self-managed", nil, "certificates: {mode: selfManaged}"},
		{"an execution namespace renders config/execution-namespace", "execution-namespace", nil,
			"executionPolicy: {executionNamespace: kubernaut-workflows}"},
		{"the PrometheusRule renders config/default with components/alerts", "default", []string{"alerts"},
			"metrics: {prometheusRule: {enabled: true}}"},
		{"the ServiceMonitor renders config/default with components/prometheus", "default", []string{"prometheus"},
			"metrics: {serviceMonitor: {enabled: true}}"},
		{"self-managed with both render config/self-managed with both components", "self-managed", []string{"prometheus", "alerts"},
			"certificates: {mode: selfManaged}\nmetrics: {serviceMonitor: {enabled: true}, prometheusRule: {enabled: true}}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			built := build(t, tc.overlay, tc.components...)
			rel := render(t, tc.values)
			want, nsLabels := byKey(t, built, "")
			got, _ := byKey(t, decode(t, []byte(rel.Manifest)), "wfe-conditions:"+rel.Chart.Metadata.AppVersion)

			require.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got)), "the same objects, by kind/namespace/name")
			for key, w := range want {
				assert.Equal(t, w, got[key], key)
			}
			// Helm cannot own its release namespace (it must exist before the
			// release is stored), so NOTES give the labels the overlay sets.
			require.NotEmpty(t, nsLabels)
			for k, v := range nsLabels {
				assert.Contains(t, rel.Info.Notes, k+"="+v)
			}
		})
	}
}

// build is `kustomize build config/<overlay>` with components added to the
// overlay, as its users would add them, in a copy of config/.
func build(t *testing.T, overlay string, components ...string) []*unstructured.Unstructured {
	t.Helper()
	if len(components) == 0 {
		objs, err := controlplane.Render(overlay)
		require.NoError(t, err)
		return objs
	}
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	kustomize, err := paths.Binary("kustomize")
	require.NoError(t, err)
	config := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.CopyFS(config, os.DirFS(filepath.Join(root, "config"))))
	for _, c := range components {
		edit := exec.Command(kustomize, "edit", "add", "component", "../components/"+c)
		edit.Dir = filepath.Join(config, overlay)
		out, err := edit.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	out, err := exec.Command(kustomize, "build", filepath.Join(config, overlay)).Output()
	require.NoError(t, err)
	return decode(t, out)
}

// byKey returns each object as YAML by kind/namespace/name, without the
// image; for the chart (image is what it must render) without what Helm
// adds. The overlays' release namespace is left out and its labels returned.
func byKey(t *testing.T, objs []*unstructured.Unstructured, image string) (map[string]string, map[string]string) {
	t.Helper()
	fromChart := image != ""
	out := map[string]string{}
	var nsLabels map[string]string
	for _, u := range objs {
		if u.GetKind() == "Namespace" && u.GetName() == namespace {
			require.False(t, fromChart, "the chart renders its release namespace")
			nsLabels = u.GetLabels()
			continue
		}
		if fromChart {
			stripChartMetadata(t, u)
		} else if slices.Contains(unknownClusterScoped, u.GetKind()) {
			u.SetNamespace("")
		}
		stripImages(t, u, image)
		b, err := yaml.Marshal(u.Object)
		require.NoError(t, err)
		key := fmt.Sprintf("%s/%s/%s", u.GetKind(), u.GetNamespace(), u.GetName())
		require.NotContains(t, out, key, "rendered twice")
		out[key] = string(b)
	}
	return out, nsLabels
}

func stripChartMetadata(t *testing.T, u *unstructured.Unstructured) {
	t.Helper()
	labels := u.GetLabels()
	for _, k := range chartLabels {
		require.Contains(t, labels, k, "%s %s", u.GetKind(), u.GetName())
		delete(labels, k)
	}
	u.SetLabels(nilIfEmpty(labels))
	annotations := u.GetAnnotations()
	for _, k := range chartAnnotations {
		delete(annotations, k)
	}
	u.SetAnnotations(nilIfEmpty(annotations))
}

// stripImages removes image and imagePullPolicy, the values that differ by
// design: the overlays' placeholder is controller:latest.
func stripImages(t *testing.T, u *unstructured.Unstructured, image string) {
	t.Helper()
	containers, found, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	require.NoError(t, err)
	if !found {
		return
	}
	for _, c := range containers {
		c := c.(map[string]any)
		if image != "" {
			assert.Equal(t, image, c["image"], "image.repository:appVersion")
			assert.Equal(t, "IfNotPresent", c["imagePullPolicy"])
		}
		delete(c, "image")
		delete(c, "imagePullPolicy")
	}
	require.NoError(t, unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers"))
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// The chart reads the CRD and the alerting rules from files/, copies because
// a chart holds only its own files: they must equal their sources.
func TestTheChartsCopiesEqualTheirSources(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	for _, tc := range []struct{ name, source, copy string }{
		{"the CRD is the generated one (make manifests copies it)",
			"config/crd/bases/workflowexecution.kubernaut.ai_workflowexecutions.yaml", "files/workflowexecution.kubernaut.ai_workflowexecutions.yaml"},
		{"the alerting rules are config/components/alerts'",
			"config/components/alerts/prometheusrule.yaml", "files/prometheusrule.yaml"},
		{"the dashboard is config/components/dashboard's",
			"config/components/dashboard/dashboard.json", "files/dashboard.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(root, tc.source))
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(chartDir(t), tc.copy))
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got), "cp %s charts/wfe-conditions/%s", tc.source, tc.copy)
		})
	}
}
