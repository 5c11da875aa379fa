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

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/dashboard"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// scraperToken is a token of a ServiceAccount bound to the shipped
// metrics-reader ClusterRole, as a cluster's Prometheus has.
func scraperToken(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "monitoring"}}))
	require.NoError(t, cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "monitoring", Name: "prometheus"}}))
	require.NoError(t, cp.Client.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "prometheus-metrics-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "wfe-conditions-metrics-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "monitoring", Name: "prometheus"}},
	}))
	cs, err := kubernetes.NewForConfig(cp.Config)
	require.NoError(t, err)
	tok, err := cs.CoreV1().ServiceAccounts("monitoring").CreateToken(ctx, "prometheus",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	require.NoError(t, err)
	return tok.Status.Token
}

// shippedRulesFast returns the shipped alerting rules with the audit alert's
// windows shortened from minutes to seconds, the kind of patch the operations
// guide tells operators to make for their own thresholds.
func shippedRulesFast(t *testing.T) []byte {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, "config", "components", "alerts", "prometheusrule.yaml"))
	require.NoError(t, err)
	var obj struct {
		Spec struct {
			Groups []struct {
				Name  string           `json:"name"`
				Rules []map[string]any `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(data, &obj))
	for _, g := range obj.Spec.Groups {
		for _, r := range g.Rules {
			if r["alert"] == "WFEAuditDeliveryFailing" {
				r["expr"] = strings.ReplaceAll(r["expr"].(string), "[5m]", "[15s]")
				r["for"] = "5s"
			}
		}
	}
	out, err := yaml.Marshal(obj.Spec)
	require.NoError(t, err)
	return out
}

// startPrometheus runs the built Prometheus scraping the manager's metrics
// endpoint over HTTPS with the token, evaluating rules every second.
func startPrometheus(t *testing.T, target string, caPEM []byte, token string, rules []byte) string {
	t.Helper()
	bin, err := paths.Binary("prometheus")
	require.NoError(t, err)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"ca.crt": caPEM, "token": []byte(token), "rules.yaml": rules} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	}
	config := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yaml]
scrape_configs:
- job_name: wfe-conditions
  scheme: https
  tls_config: {ca_file: ca.crt}
  authorization: {credentials_file: token}
  static_configs: [{targets: [%q]}]
`, target)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600))
	port, err := paths.FreePort()
	require.NoError(t, err)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p, err := process.Start("prometheus", bin, process.Options{Dir: dir, Log: filepath.Join(dir, "prometheus.log")},
		"--config.file=prometheus.yml", "--storage.tsdb.path=data", "--web.listen-address="+addr)
	require.NoError(t, err)
	t.Cleanup(func() { p.Stop(10 * time.Second) })
	require.NoError(t, controlplane.WaitReady(t.Context(), "http://"+addr+"/-/ready", 60*time.Second))
	return "http://" + addr
}

// promQuery returns the value of a Prometheus query's first sample, or "".
func promQuery(t *testing.T, base, query string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(query))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var r struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	if len(r.Data.Result) == 0 || len(r.Data.Result[0].Value) < 2 {
		return ""
	}
	return fmt.Sprint(r.Data.Result[0].Value[1])
}

// alertState is the state of the named alert: "", "pending" or "firing".
func alertState(t *testing.T, base, name string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/alerts")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var r struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	for _, a := range r.Data.Alerts {
		if a.Labels["alertname"] == name {
			return a.State
		}
	}
	return ""
}

func TestARealPrometheusScrapesTheManagerAndSeesTheAuditAlertFireAndResolve(t *testing.T) {
	prom := startPrometheus(t, mgr.Options.MetricsAddr, mgr.CA, scraperToken(t), shippedRulesFast(t))
	require.Eventually(t, func() bool { return promQuery(t, prom, `up{job="wfe-conditions"}`) == "1" },
		30*time.Second, 200*time.Millisecond, "Prometheus scrapes the manager through the authorized HTTPS endpoint")

	ds.Refuse()
	outage := time.Now()
	we := wetest.New(ns, "prometheus-outage", wetest.Pipeline("build-test-deploy"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	wetest.WaitFor(t, cp.Client, we, 60*time.Second, wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
	require.Eventually(t, func() bool { return alertState(t, prom, "WFEAuditDeliveryFailing") == "firing" },
		90*time.Second, 500*time.Millisecond, "the audit alert fires during the DataStorage outage")
	fired := time.Since(outage)

	require.NoError(t, ds.Resume())
	healed := time.Now()
	wetest.WaitFor(t, cp.Client, we, 60*time.Second, func(w *wfev1.WorkflowExecution) bool {
		c := w.Condition(wfev1.ConditionAuditRecorded)
		return c != nil && c.Status == metav1.ConditionTrue
	})
	require.Eventually(t, func() bool { return alertState(t, prom, "WFEAuditDeliveryFailing") == "" },
		60*time.Second, 500*time.Millisecond, "the audit alert resolves once DataStorage is back")
	t.Logf("the audit alert fired %s into the outage and resolved %s after DataStorage came back",
		fired.Round(time.Second), time.Since(healed).Round(time.Second))

	for cause, query := range provoke(t) {
		require.Eventually(t, func() bool { v, err := strconv.ParseFloat(promQuery(t, prom, query), 64); return err == nil && v > 0 },
			60*time.Second, time.Second, "%s shows on Prometheus: %s", cause, query)
	}

	// Every query of the shipped dashboard answers on this Prometheus, after
	// a run, an outage, its recovery and the causes above.
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	d, err := dashboard.Read(filepath.Join(root, "config", "components", "dashboard", "dashboard.json"))
	require.NoError(t, err)
	queries, err := dashboard.Queries(d)
	require.NoError(t, err)
	require.NotEmpty(t, queries)
	for _, q := range queries {
		expr := dashboard.Substitute(q.Expr, "2m")
		assert.Eventually(t, func() bool { return promQuery(t, prom, expr) != "" }, 30*time.Second, time.Second,
			"panel %q, query %s returns no sample: %s", q.Panel, q.RefID, expr)
	}
	t.Logf("the dashboard's %d queries each returned samples", len(queries))
}
