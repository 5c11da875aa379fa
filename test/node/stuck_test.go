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

package node

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// withImagePullBackOffTimeout sets Tekton's default-imagepullbackoff-timeout
// for the test: with it, a TaskRun whose image cannot be pulled waits
// (PullImageFailed) instead of failing at once.
func withImagePullBackOffTimeout(t *testing.T, timeout string) {
	t.Helper()
	set := func(v string) error {
		cm := &corev1.ConfigMap{}
		cm.Namespace, cm.Name = "tekton-pipelines", "config-defaults"
		patch := []byte(`{"data":{"default-imagepullbackoff-timeout":` + v + `}}`)
		return node.Client.Patch(context.Background(), cm, client.RawPatch(types.MergePatchType, patch))
	}
	require.NoError(t, set(`"`+timeout+`"`))
	t.Cleanup(func() { assert.NoError(t, set("null")) })
	time.Sleep(2 * time.Second) // Tekton's controller reads it through its informer
}

// Waits on the real kubelet and kube-scheduler: a step image that cannot be
// pulled, a request no node can meet and a volume that cannot be mounted,
// each named in TektonPipelineRunning within 30 s of the create.
func TestAMissingImageAnUnschedulableRequestAndAMissingVolumeEachSayWhyTheyWait(t *testing.T) {
	withImagePullBackOffTimeout(t, "5m")
	plugin, err := paths.Binary("kubectl-wfe")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, pipeline string
		cause          wfev1.WaitingCause
		detail         string
	}{
		{"waits-for-image", "image-missing", wfev1.WaitingImagePull, `task fetch: image "` + missingImage + `" cannot be pulled`},
		{"waits-for-node", "too-big", wfev1.WaitingUnschedulable, "task crunch: 0/1 nodes are available: 1 Insufficient cpu."},
		{"waits-for-volume", "mount-missing", wfev1.WaitingMount, `task mount: MountVolume.SetUp failed for volume "config" : configmap "absent-config" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			we := wetest.New(ns, tc.name, wetest.Pipeline(tc.pipeline))
			created := time.Now()
			require.NoError(t, node.Client.Create(ctx, we))
			t.Cleanup(func() { _ = node.Client.Delete(context.Background(), we) })
			cause, detail, got := wetest.WaitForCause(t, node.Client, we, created, 30*time.Second)
			assert.Equal(t, tc.cause, cause)
			assert.Contains(t, detail, tc.detail)
			assert.Equal(t, wfev1.PhaseRunning, got.Status.Phase, "it waits: neither failed nor finished")
			out, err := exec.CommandContext(ctx, plugin, "describe", tc.name, "-n", ns, "--kubeconfig", node.Kubeconfig).CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "waiting: "+string(tc.cause)+": "+tc.detail)
			t.Logf("kubectl wfe describe:\n%s", out)
			t.Logf("kubectl get wfe:\n%s", kubectl(ctx, t, "get", "workflowexecution", tc.name, "-n", ns))
		})
	}
}
