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

package wiring

import (
	"errors"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
)

func TestKlogAndControllerRuntimeWriteThroughTheGivenLogger(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	SetLogger(funcr.NewJSON(func(obj string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, obj)
	}, funcr.Options{}))
	t.Cleanup(klog.ClearLogger)

	tests := []struct {
		name string
		log  func()
		want []string
	}{
		{"a klog printf line, as leader election writes it", func() { klog.Infof("successfully acquired lease %s", "ns/lease") },
			[]string{`"msg":"successfully acquired lease ns/lease"`}},
		{"a structured klog line keeps its keys", func() { klog.InfoS("watch ended", "resource", "leases") },
			[]string{`"msg":"watch ended"`, `"resource":"leases"`}},
		{"a klog error keeps its error", func() { klog.ErrorS(errors.New("lease expired"), "failed to renew lease") },
			[]string{`"msg":"failed to renew lease"`, `"error":"lease expired"`}},
		{"controller-runtime's root logger", func() { ctrl.Log.WithName("setup").Info("starting manager") },
			[]string{`"logger":"setup"`, `"msg":"starting manager"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			lines = nil
			mu.Unlock()
			tt.log()
			klog.Flush()
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, lines, 1, "one line, through the given logger")
			for _, w := range tt.want {
				assert.Contains(t, lines[0], w)
			}
		})
	}
}
