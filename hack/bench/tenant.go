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
	"strings"
	"sync"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/process"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

const (
	tenantNS = "tenant"
	// tenantHeapLimitMiB is the manager's in-use heap a tenant must not push
	// past, however large what it creates.
	tenantHeapLimitMiB = 150
	maximalWEs         = 200
	paddedRuns         = 1000
)

// Tenant is the manager's peak heap while one tenant creates the largest
// WorkflowExecutions the CRD admits and PipelineRuns padded with labels of
// our prefix, which the PipelineRun cache selects.
type Tenant struct {
	MaximalWorkflowExecutions int     `json:"maximalWorkflowExecutions"`
	PaddedPipelineRuns        int     `json:"paddedForeignPipelineRuns"`
	PeakHeapMiB               float64 `json:"peakHeapInuseMiB"`
	LimitMiB                  float64 `json:"limitMiB"`
}

func (b *bench) tenant(ctx context.Context) (Tenant, error) {
	t := Tenant{MaximalWorkflowExecutions: maximalWEs, PaddedPipelineRuns: paddedRuns, LimitMiB: tenantHeapLimitMiB}
	if err := b.createNamespace(ctx, tenantNS); err != nil {
		return t, err
	}
	peak, stop := b.sampleHeap(ctx)
	created := b.countCreated(tenantNS)
	say("  %d WorkflowExecutions with parameters at the CRD's bounds", maximalWEs)
	if err := parallel(maximalWEs, 8, func(i int) error { return b.c.Create(ctx, maximalWE(tenantNS, i)) }); err != nil {
		return t, err
	}
	if err := process.WaitUntil(ctx, 50*time.Millisecond, 10*time.Minute, "every maximal WorkflowExecution with its PipelineRun", func() (bool, error) {
		return created() >= maximalWEs, nil
	}); err != nil {
		return t, err
	}
	say("  %d foreign PipelineRuns padded with labels and annotations", paddedRuns)
	if err := parallel(paddedRuns, 8, func(i int) error { return b.c.Create(ctx, paddedPipelineRun(tenantNS, i)) }); err != nil {
		return t, err
	}
	time.Sleep(5 * time.Second)
	t.PeakHeapMiB = round1(stop())
	say("  peak heap in use %.1f MiB (limit %d MiB)", t.PeakHeapMiB, tenantHeapLimitMiB)
	if *peak > tenantHeapLimitMiB {
		return t, fmt.Errorf("the manager's heap in use peaked at %.1f MiB, over %d MiB", t.PeakHeapMiB, tenantHeapLimitMiB)
	}
	return t, nil
}

// sampleHeap reads the manager's in-use heap every 250 ms until stop, which
// returns the peak in MiB.
func (b *bench) sampleHeap(ctx context.Context) (peak *float64, stop func() float64) {
	var mu sync.Mutex
	top := 0.0
	peak = &top
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			if h, err := metric(ctx, b.mgrMetrics, "go_memstats_heap_inuse_bytes"); err == nil {
				mu.Lock()
				top = max(top, mib(int64(h)))
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return peak, func() float64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return top
	}
}

// maximalWE has 8 parameters of 63-character names and 4000-character
// values: 32504 characters, just under the CRD's 32768.
func maximalWE(ns string, i int) *wfev1.WorkflowExecution {
	params := map[string]string{}
	for p := range 8 {
		name := fmt.Sprintf("P%d_%s", p, strings.Repeat("X", 60))
		params[name] = strings.Repeat(fmt.Sprintf("%d", p), 4000)
	}
	return wetest.New(ns, fmt.Sprintf("max-%d", i),
		wetest.Workflow("increase-memory-and-restart", "v1.2.0", "quay.io/kubernaut/workflows/increase-memory-and-restart:v1.2.0"),
		wetest.Target(ns+"/deployment/payment-api"), wetest.Params(params),
		wetest.RunIn(ns), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount),
		wetest.Analysis(0.92, strings.Repeat("r", 2000)))
}

// paddedPipelineRun is a stranger's PipelineRun that carries our selector
// label (so the cache selects it), 60 more labels of our prefix and a 32 KiB
// annotation: what the cache must not keep.
func paddedPipelineRun(ns string, i int) *tektonv1.PipelineRun {
	pr := unrelatedPipelineRun(ns, fmt.Sprintf("padded-%d", i))
	pr.Labels[wfev1.LabelWorkflowExecution] = fmt.Sprintf("not-ours-%d", i)
	for l := range 60 {
		pr.Labels[fmt.Sprintf("kubernaut.ai/pad-%02d", l)] = strings.Repeat("v", 63)
	}
	pr.Annotations["ci.example/padding"] = strings.Repeat("a", 32<<10)
	pr.Status = tektonv1.PipelineRunStatus{}
	return pr
}
