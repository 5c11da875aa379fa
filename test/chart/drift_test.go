package chart

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/controlplane"
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
	for _, tc := range []struct {
		name, overlay, values string
	}{
		{"default values render config/default", "default", ""},
		{"self-managed certificates render config/self-managed", "self-managed", "certificates: {mode: selfManaged}"},
		{"an execution namespace renders config/execution-namespace", "execution-namespace",
			"executionPolicy: {executionNamespace: kubernaut-workflows}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			built, err := controlplane.Render(tc.overlay)
			require.NoError(t, err)
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
