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

package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

func TestDevReachesReadyServesTheSampleAndStopsCleanly(t *testing.T) {
	_, err := paths.Binary("wfe-conditions")
	require.NoError(t, err, "make dev builds the manager first; so does make test")
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	devBin := filepath.Join(t.TempDir(), "dev")
	build := exec.Command("go", "build", "-o", devBin, ".")
	build.Dir = filepath.Join(root, "hack", "dev")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	dir := t.TempDir()
	started := time.Now()
	dev, err := process.Start("dev", devBin, process.Options{Dir: root, Log: filepath.Join(dir, "dev.log")}, "--dir", dir)
	require.NoError(t, err)
	t.Cleanup(dev.Kill)
	require.NoError(t, process.WaitUntil(t.Context(), 100*time.Millisecond, 90*time.Second, "dev: ready", func() (bool, error) {
		if !dev.Running() {
			return false, fmt.Errorf("dev exited before ready:\n%s", process.Tail(dev.LogPath, 30))
		}
		log, err := os.ReadFile(dev.LogPath)
		return strings.Contains(string(log), "dev: ready"), err
	}))
	t.Logf("make dev ready after %s", time.Since(started))

	kubectl, err := paths.Binary("kubectl")
	require.NoError(t, err)
	run := func(args ...string) string {
		cmd := exec.Command(kubectl, args...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "kubeconfig"))
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	run("apply", "-f", "config/samples/workflowexecution_v1alpha1_workflowexecution.yaml")
	run("wait", "wfe/restart-payment-api", "--for=condition=TektonPipelineComplete", "--timeout=60s")
	assert.Contains(t, run("get", "wfe"), "PipelineSucceeded")
	run("apply", "-f", "config/samples/workflowexecution_failing.yaml", "-f", "config/samples/workflowexecution_timeout.yaml")
	run("wait", "wfe/rollback-checkout", "--for=condition=TektonPipelineComplete=False", "--timeout=60s")
	run("wait", "wfe/drain-worker-3", "--for=condition=TektonPipelineComplete=False", "--timeout=60s")
	table := run("get", "wfe")
	t.Logf("kubectl get wfe:\n%s", table)
	assert.Contains(t, table, "PipelineFailed")
	assert.Contains(t, table, "PipelineTimeout")

	kids := process.Children(dev.PID())
	require.GreaterOrEqual(t, len(kids), 5, "etcd, kube-apiserver, Tekton's controller, kwok and the manager run under dev")
	require.NoError(t, dev.Terminate(60*time.Second))
	assert.NoError(t, dev.ExitError(), "dev exits 0 on SIGTERM")
	for _, p := range kids {
		assert.False(t, process.Alive(p.PID), "%s (%d) outlived dev", p.Name, p.PID)
	}
}
