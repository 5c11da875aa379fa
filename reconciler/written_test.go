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
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/types"
)

func TestWritesTellAStaleCacheFromAFreshOne(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "we"}
	other := types.NamespacedName{Namespace: "ns", Name: "other"}
	tests := []struct {
		name  string
		steps func(w *writes) bool
		stale bool
	}{
		{"nothing written: nothing is stale", func(w *writes) bool { return w.stale(key, "1") }, false},
		{"the version our write replaced is stale", func(w *writes) bool { w.wrote(key, "1"); return w.stale(key, "1") }, true},
		{"it stays stale until the cache moves on", func(w *writes) bool { w.wrote(key, "1"); w.stale(key, "1"); return w.stale(key, "1") }, true},
		{"any other version ends the wait for good", func(w *writes) bool { w.wrote(key, "1"); w.stale(key, "2"); return w.stale(key, "1") }, false},
		{"another WorkflowExecution is not affected", func(w *writes) bool { w.wrote(key, "1"); return w.stale(other, "1") }, false},
		{"a deleted WorkflowExecution is forgotten", func(w *writes) bool { w.wrote(key, "1"); w.forget(key); return w.stale(key, "1") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.stale, tt.steps(&writes{})) })
	}
}
