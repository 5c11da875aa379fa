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

package alerts

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/dashboard"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// dashboardPath is the shipped dashboard, the chart's copy being checked
// equal to it by test/chart.
func dashboardPath(t *testing.T) string {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	return filepath.Join(root, "config", "components", "dashboard", "dashboard.json")
}

func TestTheDashboardDecodesStrictlyAndEveryQueryParses(t *testing.T) {
	d, err := dashboard.Read(dashboardPath(t))
	require.NoError(t, err, "Grafana's own types decode it strictly")
	require.NotNil(t, d.Uid)
	assert.Equal(t, "wfe-conditions", *d.Uid, "a stable uid: links and provisioning survive updates")
	raw, err := os.ReadFile(dashboardPath(t))
	require.NoError(t, err)
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &top))
	assert.NotContains(t, top, "__inputs", "no import-time inputs: a sidecar loads it as is")
	require.Len(t, d.Templating.List, 1)
	assert.Equal(t, "datasource", d.Templating.List[0].Name)
	assert.Equal(t, "datasource", string(d.Templating.List[0].Type))

	queries, err := dashboard.Queries(d)
	require.NoError(t, err)
	var rules strings.Builder
	rules.WriteString("groups:\n- name: dashboard\n  rules:\n")
	all := ""
	for i, q := range queries {
		assert.Equal(t, "${datasource}", q.Datasource, "%s %s: the datasource variable", q.Panel, q.RefID)
		expr := dashboard.Substitute(q.Expr, "5m")
		assert.NotContains(t, expr, "$", "%s %s: a variable left", q.Panel, q.RefID)
		quoted, err := json.Marshal(expr)
		require.NoError(t, err)
		fmt.Fprintf(&rules, "  - record: dashboard:panel_%d\n    expr: %s\n", i, quoted)
		all += expr + "\n"
	}
	// Prometheus's own parser, as its rule loader runs it.
	file := filepath.Join(t.TempDir(), "dashboard-rules.yaml")
	require.NoError(t, os.WriteFile(file, []byte(rules.String()), 0o600))
	var check any
	require.NoError(t, yaml.Unmarshal([]byte(rules.String()), &check))
	promtool, err := paths.Binary("promtool")
	require.NoError(t, err)
	out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
	require.NoError(t, err, "promtool check rules: %s", out)
	assert.Contains(t, string(out), fmt.Sprintf("SUCCESS: %d rules found", len(queries)))

	// What operators watch, each on a panel.
	for _, metric := range []string{
		"wfe_executions_finished_total", "wfe_executions_in_flight", "wfe_executions_overdue", "wfe_execution_duration_seconds_bucket", "wfe_time_to_start_seconds_bucket",
		"wfe_pipelinerun_status_latency_seconds_bucket", "wfe_initial_conditions_latency_seconds_bucket",
		"wfe_audit_oldest_unacknowledged_age_seconds", "wfe_audit_events_failed_total", "wfe_audit_events_abandoned_total",
		"controller_runtime_webhook_requests_total", "controller_runtime_webhook_latency_seconds_bucket",
		"wfe_status_writes_refused_total", "wfe_status_write_conflicts_total", "wfe_webhook_errors_total",
	} {
		assert.Regexp(t, `\b`+metric+`\b`, all, "a panel shows %s", metric)
	}
}
