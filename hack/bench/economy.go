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

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

const lifeNS = "life"

// Economy counts writes: per lifecycle on each path, and while idle.
type Economy struct {
	Success Lifecycle `json:"success"`
	Failure Lifecycle `json:"failure"`
	Idle    Idle      `json:"idle"`
}

// Lifecycle counts the writes to WorkflowExecutions over whole lifecycles.
type Lifecycle struct {
	Lifecycles int `json:"lifecycles"`
	// Transitions are the real changes of one lifecycle: conditions set up,
	// PipelineRun created, started, finished, and each audit acknowledgement.
	Transitions float64 `json:"transitionsPerLifecycle"`
	// StatusWrites and OtherWrites are means per lifecycle; MaxWrites the most
	// any one lifecycle took.
	StatusWrites float64 `json:"statusWritesPerLifecycle"`
	OtherWrites  float64 `json:"otherWritesPerLifecycle"`
	MaxWrites    int     `json:"maxWritesInOneLifecycle"`
}

// Idle is what running WorkflowExecutions cost while nothing happens.
type Idle struct {
	Running    int     `json:"runningWorkflowExecutions"`
	Seconds    float64 `json:"seconds"`
	WEWrites   int64   `json:"workflowExecutionWrites"`
	PRWrites   int64   `json:"pipelineRunWrites"`
	Reconciles float64 `json:"reconciles"`
	CPUPercent float64 `json:"managerCPUPercent"`
}

func (b *bench) reconciles(ctx context.Context) (float64, error) {
	return metric(ctx, b.mgrMetrics, "controller_runtime_reconcile_total", `controller="workflowexecution"`)
}

// managerSnapshot is the manager's reconcile count and CPU time so far.
func (b *bench) managerSnapshot(ctx context.Context) (reconciles float64, cpu time.Duration, err error) {
	if reconciles, err = b.reconciles(ctx); err != nil {
		return 0, 0, err
	}
	u, err := usage(b.mgr.PID())
	return reconciles, u.CPU, err
}

func (b *bench) idle(ctx context.Context, d time.Duration, running int) (Idle, error) {
	r0, cpu0, err := b.managerSnapshot(ctx)
	if err != nil {
		return Idle{}, err
	}
	we0, pr0, began := b.wes.events.Load(), b.prs.events.Load(), time.Now()
	say("  %d WorkflowExecutions running, idle for %s", running, d)
	time.Sleep(d)
	r1, cpu1, err := b.managerSnapshot(ctx)
	if err != nil {
		return Idle{}, err
	}
	secs := time.Since(began).Seconds()
	return Idle{Running: running, Seconds: float64(int(secs*10)) / 10, WEWrites: b.wes.events.Load() - we0, PRWrites: b.prs.events.Load() - pr0,
		Reconciles: r1 - r0, CPUPercent: percent(cpu1-cpu0, secs)}, nil
}

func percent(cpu time.Duration, secs float64) float64 {
	return float64(int(cpu.Seconds()/secs*1000)) / 10
}

// lifecycleWrites plays whole lifecycles, one PipelineRun status write per
// Tekton step, and counts every version of each WorkflowExecution a watcher sees.
func (b *bench) lifecycleWrites(ctx context.Context, cfg Config, e *Economy) error {
	if err := b.createNamespace(ctx, lifeNS); err != nil {
		return err
	}
	var mu sync.Mutex
	versions := map[string][]*wfev1.WorkflowExecution{}
	b.wes.onEvent(lifeNS, func(_ time.Time, typ watch.EventType, o client.Object) {
		if we := asWE(o); we != nil && typ != watch.Deleted {
			mu.Lock()
			versions[we.Name] = append(versions[we.Name], we)
			mu.Unlock()
		}
	})
	err := parallel(2*cfg.Lifecycles, 10, func(i int) error {
		succeed := i%2 == 0
		return b.lifecycle(ctx, fmt.Sprintf("%s-%d", map[bool]string{true: "ok", false: "fail"}[succeed], i), succeed)
	})
	if err != nil {
		return err
	}
	if err := b.wes.quiet(2*time.Second, time.Minute); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	e.Success, e.Failure = countWrites(versions, "ok-"), countWrites(versions, "fail-")
	return nil
}

// lifecycle creates a WorkflowExecution and plays Tekton on its PipelineRun:
// started, then finished once the WorkflowExecution shows it running.
func (b *bench) lifecycle(ctx context.Context, name string, succeed bool) error {
	created := b.wes.expect(lifeNS, name, func(o client.Object) bool { return asWE(o).Status.PipelineRunRef != nil })
	started := b.wes.expect(lifeNS, name, conditionIs(wfev1.ConditionTektonPipelineRunning, metav1.ConditionTrue))
	done := b.wes.expect(lifeNS, name, finishedAndAudited)
	we := newWE(lifeNS, name)
	if err := b.c.Create(ctx, we); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	if _, err := await(created, 30*time.Second, name+" PipelineRun created"); err != nil {
		return err
	}
	pr := pipelineRunOf(we)
	running(pr, 0, time.Now())
	if err := b.patchStatus(ctx, pr); err != nil {
		return err
	}
	if _, err := await(started, 30*time.Second, name+" running"); err != nil {
		return err
	}
	if !succeed {
		if err := b.createTaskRun(ctx, failedTaskRun(pr)); err != nil {
			return err
		}
	}
	finished(pr, succeed)
	if err := b.patchStatus(ctx, pr); err != nil {
		return err
	}
	_, err := await(done, 30*time.Second, name+" finished and audited")
	return err
}

// createTaskRun creates a TaskRun with its status, as Tekton leaves it: the
// apiserver drops status on create, so it is written after.
func (b *bench) createTaskRun(ctx context.Context, tr *tektonv1.TaskRun) error {
	status := tr.Status
	if err := b.c.Create(ctx, tr); err != nil {
		return fmt.Errorf("create TaskRun %s: %w", tr.Name, err)
	}
	tr.Status = status
	if err := b.c.Status().Update(ctx, tr); err != nil {
		return fmt.Errorf("write TaskRun %s status: %w", tr.Name, err)
	}
	return nil
}

// countWrites sums, over the lifecycles whose name has the prefix, the writes
// a watcher saw after the create: status writes, and writes elsewhere.
func countWrites(versions map[string][]*wfev1.WorkflowExecution, prefix string) Lifecycle {
	var l Lifecycle
	var status, other, transitions int
	for name, vs := range versions {
		if len(name) < len(prefix) || name[:len(prefix)] != prefix || len(vs) == 0 {
			continue
		}
		l.Lifecycles++
		for i := 1; i < len(vs); i++ {
			prev, cur := vs[i-1], vs[i]
			if !sameButStatus(prev, cur) {
				other++
			} else {
				status++
			}
		}
		l.MaxWrites = max(l.MaxWrites, len(vs)-1)
		// Set up, PipelineRun created, started, finished, then each audit event.
		transitions += 4 + len(vs[len(vs)-1].Status.AuditedEvents)
	}
	if l.Lifecycles > 0 {
		n := float64(l.Lifecycles)
		l.StatusWrites, l.OtherWrites, l.Transitions = float64(status)/n, float64(other)/n, float64(transitions)/n
	}
	return l
}

// sameButStatus says whether two versions differ only in their status: the
// write between them went through the status subresource.
func sameButStatus(a, b *wfev1.WorkflowExecution) bool {
	return equality.Semantic.DeepEqual(a.Spec, b.Spec) && equality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.Annotations, b.Annotations) && equality.Semantic.DeepEqual(a.Finalizers, b.Finalizers) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences) && a.DeletionTimestamp.Equal(b.DeletionTimestamp)
}
