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
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/reconciler"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// Propagation is the time from a PipelineRun status write to a watcher seeing
// the WorkflowExecution's conditions change, next to the time to see the write.
type Propagation struct {
	Running          int     `json:"runningWorkflowExecutions"`
	FromRequest      Latency `json:"fromRequest"`
	FloorFromRequest Latency `json:"floorFromRequest"`
	RatioP50         float64 `json:"toFloorP50"`
	FromResponse     Latency `json:"fromResponse"`
}

// patchStatus writes a PipelineRun's status the way Tekton's controller does:
// through the status subresource.
func (b *bench) patchStatus(ctx context.Context, pr *tektonv1.PipelineRun) error {
	body, err := json.Marshal(map[string]any{"status": pr.Status})
	if err != nil {
		return err
	}
	if err := b.c.Status().Patch(ctx, pr, client.RawPatch(types.MergePatchType, body)); err != nil {
		return fmt.Errorf("patch status of PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	return nil
}

// pipelineRunOf names a WorkflowExecution's PipelineRun.
func pipelineRunOf(we *wfev1.WorkflowExecution) *tektonv1.PipelineRun {
	return &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: we.Namespace, Name: reconciler.PipelineRunName(we)}}
}

// parallel runs f for 0..n-1 on workers goroutines and returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	next := make(chan int)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var first error
			for i := range next {
				if err := f(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// startRunning plays Tekton for the running set: each PipelineRun starts its
// first task, and the WorkflowExecutions settle as Running and audited.
func (b *bench) startRunning(ctx context.Context, n int) ([]*wfev1.WorkflowExecution, error) {
	wes := make([]*wfev1.WorkflowExecution, n)
	err := parallel(n, 8, func(i int) error {
		we := &wfev1.WorkflowExecution{}
		name := fmt.Sprintf("we-%d", i)
		if err := process.WaitUntil(ctx, 50*time.Millisecond, 60*time.Second, name+" names its PipelineRun", func() (bool, error) {
			err := b.c.Get(ctx, client.ObjectKey{Namespace: runningNS, Name: name}, we)
			return err == nil && we.Status.PipelineRunRef != nil, err
		}); err != nil {
			return err
		}
		wes[i] = we
		runningSeen := b.wes.expect(runningNS, name, conditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue))
		pr := pipelineRunOf(we)
		running(pr, 0, time.Now())
		if err := b.patchStatus(ctx, pr); err != nil {
			return err
		}
		_, err := await(runningSeen, 60*time.Second, name+" Running")
		return err
	})
	if err != nil {
		return nil, err
	}
	return wes, b.wes.quiet(3*time.Second, 2*time.Minute)
}

func (b *bench) propagationAndIdle(ctx context.Context, cfg Config, res *Results) error {
	wes, err := b.startRunning(ctx, cfg.Running)
	if err != nil {
		return err
	}
	var fromReq, floor, fromResp []time.Duration
	for i := range cfg.Propagations {
		we := wes[i%len(wes)]
		done := 1 + (i/len(wes))%(tasks-1) // stays running: 1..tasks-1 done
		pr := pipelineRunOf(we)
		running(pr, done, we.CreationTimestamp.Time)
		progress := fmt.Sprintf("(%d of %d complete)", done, tasks)
		weSeen := b.wes.expect(we.Namespace, we.Name, func(o client.Object) bool {
			c := asWE(o).Condition(wfev1.ConditionTektonPipelineRunning)
			return c != nil && strings.Contains(c.Message, progress)
		})
		want := pr.Status.GetCondition(apis.ConditionSucceeded).Message
		prSeen := b.prs.expect(pr.Namespace, pr.Name, func(o client.Object) bool {
			c := o.(*tektonv1.PipelineRun).Status.GetCondition(apis.ConditionSucceeded)
			return c != nil && c.Message == want
		})
		sent := time.Now()
		if err := b.patchStatus(ctx, pr); err != nil {
			return err
		}
		resp := time.Now()
		prAt, err := await(prSeen, 30*time.Second, "PipelineRun "+pr.Name+" write")
		if err != nil {
			return err
		}
		weAt, err := await(weSeen, 30*time.Second, we.Name+" progress")
		if err != nil {
			return err
		}
		fromReq, floor, fromResp = append(fromReq, weAt.Sub(sent)), append(floor, prAt.Sub(sent)), append(fromResp, weAt.Sub(resp))
	}
	p := Propagation{Running: len(wes), FromRequest: summarize(fromReq), FloorFromRequest: summarize(floor), FromResponse: summarize(fromResp)}
	p.RatioP50 = ratio(p.FromRequest.P50, p.FloorFromRequest.P50)
	res.Propagate = p
	if err := b.wes.quiet(3*time.Second, time.Minute); err != nil {
		return err
	}
	res.Economy.Idle, err = b.idle(ctx, cfg.Idle, len(wes))
	return err
}
