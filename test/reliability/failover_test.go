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

package reliability

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

func TestTheStandbyTakesOverWhenTheLeaderIsKilledMidRun(t *testing.T) {
	e := setup(t)
	rec := e.record(t)
	other, err := paths.FreePort()
	require.NoError(t, err)
	leaderFlags := []string{"--leader-elect", "--leader-election-namespace=" + wfev1.InstallNamespace, "--leader-election-lease-duration=6s"}
	first := e.startManager(t, leaderFlags...)
	// Wait until the first holds the lease, then start the standby.
	require.Eventually(t, func() bool {
		return e.cp.Client.Get(t.Context(), client.ObjectKey{Namespace: wfev1.InstallNamespace, Name: wiring.LeaderElectionID}, &coordinationv1.Lease{}) == nil
	}, 20*time.Second, 100*time.Millisecond)
	e.startManager(t, append(leaderFlags, "--webhook-port", strconv.Itoa(other))...)

	const n = 60
	for i := range n {
		require.NoError(t, e.cp.Client.Create(t.Context(), newWE(fmt.Sprintf("failover-%02d", i))))
	}
	time.Sleep(2 * time.Second) // mid-run: created, some running
	first.Kill()
	killed := time.Now()
	took := e.waitAllComplete(t, n, 3*time.Minute)
	time.Sleep(time.Second)
	dups := e.check(t, rec)
	lease := &coordinationv1.Lease{}
	require.NoError(t, e.cp.Client.Get(t.Context(), client.ObjectKey{Namespace: wfev1.InstallNamespace, Name: wiring.LeaderElectionID}, lease))
	t.Logf("failover: leader killed with %d WEs in flight; all complete and audited %s later (lease 6s); holder now %s; duplicates %d",
		n, took.Round(time.Millisecond), *lease.Spec.HolderIdentity, dups)
	assert.Less(t, time.Since(killed), time.Minute)
}

func TestWithTheWebhookProcessGoneRecordedCreatesSucceedAndConditionsAreComplete(t *testing.T) {
	e := setup(t)
	rec := e.record(t)
	// The registered webhook address has no server: the manager serves elsewhere.
	elsewhere, err := paths.FreePort()
	require.NoError(t, err)
	e.startManager(t, "--webhook-port", strconv.Itoa(elsewhere))
	// A create that leaves where and as whom to the webhook is refused, and
	// says how to proceed; one that records both needs no webhook.
	unrecorded := wetest.New(ns, "unrecorded", wetest.Workflow("slow", "1", "registry.example/slow:1"))
	err = e.cp.Client.Create(t.Context(), unrecorded)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.executionConfig.namespace and spec.executionConfig.serviceAccountName must both be set")
	const n = 20
	for i := range n {
		require.NoError(t, e.cp.Client.Create(t.Context(), newWE(fmt.Sprintf("no-webhook-%02d", i))), "creates succeed")
	}
	took := e.waitAllComplete(t, n, 2*time.Minute)
	time.Sleep(time.Second)
	dups := e.check(t, rec)
	t.Logf("webhook outage: %d WEs created and finished in %s with the webhook gone; duplicates %d", n, took.Round(time.Millisecond), dups)
}
