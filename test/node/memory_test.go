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
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/cluster"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// managerMemory is the largest working set of a manager container, as the
// kubelet reports it (what its memory limit is enforced against), or 0 when
// it cannot be read.
func managerMemory(ctx context.Context, cs kubernetes.Interface) uint64 {
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes/" + cluster.NodeName + "/proxy/stats/summary").DoRaw(ctx)
	if err != nil {
		return 0
	}
	var summary struct {
		Pods []struct {
			PodRef     struct{ Namespace string }
			Containers []struct {
				Name   string
				Memory struct {
					WorkingSetBytes *uint64 `json:"workingSetBytes"`
				}
			}
		}
	}
	if json.Unmarshal(raw, &summary) != nil {
		return 0
	}
	var most uint64
	for _, p := range summary.Pods {
		for _, c := range p.Containers {
			if p.PodRef.Namespace == wfev1.InstallNamespace && c.Name == "manager" && c.Memory.WorkingSetBytes != nil {
				most = max(most, *c.Memory.WorkingSetBytes)
			}
		}
	}
	return most
}

// 1,000 WorkflowExecutions at once, their PipelineRuns finished at once (the
// Pipeline does not exist, so no pod is needed: one node runs about 110): the
// leader's working set stays under the Deployment's memory limit, and no
// container restarts.
func TestAThousandExecutionsStayUnderTheManagerMemoryLimit(t *testing.T) {
	ctx := t.Context()
	require.NoError(t, node.WaitRolledOut(ctx, 3*time.Minute))
	pods, err := node.ManagerPods(ctx)
	require.NoError(t, err)
	limit := pods[0].Spec.Containers[0].Resources.Limits.Memory().Value()
	require.Positive(t, limit)
	restarts := map[string]int32{}
	for _, p := range pods {
		restarts[p.Name] = p.Status.ContainerStatuses[0].RestartCount
	}
	cs, err := kubernetes.NewForConfig(node.Config)
	require.NoError(t, err)

	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	sampled := make(chan struct{})
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-sampled
	}()
	go func() {
		defer close(sampled)
		for {
			m := managerMemory(ctx, cs)
			mu.Lock()
			peak = max(peak, m)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()
	began := time.Now()
	const n = 1000
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				assert.NoError(t, node.Client.Create(ctx, wetest.New(ns, fmt.Sprintf("many-%04d", i), wetest.Pipeline("does-not-exist"))))
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	created := time.Since(began)
	require.Eventually(t, func() bool {
		list := &wfev1.WorkflowExecutionList{}
		if node.Client.List(ctx, list, client.InNamespace(ns)) != nil {
			return false
		}
		done := 0
		for i := range list.Items {
			c := list.Items[i].Condition(wfev1.ConditionTektonPipelineComplete)
			if c != nil && c.Status == metav1.ConditionFalse && c.Reason == wfev1.ReasonPipelineFailed {
				done++
			}
		}
		return done >= n
	}, 10*time.Minute, time.Second, "all %d end PipelineFailed", n)
	close(stop)
	<-sampled
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d WorkflowExecutions created in %s, all ended %s after the first; the manager's peak working set %d MiB of a %d MiB limit",
		n, created.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), peak>>20, limit>>20)
	require.Positive(t, peak, "the kubelet reported the manager's memory")
	assert.Less(t, int64(peak), limit)
	pods, err = node.ManagerPods(ctx)
	require.NoError(t, err)
	for _, p := range pods {
		assert.Equal(t, restarts[p.Name], p.Status.ContainerStatuses[0].RestartCount, "%s did not restart", p.Name)
	}
}
