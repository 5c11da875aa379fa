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

package reconciler

import (
	"context"
	"fmt"
	"sync"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// waitingAfter is how long a running PipelineRun goes unchanged before its
// unfinished TaskRuns are read for why they wait, and how often they are read
// again while one waits (half as long while one has not begun executing and
// says no cause yet). Tekton's PipelineRun does not change while a task
// waits for its pod, so nothing else brings the run back.
const waitingAfter = 10 * time.Second

// retryRecheck is how often the TaskRuns of a run whose tasks all execute
// are read again while one of them may still be retried: Tekton retries a
// task in the same TaskRun, with a new pod that may wait, without changing
// the PipelineRun. Without retries left, nothing is read again until the
// PipelineRun changes.
const retryRecheck = time.Minute

// lookAgain says when a look that named no cause is repeated.
type lookAgain int

// The later, the more urgent: a run's look takes its tasks' most urgent.
const (
	// never: every unfinished task executes and none can be retried.
	never lookAgain = iota
	// later: every unfinished task executes, and one may be retried.
	later
	// soon: a task has not begun executing (its pod starting, a first pull).
	soon
)

// +kubebuilder:rbac:groups="",resources=pods,verbs=get
// +kubebuilder:rbac:groups="",resources=events,verbs=list

// waitLook is what the last look at a running PipelineRun's tasks found.
type waitLook struct {
	// progress is the PipelineRun's last change the look was for.
	progress time.Time
	// next is when to look again; zero: not before the PipelineRun changes.
	next time.Time
	wait *taskWait
}

// waits remembers, per running WorkflowExecution, the last look; the
// wfe_executions_waiting gauge counts them by cause.
type waits struct {
	mu   sync.Mutex
	look map[types.NamespacedName]waitLook
}

func (w *waits) get(key types.NamespacedName) (waitLook, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	l, ok := w.look[key]
	return l, ok
}

func (w *waits) set(key types.NamespacedName, l waitLook) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.look == nil {
		w.look = map[types.NamespacedName]waitLook{}
	}
	counted(w.look[key].wait, l.wait)
	w.look[key] = l
}

func (w *waits) forget(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if l, ok := w.look[key]; ok {
		counted(l.wait, nil)
		delete(w.look, key)
	}
}

// recheckIn is how long until the next look at key, 0 for none.
func (w *waits) recheckIn(key types.NamespacedName, now time.Time) time.Duration {
	l, ok := w.get(key)
	if !ok || l.next.IsZero() {
		return 0
	}
	return max(l.next.Sub(now), time.Second)
}

// counted moves a run's count in the gauge from the cause it was waiting
// for to the one it waits for now (nil: none).
func counted(was, is *taskWait) {
	if was != nil && (is == nil || is.Cause != was.Cause) {
		metricWaiting.WithLabelValues(string(was.Cause)).Dec()
	}
	if is != nil && (was == nil || was.Cause != is.Cause) {
		metricWaiting.WithLabelValues(string(is.Cause)).Inc()
	}
}

// lastProgress is when the PipelineRun last changed as Tekton tells it: its
// Succeeded condition's transition (its message counts the tasks), else its start.
func lastProgress(pr *tektonv1.PipelineRun) time.Time {
	t := pr.CreationTimestamp.Time
	if pr.Status.StartTime != nil && pr.Status.StartTime.After(t) {
		t = pr.Status.StartTime.Time
	}
	if c := pr.Status.GetCondition(apis.ConditionSucceeded); c != nil && c.LastTransitionTime.Inner.After(t) {
		t = c.LastTransitionTime.Inner.Time
	}
	return t
}

// waitingOf says why a running PipelineRun's task waits, once it has gone
// unchanged for waitingAfter: from the last look while that is recent, else
// from a new one. A wait the status already tells is kept while the same task
// waits for the same cause (steady), also across a restart or a failed read.
// A healthy run costs one look per change of its PipelineRun that lasts
// waitingAfter (then one a minute while a task may be retried), and no
// status write.
func (r *Reconciler) waitingOf(ctx context.Context, we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun) *taskWait {
	key := client.ObjectKeyFromObject(we)
	now, since := r.now().Time, lastProgress(pr)
	if last, ok := r.waits.get(key); ok && last.progress.Equal(since) && (last.next.IsZero() || now.Before(last.next)) {
		return last.wait
	}
	if now.Sub(since) < waitingAfter {
		r.waits.set(key, waitLook{progress: since, next: since.Add(waitingAfter)})
		return nil
	}
	var told *taskWait
	if c := we.Condition(wfev1.ConditionTektonPipelineRunning); c != nil {
		told = toldWait(c.Message)
	}
	found, again, err := r.lookForWait(ctx, pr, now)
	if err != nil {
		// Kept as told rather than dropped on one failed read.
		log.FromContext(ctx).V(1).Info("could not read why the run waits", "pipelineRun", pr.Name, "error", err.Error())
		found, again = told, soon
	}
	w := steady(told, found)
	look := waitLook{progress: since, wait: w}
	switch {
	case w != nil:
		look.next = now.Add(waitingAfter)
	case again == soon:
		look.next = now.Add(waitingAfter / 2)
	case again == later:
		look.next = now.Add(retryRecheck)
	}
	r.waits.set(key, look)
	return w
}

// lookForWait reads the PipelineRun's TaskRuns, in its order, for the first
// that waits over waitingAfter: its condition first, its pod only when Tekton
// says it is pending or exceeds the node, Events only for a mount. Without a
// cause, again says when to look again.
func (r *Reconciler) lookForWait(ctx context.Context, pr *tektonv1.PipelineRun, now time.Time) (*taskWait, lookAgain, error) {
	again := never
	for _, ref := range pr.Status.ChildReferences {
		if ref.Kind != "TaskRun" {
			continue
		}
		tr, err := r.getTaskRun(ctx, pr.Namespace, ref.Name)
		if err != nil {
			return nil, soon, err
		}
		if tr == nil {
			continue
		}
		urgency, unfinished := lookAgainFor(tr)
		again = max(again, urgency)
		if !unfinished || now.Sub(tr.CreationTimestamp.Time) < waitingAfter {
			continue
		}
		w, readPod := taskRunWait(ref.PipelineTaskName, tr)
		if readPod && tr.Status.PodName != "" {
			pw, err := r.readPodWait(ctx, ref.PipelineTaskName, pr.Namespace, tr.Status.PodName)
			if err != nil {
				return w, soon, err
			}
			if pw != nil {
				w = pw
			}
		}
		if w != nil {
			return w, soon, nil
		}
	}
	return nil, again, nil
}

// lookAgainFor says when to look at a TaskRun again if it names no cause,
// and whether it is unfinished at all.
func lookAgainFor(tr *tektonv1.TaskRun) (again lookAgain, unfinished bool) {
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case c != nil && c.Status != corev1.ConditionUnknown:
		return never, false
	case c == nil || c.Reason != tektonv1.TaskRunReasonRunning.String():
		return soon, true
	case tr.Spec.Retries > len(tr.Status.RetriesStatus):
		return later, true
	}
	return never, true
}

// readPodWait reads a pending TaskRun's pod, and its Events when only they can
// say a volume cannot be mounted.
func (r *Reconciler) readPodWait(ctx context.Context, task, namespace, name string) (*taskWait, error) {
	pod := &corev1.Pod{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, pod); err != nil {
		return nil, client.IgnoreNotFound(fmt.Errorf("get pod %s/%s: %w", namespace, name, err))
	}
	w, readEvents := podWait(task, pod)
	if !readEvents {
		return w, nil
	}
	events := &corev1.EventList{}
	if err := r.APIReader.List(ctx, events, client.InNamespace(namespace), client.MatchingFields{
		"involvedObject.kind": "Pod", "involvedObject.name": name, "involvedObject.uid": string(pod.UID),
	}); err != nil {
		return nil, fmt.Errorf("list Events of pod %s/%s: %w", namespace, name, err)
	}
	return mountWait(task, events.Items), nil
}
