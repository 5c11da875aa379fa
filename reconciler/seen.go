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
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// seen remembers, per WorkflowExecution, when an event first asked for a
// status write that has not landed yet: the start of a latency measurement.
// Later events keep the earliest time, so a burst is measured from its first.
type seen struct {
	mu sync.Mutex
	at map[types.NamespacedName]time.Time
}

// mark records t for key unless an earlier time is pending.
func (s *seen) mark(key types.NamespacedName, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.at[key]; ok && !old.After(t) {
		return
	}
	if s.at == nil {
		s.at = map[types.NamespacedName]time.Time{}
	}
	s.at[key] = t
}

// take returns and forgets the pending time of key.
func (s *seen) take(key types.NamespacedName) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.at[key]
	delete(s.at, key)
	return t, ok
}

// forget drops the pending time of key.
func (s *seen) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.at, key)
}

// markingHandler passes every event on to its handler, and first tells
// onCreate and onChange (update and delete) when the informer delivered it.
type markingHandler struct {
	handler.EventHandler
	onCreate func(event.CreateEvent, time.Time)
	onChange func(client.Object, time.Time)
}

func (h markingHandler) Create(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if h.onCreate != nil {
		h.onCreate(e, time.Now())
	}
	h.EventHandler.Create(ctx, e, q)
}

func (h markingHandler) Update(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if h.onChange != nil {
		h.onChange(e.ObjectNew, time.Now())
	}
	h.EventHandler.Update(ctx, e, q)
}

func (h markingHandler) Delete(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	if h.onChange != nil {
		h.onChange(e.Object, time.Now())
	}
	h.EventHandler.Delete(ctx, e, q)
}

// markCreated wraps the WorkflowExecution handler: the create event of a new
// WorkflowExecution (not one of the initial list) starts the measurement of
// wfe_initial_conditions_latency_seconds.
func (r *Reconciler) markCreated(h handler.EventHandler) handler.EventHandler {
	return markingHandler{EventHandler: h, onCreate: func(e event.CreateEvent, t time.Time) {
		if !e.IsInInitialList {
			r.created.mark(client.ObjectKeyFromObject(e.Object), t)
		}
	}}
}

// markPipelineRunChanged wraps the PipelineRun handler: every change after
// the initial list starts the measurement of
// wfe_pipelinerun_status_latency_seconds for its WorkflowExecution.
func (r *Reconciler) markPipelineRunChanged(h handler.EventHandler) handler.EventHandler {
	mark := func(o client.Object, t time.Time) {
		for _, req := range workflowExecutionOf(context.Background(), o) {
			r.pipelineRunSeen.mark(req.NamespacedName, t)
		}
	}
	return markingHandler{EventHandler: h, onChange: mark, onCreate: func(e event.CreateEvent, t time.Time) {
		if !e.IsInInitialList {
			mark(e.Object, t)
		}
	}}
}
