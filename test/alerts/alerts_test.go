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

// Package alerts unit-tests the shipped alerting rules with Prometheus's own
// promtool, and checks that each alert has a test and a runbook.
package alerts

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []rule `json:"rules"`
	} `json:"groups"`
}

// shippedRules reads the PrometheusRule of config/components/alerts and
// returns its spec, which is a Prometheus rule file.
func shippedRules(t *testing.T) ([]byte, ruleFile) {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, "config", "components", "alerts", "prometheusrule.yaml"))
	require.NoError(t, err)
	var obj struct {
		Kind string          `json:"kind"`
		Spec json.RawMessage `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(data, &obj))
	require.Equal(t, "PrometheusRule", obj.Kind)
	spec, err := yaml.JSONToYAML(obj.Spec)
	require.NoError(t, err)
	var rules ruleFile
	require.NoError(t, yaml.UnmarshalStrict(spec, &rules))
	return spec, rules
}

func TestTheShippedAlertsPassTheirPromtoolUnitTests(t *testing.T) {
	promtool, err := paths.Binary("promtool")
	require.NoError(t, err)
	spec, _ := shippedRules(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), spec, 0o600))
	tests, err := os.ReadFile(filepath.Join("testdata", "alerts_test.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alerts_test.yaml"), tests, 0o600))

	check := exec.Command(promtool, "check", "rules", "rules.yaml")
	check.Dir = dir
	out, err := check.CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", out)

	run := exec.Command(promtool, "test", "rules", "alerts_test.yaml")
	run.Dir = dir
	out, err = run.CombinedOutput()
	require.NoError(t, err, "promtool test rules:\n%s", out)
	t.Logf("%s", out)
}

func TestEveryAlertHasATestCaseAndARunbook(t *testing.T) {
	_, rules := shippedRules(t)
	tests, err := os.ReadFile(filepath.Join("testdata", "alerts_test.yaml"))
	require.NoError(t, err)
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	ops, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	require.NoError(t, err)
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(string(ops), -1) {
		anchors[strings.ToLower(strings.ReplaceAll(m[1], " ", "-"))] = true
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			assert.Contains(t, string(tests), "alertname: "+r.Alert, "%s has a promtool test", r.Alert)
			url := r.Annotations["runbook_url"]
			anchor, ok := strings.CutPrefix(url, "https://github.com/kubernaut/wfe-conditions/blob/main/docs/operations.md#")
			if assert.True(t, ok, "%s: runbook_url %q points into docs/operations.md", r.Alert, url) {
				assert.True(t, anchors[anchor], "%s: docs/operations.md has the heading #%s", r.Alert, anchor)
			}
			assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
		}
	}
	assert.Equal(t, 8, n, "the alerts the operations guide lists")
}
