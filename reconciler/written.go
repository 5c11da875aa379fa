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
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// writes remembers, per WorkflowExecution, the resourceVersion each of our
// status writes replaced. Until the cache moves past that version it is
// stale: a reconcile on it would recompute what was just written and lose an
// optimistic-lock race with our own write. The watch event of the write
// itself brings the next reconcile, so nothing waits on a timer.
type writes struct {
	mu       sync.Mutex
	replaced map[types.NamespacedName]string
}

// wrote records that a status write replaced resourceVersion rv.
func (w *writes) wrote(key types.NamespacedName, rv string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.replaced == nil {
		w.replaced = map[types.NamespacedName]string{}
	}
	w.replaced[key] = rv
}

// stale says whether rv, read from the cache, is a version one of our writes
// already replaced. Any other version ends the wait.
func (w *writes) stale(key types.NamespacedName, rv string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	old, ok := w.replaced[key]
	if ok && old == rv {
		return true
	}
	delete(w.replaced, key)
	return false
}

// forget drops what is known of a deleted WorkflowExecution.
func (w *writes) forget(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.replaced, key)
}
