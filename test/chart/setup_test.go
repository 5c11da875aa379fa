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

// Package chart checks the Helm chart in charts/wfe-conditions with Helm's own
// Go library: it renders the objects the kustomize overlays build, passes
// Helm's lint, refuses bad values, and installs and upgrades on the apiserver.
package chart

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

const (
	releaseName = "wfe-conditions"
	namespace   = "wfe-conditions-system"
)

// chartDir is charts/wfe-conditions.
func chartDir(t *testing.T) string {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	return filepath.Join(root, "charts", "wfe-conditions")
}

// loadChart loads the chart afresh: an install may change what it is given.
func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir(t))
	require.NoError(t, err)
	return c
}

// values parses values given as YAML, as `helm install -f` would.
func values(t *testing.T, yaml string) map[string]any {
	t.Helper()
	v, err := chartutil.ReadValues([]byte(yaml))
	require.NoError(t, err)
	return v
}

// template is `helm template`: a client-only dry-run install, schema checked.
func template(c *chart.Chart, vals map[string]any) (*release.Release, error) {
	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun, install.ClientOnly, install.Replace = true, true, true
	install.ReleaseName, install.Namespace = releaseName, namespace
	// Client-only, Helm assumes Kubernetes v1.20: render for the oldest the
	// chart supports, as a cluster of that version would.
	v, ok := strings.CutPrefix(c.Metadata.KubeVersion, ">=")
	if !ok {
		return nil, fmt.Errorf("the chart's kubeVersion %q: want >=X.Y.Z-0", c.Metadata.KubeVersion)
	}
	kv, err := chartutil.ParseKubeVersion("v" + strings.TrimSuffix(v, "-0"))
	if err != nil {
		return nil, err
	}
	install.KubeVersion = kv
	return install.Run(c, vals)
}

// render templates the chart with vals and returns the release.
func render(t *testing.T, yaml string) *release.Release {
	t.Helper()
	rel, err := template(loadChart(t), values(t, yaml))
	require.NoError(t, err)
	return rel
}

func decode(t *testing.T, manifest []byte) []*unstructured.Unstructured {
	t.Helper()
	objs, err := controlplane.DecodeObjects(manifest)
	require.NoError(t, err)
	return objs
}

// moduleDir is where a Go module's files are, downloaded if need be.
func moduleDir(t *testing.T, module string) string {
	t.Helper()
	dir, err := paths.ModuleDir(module)
	require.NoError(t, err)
	return dir
}

// thirdPartyCRDs are the CRDs of the objects the chart may render that are not
// ours: cert-manager's, and prometheus-operator's ServiceMonitor and
// PrometheusRule, at the versions test/install uses (the operators do not run).
func thirdPartyCRDs(t *testing.T) []string {
	t.Helper()
	operator := filepath.Join(moduleDir(t, "github.com/prometheus-operator/prometheus-operator@v0.85.0"), "example", "prometheus-operator-crd")
	return []string{
		filepath.Join(moduleDir(t, "github.com/cert-manager/cert-manager@v1.21.2"), "deploy", "crds"),
		filepath.Join(operator, "monitoring.coreos.com_servicemonitors.yaml"),
		filepath.Join(operator, "monitoring.coreos.com_prometheusrules.yaml"),
	}
}
