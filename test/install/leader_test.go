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
	"bufio"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// replica is a manager process of its own.
type replica struct {
	*process.Proc
	metrics string
}

func startReplica(t *testing.T, cp *controlplane.ControlPlane, extraArgs ...string) *replica {
	t.Helper()
	bin, err := paths.Binary("wfe-conditions")
	require.NoError(t, err)
	opts, err := controlplane.ManagerOptions(t.TempDir())
	require.NoError(t, err)
	writeCerts(t, opts.WebhookCertDir)
	args := append([]string{"--kubeconfig", cp.Kubeconfig, "--webhook-host", opts.WebhookHost,
		"--webhook-port", strconv.Itoa(opts.WebhookPort), "--webhook-cert-dir", opts.WebhookCertDir,
		"--metrics-bind-address", opts.MetricsAddr, "--health-probe-bind-address", opts.ProbeAddr,
		"--leader-elect", "--leader-election-namespace=default", "--leader-election-lease-duration=4s",
		"--metrics-secure=false"}, // scraped below without a token; metrics_test.go covers the secure endpoint
		extraArgs...)
	p, err := process.Start("manager", bin, process.Options{Log: filepath.Join(filepath.Dir(opts.WebhookCertDir), "manager.log")}, args...)
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	if err := controlplane.WaitReady(t.Context(), "http://"+opts.ProbeAddr+"/readyz", 30*time.Second); err != nil {
		require.NoError(t, err, "the end of its log:\n%s", process.Tail(p.LogPath, 40))
	}
	return &replica{Proc: p, metrics: "http://" + opts.MetricsAddr + "/metrics"}
}

// reconciles is the replica's count of successful WorkflowExecution reconciles.
func (r *replica) reconciles(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(r.metrics)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if strings.HasPrefix(line, `controller_runtime_reconcile_total{controller="workflowexecution",result="success"}`) {
			n, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return int(n)
		}
	}
	return 0
}

func createdWE(t *testing.T, cp *controlplane.ControlPlane, name string) {
	t.Helper()
	// These managers register no webhook: the creator records where and as whom.
	we := wetest.New("default", name, wetest.Workflow("w", "1", "registry.example/w:1"),
		wetest.RunIn("default"), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	require.Eventually(t, func() bool {
		got := &wfev1.WorkflowExecution{}
		if cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), got) != nil {
			return false
		}
		c := got.Condition(wfev1.ConditionTektonPipelineCreated)
		return c != nil && c.Status == metav1.ConditionTrue
	}, 20*time.Second, 50*time.Millisecond, "%s progresses", name)
}

func TestTwoManagersElectOneReconcilerAndFailOver(t *testing.T) {
	cp := controlplane.Start(t)
	require.NoError(t, cp.SetExecutionPolicy(t.Context(), wfev1.ExecutionPolicy{}))
	a, b := startReplica(t, cp), startReplica(t, cp)

	for i := range 3 {
		createdWE(t, cp, fmt.Sprintf("before-%d", i))
	}
	leader, follower := a, b
	if b.reconciles(t) > 0 {
		leader, follower = b, a
	}
	assert.Positive(t, leader.reconciles(t), "the leader reconciles")
	assert.Zero(t, follower.reconciles(t), "the other replica does not")
	lease := &coordinationv1.Lease{}
	require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKey{Namespace: "default", Name: wiring.LeaderElectionID}, lease))
	require.NotNil(t, lease.Spec.HolderIdentity)

	// The leader dies without releasing its lease; the other waits it out.
	leader.Kill()
	killed := time.Now()
	createdWE(t, cp, "after-failover")
	t.Logf("after the leader was killed, a new WorkflowExecution progressed within %s (lease 4s)", time.Since(killed).Round(time.Millisecond))
	assert.Positive(t, follower.reconciles(t), "the other replica took over")
	assert.Less(t, time.Since(killed), 15*time.Second)
}
