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
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

const waitsNS = "waits"

// Waiting is what naming why a task waits costs: running WorkflowExecutions
// whose only TaskRun cannot pull its image, named, then held.
type Waiting struct {
	Running int `json:"waitingWorkflowExecutions"`
	// ToCause runs from the PipelineRun's last write to the WorkflowExecution
	// naming the cause: 10 s (waitingAfter) by design, plus the look.
	ToCause Latency `json:"pipelineRunWriteToCause"`
	// StatusWritesToCause are the WorkflowExecution writes from the
	// PipelineRun's start to the cause, per execution.
	StatusWritesToCause float64 `json:"statusWritesToCausePerExecution"`
	HeldSeconds         float64 `json:"heldSeconds"`
	// While held: writes, reconciles and TaskRun reads per execution per
	// minute (the manager's and the apiserver's totals over these runs: the
	// other steps' running executions are settled and quiet by then).
	HeldWrites        int64   `json:"workflowExecutionWritesWhileHeld"`
	ReconcilesPerMin  float64 `json:"reconcilesPerExecutionPerMinute"`
	TaskRunGetsPerMin float64 `json:"taskRunGetsPerExecutionPerMinute"`
	CPUPercent        float64 `json:"managerCPUPercent"`
}

// stuckTaskRun is a TaskRun as Tekton leaves it while the kubelet backs off
// pulling its image (default-imagepullbackoff-timeout set).
func stuckTaskRun(pr *tektonv1.PipelineRun) *tektonv1.TaskRun {
	tr := &tektonv1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: pr.Namespace, Name: taskRunName(pr, 0)},
		Spec:       tektonv1.TaskRunSpec{TaskSpec: &tektonv1.TaskSpec{Steps: []tektonv1.Step{{Name: "restart", Image: "127.0.0.1:1/missing:v1"}}}},
	}
	tr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown, Reason: "PullImageFailed",
		Message:            `build step "step-restart" is pending with reason "Back-off pulling image \"127.0.0.1:1/missing:v1\""`,
		LastTransitionTime: apis.VolatileTime{Inner: metav1.Now()}}}
	return tr
}

func waitsNamed(o client.Object) bool {
	we := asWE(o)
	if we == nil {
		return false
	}
	c := we.Condition(wfev1.ConditionTektonPipelineRunning)
	if c == nil {
		return false
	}
	_, _, ok := wfev1.WaitingOf(c.Message)
	return ok
}

// waiting starts n runs whose task waits for its image, measures how soon
// each says why, then holds them for hold and counts what they cost.
func (b *bench) waiting(ctx context.Context, n int, hold time.Duration) (Waiting, error) {
	w := Waiting{Running: n}
	if err := b.createNamespace(ctx, waitsNS); err != nil {
		return w, err
	}
	toCause := make([]time.Duration, n)
	writes0 := b.wes.events.Load()
	err := parallel(n, 10, func(i int) error {
		name := fmt.Sprintf("stuck-%d", i)
		created := b.wes.expect(waitsNS, name, func(o client.Object) bool { return asWE(o).Status.PipelineRunRef != nil })
		named := b.wes.expect(waitsNS, name, waitsNamed)
		we := newWE(waitsNS, name)
		if err := b.c.Create(ctx, we); err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		if _, err := await(created, 30*time.Second, name+" PipelineRun created"); err != nil {
			return err
		}
		pr := pipelineRunOf(we)
		if err := b.createTaskRun(ctx, stuckTaskRun(pr)); err != nil {
			return err
		}
		running(pr, 0, time.Now())
		sent := time.Now()
		if err := b.patchStatus(ctx, pr); err != nil {
			return err
		}
		at, err := await(named, time.Minute, name+" names why it waits")
		toCause[i] = at.Sub(sent)
		return err
	})
	if err != nil {
		return w, err
	}
	w.ToCause = summarize(toCause)
	// Set up, created, started, the started audit event, the cause, the
	// audit finalizer: what each execution wrote up to here.
	w.StatusWritesToCause = float64(b.wes.events.Load()-writes0) / float64(n)

	req0, err := b.apiRequests(ctx)
	if err != nil {
		return w, err
	}
	held, err := b.idle(ctx, hold, n)
	if err != nil {
		return w, err
	}
	req1, err := b.apiRequests(ctx)
	if err != nil {
		return w, err
	}
	perMin := func(v float64) float64 { return float64(int(v/float64(n)/held.Seconds*60*10)) / 10 }
	w.HeldSeconds, w.HeldWrites, w.CPUPercent = held.Seconds, held.WEWrites, held.CPUPercent
	w.ReconcilesPerMin, w.TaskRunGetsPerMin = perMin(held.Reconciles), perMin(delta(req0, req1)["GET taskruns"])
	return w, nil
}
