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

package security

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// The execution-namespace overlay grants PipelineRuns in that namespace only,
// and that is enough for the manager, which caches PipelineRuns there only.
func TestTheExecutionNamespaceOverlayGrantsPipelineRunsThereOnlyAndThatIsEnough(t *testing.T) {
	cp := controlplane.Start(t, controlplane.WithProduct())
	ctx := t.Context()
	cp.CreateNamespace(t, "kubernaut-workflows")
	require.NoError(t, cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "kubernaut-workflows", Name: "runner"}}))
	cp.CreateNamespace(t, "team-a")
	require.NoError(t, cp.InstallOverlay(ctx, "execution-namespace"))

	canI := func(args ...string) bool {
		out, _ := cp.Kubectl(ctx, append([]string{"auth", "can-i", "--as=" + wfev1.ControllerUsername(wfev1.InstallNamespace)}, args...)...)
		return strings.TrimSpace(out) == "yes"
	}
	assert.True(t, canI("create", "pipelineruns.tekton.dev", "-n", "kubernaut-workflows"))
	assert.True(t, canI("watch", "pipelineruns.tekton.dev", "-n", "kubernaut-workflows"))
	assert.True(t, canI("get", "taskruns.tekton.dev", "-n", "kubernaut-workflows"))
	assert.False(t, canI("create", "pipelineruns.tekton.dev", "-n", "team-a"))
	assert.False(t, canI("watch", "pipelineruns.tekton.dev", "-A"))
	assert.False(t, canI("get", "taskruns.tekton.dev", "-n", "team-a"))
	assert.True(t, canI("get", "pods", "-n", "kubernaut-workflows"))
	assert.True(t, canI("list", "events", "-n", "kubernaut-workflows"))
	assert.False(t, canI("get", "pods", "-n", "team-a"))
	assert.False(t, canI("list", "events", "-n", "team-a"))

	cp.StartManager(t)
	// The webhook records the overlay's execution namespace; there, bundles
	// must be pinned (requireBundleDigest unset).
	we := bareWE("team-a", anyBundle+digest, wetest.ServiceAccount("runner"))
	require.NoError(t, cp.Client.Create(ctx, we))
	assert.Equal(t, "kubernaut-workflows", we.Spec.ExecutionConfig.Namespace)
	got := &wfev1.WorkflowExecution{}
	require.Eventually(t, func() bool {
		return cp.Client.Get(ctx, client.ObjectKeyFromObject(we), got) == nil &&
			meta.IsStatusConditionTrue(got.Status.Conditions, wfev1.ConditionTektonPipelineCreated)
	}, 10*time.Second, 20*time.Millisecond, "the manager creates the PipelineRun with the overlay's Role alone")
	require.NotNil(t, got.Status.PipelineRunRef)
	pr := &tektonv1.PipelineRun{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: "kubernaut-workflows", Name: got.Status.PipelineRunRef.Name}, pr))
	assert.Equal(t, "runner", pr.Spec.TaskRunTemplate.ServiceAccountName)

	// Deleting the WorkflowExecution deletes its PipelineRun there (finalizer).
	require.NoError(t, cp.Client.Delete(ctx, we))
	require.Eventually(t, func() bool {
		return cp.Client.Get(ctx, client.ObjectKeyFromObject(pr), &tektonv1.PipelineRun{}) != nil &&
			cp.Client.Get(ctx, client.ObjectKeyFromObject(we), &wfev1.WorkflowExecution{}) != nil
	}, 10*time.Second, 20*time.Millisecond)
}
