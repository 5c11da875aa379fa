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
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/reconciler"
)

// runningNS holds the WorkflowExecutions created at a steady rate, which then
// run for the propagation and idle figures.
const runningNS = "bench"

// Unknown is the time from a create to a watcher seeing the four conditions,
// next to the time to see the create itself.
type Unknown struct {
	Rate int `json:"createsPerSecond"`
	// From the create's response, as a client that just created it would wait.
	FromResponse      Latency `json:"fromResponse"`
	FloorFromResponse Latency `json:"floorFromResponse"`
	// From sending the create: the floor then includes the create itself.
	FromRequest      Latency `json:"fromRequest"`
	FloorFromRequest Latency `json:"floorFromRequest"`
	RatioP50         float64 `json:"fromRequestToFloorP50"`
	// CPU is each process's share of one core during the step.
	CPU map[string]float64 `json:"cpuPercent"`
}

// lead hands the lease to the manager, once, and returns when its reconciler
// works: a first WorkflowExecution got its conditions. From then on every
// WorkflowExecution and our PipelineRuns are watched.
func (b *bench) lead(ctx context.Context) (err error) {
	if b.wes != nil {
		return nil
	}
	if err := b.releaseLease(ctx); err != nil {
		return err
	}
	if b.wes, err = b.watch(ctx, &wfev1.WorkflowExecutionList{}); err != nil {
		return err
	}
	if b.prs, err = b.watch(ctx, &tektonv1.PipelineRunList{}, client.MatchingLabelsSelector{Selector: reconciler.PipelineRunSelector()}); err != nil {
		return err
	}
	if err := b.createNamespace(ctx, "warm-up"); err != nil {
		return err
	}
	ready := b.wes.expect("warm-up", "first", hasAllConditions)
	if err := b.c.Create(ctx, newWE("warm-up", "first")); err != nil {
		return err
	}
	_, err = await(ready, time.Minute, "the leading manager reconciles a first WorkflowExecution")
	return err
}

func (b *bench) watchErr() error {
	for _, w := range []*watcher{b.wes, b.prs} {
		if w != nil {
			if err := w.failed(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *bench) timeToUnknown(ctx context.Context, cfg Config) (Unknown, error) {
	if err := b.createNamespace(ctx, runningNS); err != nil {
		return Unknown{}, err
	}
	pids := []int{b.apiServerPID, b.etcdPID, b.mgr.PID(), os.Getpid()}
	cpu0, err := usages(pids)
	if err != nil {
		return Unknown{}, err
	}
	began := time.Now()
	type sample struct{ sent, resp, seen, unknown time.Time }
	samples := make([]sample, cfg.Running)
	var wg sync.WaitGroup
	errs := make(chan error, cfg.Running)
	tick := time.NewTicker(time.Second / time.Duration(cfg.Rate))
	defer tick.Stop()
	for i := range samples {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("we-%d", i)
			seen := b.wes.expect(runningNS, name, func(client.Object) bool { return true })
			unknown := b.wes.expect(runningNS, name, hasAllConditions)
			s := &samples[i]
			s.sent = time.Now()
			if err := b.c.Create(ctx, newWE(runningNS, name)); err != nil {
				errs <- fmt.Errorf("create %s: %w", name, err)
				return
			}
			s.resp = time.Now()
			var err error
			if s.seen, err = await(seen, 30*time.Second, name+" created"); err == nil {
				s.unknown, err = await(unknown, 30*time.Second, name+" with four conditions")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return Unknown{}, err
	}
	cpu1, err := usages(pids)
	if err != nil {
		return Unknown{}, err
	}
	secs := time.Since(began).Seconds()
	cpu := map[string]float64{}
	for i, name := range []string{"kube-apiserver", "etcd", "manager", "bench"} {
		cpu[name] = percent(cpu1[i]-cpu0[i], secs)
	}
	var fromResp, floorResp, fromReq, floorReq []time.Duration
	for _, s := range samples {
		fromResp = append(fromResp, s.unknown.Sub(s.resp))
		floorResp = append(floorResp, s.seen.Sub(s.resp))
		fromReq = append(fromReq, s.unknown.Sub(s.sent))
		floorReq = append(floorReq, s.seen.Sub(s.sent))
	}
	u := Unknown{Rate: cfg.Rate, FromResponse: summarize(fromResp), FloorFromResponse: summarize(floorResp),
		FromRequest: summarize(fromReq), FloorFromRequest: summarize(floorReq), CPU: cpu}
	u.RatioP50 = ratio(u.FromRequest.P50, u.FloorFromRequest.P50)
	return u, nil
}

func asWE(o client.Object) *wfev1.WorkflowExecution {
	we, _ := o.(*wfev1.WorkflowExecution)
	return we
}

func hasAllConditions(o client.Object) bool {
	we := asWE(o)
	return we != nil && len(wfev1.MissingConditions(we.Status.Conditions, we.Generation)) == 0
}

// conditionIs matches a WorkflowExecution whose condition has the status.
func conditionIs(t string, s metav1.ConditionStatus) func(client.Object) bool {
	return func(o client.Object) bool {
		we := asWE(o)
		return we != nil && meta.IsStatusConditionPresentAndEqual(we.Status.Conditions, t, s)
	}
}

// finishedAndAudited matches a WorkflowExecution that is complete and whose
// every lifecycle event DataStorage recorded.
func finishedAndAudited(o client.Object) bool {
	we := asWE(o)
	if we == nil {
		return false
	}
	c := meta.FindStatusCondition(we.Status.Conditions, wfev1.ConditionTektonPipelineComplete)
	return c != nil && c.Status != metav1.ConditionUnknown &&
		meta.IsStatusConditionTrue(we.Status.Conditions, wfev1.ConditionAuditRecorded) && len(we.Status.AuditedEvents) == 2
}
