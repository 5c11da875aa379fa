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
	"os"
	"sync"
	"sync/atomic"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const tpNS = "throughput"

// Throughput is full lifecycles per second, end to end, and what each costs.
type Throughput struct {
	InFlight     int     `json:"inFlight"`
	Seconds      float64 `json:"seconds"`
	Lifecycles   int64   `json:"lifecycles"`
	PerSecond    float64 `json:"lifecyclesPerSecond"`
	Latency      Latency `json:"lifecycleLatency"`
	ManagerCPUms float64 `json:"managerCPUmsPerLifecycle"`
	APIServerMs  float64 `json:"apiServerCPUmsPerLifecycle"`
	EtcdMs       float64 `json:"etcdCPUmsPerLifecycle"`
	BenchCPUms   float64 `json:"benchCPUmsPerLifecycle"`
}

// tektonDelay is how long the simulated pipeline runs once started.
const tektonDelay = 100 * time.Millisecond

// playTekton makes this program act as Tekton's controller for the
// PipelineRuns of a namespace: started as soon as created, finished
// tektonDelay later.
func (b *bench) playTekton(ctx context.Context, ns string, errs chan<- error) {
	b.prs.onEvent(ns, func(_ time.Time, typ watch.EventType, o client.Object) {
		pr, ok := o.(*tektonv1.PipelineRun)
		if !ok || typ != watch.Added {
			return
		}
		go func() {
			p := &tektonv1.PipelineRun{ObjectMeta: *pr.ObjectMeta.DeepCopy()}
			running(p, 0, time.Now())
			err := b.patchStatus(ctx, p)
			if err == nil {
				time.Sleep(tektonDelay)
				finished(p, true)
				err = b.patchStatus(ctx, p)
			}
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		}()
	})
}

func (b *bench) throughput(ctx context.Context, cfg Config) (Throughput, error) {
	if err := b.createNamespace(ctx, tpNS); err != nil {
		return Throughput{}, err
	}
	errs := make(chan error, 1)
	b.playTekton(ctx, tpNS, errs)
	pids := []int{b.mgr.PID(), b.apiServerPID, b.etcdPID, os.Getpid()}
	before, err := usages(pids)
	if err != nil {
		return Throughput{}, err
	}
	var n atomic.Int64
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	began := time.Now()
	deadline := began.Add(cfg.Throughput)
	err = parallel(cfg.InFlight, cfg.InFlight, func(int) error {
		for time.Now().Before(deadline) {
			name := fmt.Sprintf("tp-%d", next.Add(1))
			done := b.wes.expect(tpNS, name, finishedAndAudited)
			start := time.Now()
			if err := b.c.Create(ctx, newWE(tpNS, name)); err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
			if _, err := await(done, time.Minute, name+" finished and audited"); err != nil {
				return err
			}
			n.Add(1)
			mu.Lock()
			lat = append(lat, time.Since(start))
			mu.Unlock()
		}
		return nil
	})
	elapsed := time.Since(began).Seconds()
	if err != nil {
		return Throughput{}, err
	}
	select {
	case err := <-errs:
		return Throughput{}, err
	default:
	}
	after, err := usages(pids)
	if err != nil {
		return Throughput{}, err
	}
	count := n.Load()
	per := func(i int) float64 { return round1(float64((after[i] - before[i]).Milliseconds()) / float64(count)) }
	return Throughput{InFlight: cfg.InFlight, Seconds: round1(elapsed), Lifecycles: count,
		PerSecond: round1(float64(count) / elapsed), Latency: summarize(lat),
		ManagerCPUms: per(0), APIServerMs: per(1), EtcdMs: per(2), BenchCPUms: per(3)}, nil
}

func usages(pids []int) ([]time.Duration, error) {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		u, err := usage(pid)
		if err != nil {
			return nil, fmt.Errorf("usage of process %d: %w", pid, err)
		}
		out[i] = u.CPU
	}
	return out, nil
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
