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

package controlplane_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// childProcesses lists the names of this process's live children.
func childProcesses(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, p := range process.Children(os.Getpid()) {
		names = append(names, p.Name)
	}
	return names
}

func TestTheHarnessStartsAndStopsWithoutLeakingProcesses(t *testing.T) {
	for i := range 3 {
		cp, err := controlplane.StartE(t.TempDir())
		require.NoError(t, err, "start %d", i)
		assert.Subset(t, childProcesses(t), []string{"etcd", "kube-apiserver"}, "start %d runs both", i)

		out, err := cp.Kubectl(t.Context(), "get", "crd", "-o", "name")
		require.NoError(t, err)
		for _, crd := range []string{"workflowexecutions.workflowexecution.kubernaut.ai", "pipelineruns.tekton.dev", "pipelines.tekton.dev", "taskruns.tekton.dev", "tasks.tekton.dev"} {
			assert.Contains(t, out, crd)
		}

		require.NoError(t, cp.Stop(), "stop %d", i)
		assert.Empty(t, childProcesses(t), "no process outlives stop %d", i)
	}
}

func TestAPipelineRunStatusCanBeWrittenTheWayTektonWritesIt(t *testing.T) {
	cp := controlplane.Start(t)
	ctx := t.Context()
	cp.CreateNamespace(t, "runs")

	pr := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: "runs", Name: "build"},
		Spec:       tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "build"}},
	}
	require.NoError(t, cp.Client.Create(ctx, pr))

	start := metav1.NewTime(time.Now().Truncate(time.Second))
	pr.Status.StartTime = &start
	pr.Status.SetCondition(&apis.Condition{
		Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue,
		Reason: tektonv1.PipelineRunReasonSuccessful.String(), Message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0",
	})
	require.NoError(t, cp.Client.Status().Update(ctx, pr))

	got := &tektonv1.PipelineRun{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(pr), got))
	cond := got.Status.GetCondition(apis.ConditionSucceeded)
	require.NotNil(t, cond)
	assert.Equal(t, corev1.ConditionTrue, cond.Status)
	assert.Equal(t, "Succeeded", cond.Reason)
	require.NotNil(t, got.Status.StartTime)
	assert.True(t, start.Equal(got.Status.StartTime))
}
