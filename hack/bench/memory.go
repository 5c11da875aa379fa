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

package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

const (
	scaleNS = "scale"
	otherNS = "other-ci"
)

// Memory is the manager's footprint with many objects in the cluster.
type Memory struct {
	WorkflowExecutions int `json:"workflowExecutions"`
	OurPipelineRuns    int `json:"ourPipelineRuns"`
	UnrelatedRuns      int `json:"unrelatedPipelineRuns"`
	// Settled is how long until every new one showed its PipelineRun created.
	SettledSeconds float64 `json:"settledSeconds"`
	RSSMiB         float64 `json:"rssMiB"`
	HeapMiB        float64 `json:"heapInuseMiB"`
	RSSWithOther   float64 `json:"rssWithUnrelatedMiB"`
	HeapWithOther  float64 `json:"heapInuseWithUnrelatedMiB"`
	PeakRSSMiB     float64 `json:"peakRSSMiB"`
	IdleCPUPercent float64 `json:"idleCPUPercent"`
}

func (b *bench) memory(ctx context.Context, cfg Config) (Memory, error) {
	for _, ns := range []string{scaleNS, otherNS} {
		if err := b.createNamespace(ctx, ns); err != nil {
			return Memory{}, err
		}
	}
	existing := &wfev1.WorkflowExecutionList{}
	if err := b.c.List(ctx, existing); err != nil {
		return Memory{}, err
	}
	add := cfg.Scale - len(existing.Items)
	// Their PipelineRuns are created, not run: a running one costs the cache
	// a few hundred bytes more, and the run twice the time.
	created := b.countCreated(scaleNS)
	say("  %d more WorkflowExecutions, to %d", add, cfg.Scale)
	began := time.Now()
	if err := parallel(add, 8, func(i int) error {
		return b.c.Create(ctx, newWE(scaleNS, fmt.Sprintf("we-%d", i)))
	}); err != nil {
		return Memory{}, err
	}
	if err := process.WaitUntil(ctx, 50*time.Millisecond, 15*time.Minute, "every new WorkflowExecution with its PipelineRun", func() (bool, error) {
		return created() >= add, nil
	}); err != nil {
		return Memory{}, err
	}
	m := Memory{WorkflowExecutions: cfg.Scale, OurPipelineRuns: cfg.Scale, SettledSeconds: round1(time.Since(began).Seconds())}
	if err := b.wes.quiet(5*time.Second, 5*time.Minute); err != nil {
		return m, err
	}
	var err error
	if m.RSSMiB, m.HeapMiB, err = b.footprint(ctx); err != nil {
		return m, err
	}
	say("  %d unrelated PipelineRuns", cfg.Scale)
	if err := parallel(cfg.Scale, 8, func(i int) error {
		pr := unrelatedPipelineRun(otherNS, fmt.Sprintf("ci-%d", i))
		status := pr.Status
		if err := b.c.Create(ctx, pr); err != nil {
			return err
		}
		pr.Status = status
		return b.patchStatus(ctx, pr)
	}); err != nil {
		return m, err
	}
	m.UnrelatedRuns = cfg.Scale
	time.Sleep(5 * time.Second)
	if m.RSSWithOther, m.HeapWithOther, err = b.footprint(ctx); err != nil {
		return m, err
	}
	u0, err := usage(b.mgr.PID())
	if err != nil {
		return m, err
	}
	const window = 20 * time.Second
	time.Sleep(window)
	u1, err := usage(b.mgr.PID())
	if err != nil {
		return m, err
	}
	m.IdleCPUPercent, m.PeakRSSMiB = percent(u1.CPU-u0.CPU, window.Seconds()), mib(u1.PeakRS)
	return m, nil
}

// countCreated counts the WorkflowExecutions of namespace whose PipelineRun a
// watch event showed created; the returned function reads the count.
func (b *bench) countCreated(namespace string) func() int {
	var mu sync.Mutex
	created := map[string]bool{}
	isCreated := conditionIs(wfev1.ConditionTektonPipelineCreated, metav1.ConditionTrue)
	b.wes.onEvent(namespace, func(_ time.Time, typ watch.EventType, o client.Object) {
		if typ != watch.Deleted && isCreated(o) {
			mu.Lock()
			created[o.GetName()] = true
			mu.Unlock()
		}
	})
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(created)
	}
}

// footprint is the manager's resident memory and in-use heap, in MiB.
func (b *bench) footprint(ctx context.Context) (rss, heap float64, err error) {
	u, err := usage(b.mgr.PID())
	if err != nil {
		return 0, 0, err
	}
	h, err := metric(ctx, b.mgrMetrics, "go_memstats_heap_inuse_bytes")
	if b.profiling && err == nil {
		b.saveHeapProfile(ctx)
	}
	return mib(u.RSS), mib(int64(h)), err
}
