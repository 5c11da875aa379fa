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

package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// childEnv marks the test binary re-run as the process that is killed.
const childEnv = "WFE_NODE_KILLED_CHILD"

func requireNode(t *testing.T) {
	t.Helper()
	require.NoError(t, CanRun())
}

// runPod runs a busybox pod that sleeps, so the node has a sandbox, a veth, a
// network namespace, mounts and cgroups to undo.
func runPod(ctx context.Context, t *testing.T, c *Cluster) {
	t.Helper()
	pod := sleeper()
	require.NoError(t, c.Client.Create(ctx, pod))
	require.Eventually(t, func() bool {
		return c.Client.Get(ctx, client.ObjectKeyFromObject(pod), pod) == nil && pod.Status.Phase == corev1.PodRunning
	}, 60*time.Second, 100*time.Millisecond, "the pod never ran; kubelet log:\n%s", Log("kubelet", 15))
}

// requireEach requires, for each want, an entry of got that contains it.
func requireEach(t *testing.T, got []string, why string, want ...string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		require.True(t, found, "%s: nothing like %q in %v", why, w, got)
	}
}

func sleeper() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "sleeper"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "sleep", Image: BusyboxImage, Command: []string{"sleep", "3600"}, ImagePullPolicy: corev1.PullNever,
		}}},
	}
}

func TestStopLeavesNothingOfTheNodeBehind(t *testing.T) {
	requireNode(t)
	ctx := t.Context()
	c, err := Start(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() }) // a failure below must not keep the node
	t.Logf("node up in %s", c.StartupTime.Round(time.Millisecond))
	runPod(ctx, t, c)
	left, err := c.Leftovers()
	require.NoError(t, err)
	requireEach(t, left, "a running node with a pod changes the host", "in a pod cgroup", "mount ", "cgroup ",
		"interface cni0", "network namespace cni-", "nftables table", "folder "+Root)

	began := time.Now()
	require.NoError(t, c.Stop())
	t.Logf("node down in %s", time.Since(began).Round(time.Millisecond))
	left, err = c.Leftovers()
	require.NoError(t, err)
	assert.Empty(t, left)
}

// The test binary is run again as a child that starts the node and a pod and
// is then killed with SIGKILL, as `go test -timeout` or a crash would: its
// Stop never runs. The next Start undoes what it left, and that node's Stop
// leaves the host as it was before the child.
func TestTheNextStartUndoesWhatAKilledTestLeft(t *testing.T) {
	requireNode(t)
	before, err := readHostState()
	require.NoError(t, err)
	bin, err := binDir()
	require.NoError(t, err)
	require.Empty(t, Leftovers(bin), "the host is clean before the child starts")

	child, err := process.Start("child", os.Args[0], process.Options{Env: []string{childEnv + "=1"},
		Log: filepath.Join(t.TempDir(), "child.log")}) // Pdeathsig: never outlives this test
	require.NoError(t, err)
	t.Cleanup(child.Kill)
	require.NoError(t, process.WaitUntil(t.Context(), time.Second, 3*time.Minute, "the child's node and pod up", func() (bool, error) {
		if !child.Running() {
			return false, fmt.Errorf("the child ended before its pod ran:\n%s", process.Tail(child.LogPath, 30))
		}
		log, err := os.ReadFile(child.LogPath)
		return strings.Contains(string(log), "NODE-WITH-POD-RUNNING"), err
	}))
	child.Kill()
	left := Leftovers(bin)
	t.Logf("the killed child left %d things, e.g. %v", len(left), left[:min(3, len(left))])
	requireEach(t, left, "a killed test leaves its pod running", "in a pod cgroup", "containerd-shim-runc-v2", "mount ", "cgroup ")

	ctx := t.Context()
	c, err := Start(ctx)
	require.NoError(t, err, "Start after a killed test")
	require.NoError(t, c.Stop())
	assert.Empty(t, Leftovers(bin))
	diff, err := before.Diff()
	require.NoError(t, err)
	assert.Empty(t, diff, "the host is as before the killed test")
}

// TestMain runs the killed child when asked to: it starts the node and a pod,
// says so, and waits to be killed.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "" {
		os.Exit(m.Run())
	}
	ctx := context.Background()
	c, err := Start(ctx)
	if err != nil {
		_, _ = os.Stdout.WriteString("start: " + err.Error() + "\n")
		os.Exit(1)
	}
	pod := sleeper()
	if err := c.Client.Create(ctx, pod); err != nil {
		os.Exit(1)
	}
	for c.Client.Get(ctx, client.ObjectKeyFromObject(pod), pod) != nil || pod.Status.Phase != corev1.PodRunning {
		time.Sleep(100 * time.Millisecond)
	}
	_, _ = os.Stdout.WriteString("NODE-WITH-POD-RUNNING\n")
	time.Sleep(10 * time.Minute) // killed before this ends
	os.Exit(1)
}
