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
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// watcher is a cluster-wide watch of one kind that stamps each event on
// arrival: expectations wait for an object to reach a state, hooks react to
// events of a namespace, and every event is counted.
type watcher struct {
	events atomic.Int64

	mu      sync.Mutex
	expects map[string][]*expectation
	hooks   map[string]func(time.Time, watch.EventType, client.Object)
	err     error
}

type expectation struct {
	match func(client.Object) bool
	ch    chan time.Time
}

func (b *bench) watch(ctx context.Context, list client.ObjectList, opts ...client.ListOption) (*watcher, error) {
	wi, err := b.c.Watch(ctx, list, opts...)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &watcher{expects: map[string][]*expectation{}, hooks: map[string]func(time.Time, watch.EventType, client.Object){}}
	go func() {
		for ev := range wi.ResultChan() {
			at := time.Now()
			obj, ok := ev.Object.(client.Object)
			if !ok || (ev.Type != watch.Added && ev.Type != watch.Modified && ev.Type != watch.Deleted) {
				continue
			}
			w.events.Add(1)
			w.deliver(at, ev.Type, obj)
		}
		w.mu.Lock()
		if ctx.Err() == nil {
			w.err = fmt.Errorf("the watch of %T ended early", list)
		}
		w.mu.Unlock()
	}()
	go func() { <-ctx.Done(); wi.Stop() }()
	return w, nil
}

func (w *watcher) deliver(at time.Time, typ watch.EventType, obj client.Object) {
	key := obj.GetNamespace() + "/" + obj.GetName()
	w.mu.Lock()
	hook := w.hooks[obj.GetNamespace()]
	pending := w.expects[key]
	kept := pending[:0]
	for _, e := range pending {
		if typ != watch.Deleted && e.match(obj) {
			e.ch <- at
		} else {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		delete(w.expects, key)
	} else {
		w.expects[key] = kept
	}
	w.mu.Unlock()
	if hook != nil {
		hook(at, typ, obj)
	}
}

// expect returns a channel that receives the arrival time of the first event
// of namespace/name that matches; register it before the write it awaits.
func (w *watcher) expect(namespace, name string, match func(client.Object) bool) <-chan time.Time {
	e := &expectation{match: match, ch: make(chan time.Time, 1)}
	w.mu.Lock()
	w.expects[namespace+"/"+name] = append(w.expects[namespace+"/"+name], e)
	w.mu.Unlock()
	return e.ch
}

// onEvent calls f, on the watch's goroutine, for every event of a namespace.
func (w *watcher) onEvent(namespace string, f func(time.Time, watch.EventType, client.Object)) {
	w.mu.Lock()
	w.hooks[namespace] = f
	w.mu.Unlock()
}

func (w *watcher) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// await waits for an expectation.
func await(ch <-chan time.Time, timeout time.Duration, what string) (time.Time, error) {
	select {
	case t := <-ch:
		return t, nil
	case <-time.After(timeout):
		return time.Time{}, fmt.Errorf("%s: not seen within %s", what, timeout)
	}
}

// quiet waits until the watcher has seen no event for d, at most max.
func (w *watcher) quiet(d, max time.Duration) error {
	deadline := time.Now().Add(max)
	last, since := w.events.Load(), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if n := w.events.Load(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= d {
			return nil
		}
	}
	return fmt.Errorf("events kept coming for %s", max)
}
