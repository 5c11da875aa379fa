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
	"encoding/json"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// captured collects JSON log lines; V(1) included.
type captured struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (c *captured) sink(t *testing.T) func(string) {
	return func(obj string) {
		line := map[string]any{}
		assert.NoError(t, json.Unmarshal([]byte(obj), &line), obj)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.lines = append(c.lines, line)
	}
}

func TestReconcileLogLinesNameTheWorkflowExecution(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, wfev1.AddToScheme(scheme))
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "team-a", Name: "restart-web"}}
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, Name: req.Name, UID: "uid-1"}}
	// Another writer wins every status write, so the reconcile logs that it
	// recomputes.
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(we).WithStatusSubresource(we).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(context.Context, client.Client, string, client.Object, client.Patch, ...client.SubResourcePatchOption) error {
			return apierrors.NewConflict(wfev1.GroupVersion.WithResource("workflowexecutions").GroupResource(), req.Name, nil)
		}}).Build()

	tests := []struct {
		name       string
		req        *reconcile.Request
		wantKeys   map[string]any
		wantAbsent []string
	}{
		{"a reconcile's line carries the WorkflowExecution as controller-runtime's For() would", &req, map[string]any{
			"controller": "workflowexecution", "controllerKind": "WorkflowExecution",
			"WorkflowExecution": map[string]any{"namespace": "team-a", "name": "restart-web"},
			"namespace":         "team-a", "name": "restart-web",
		}, nil},
		{"the controller's own lines carry the controller only", nil, map[string]any{
			"controller": "workflowexecution", "controllerGroup": "workflowexecution.kubernaut.ai",
		}, []string{"WorkflowExecution", "namespace", "name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out captured
			logger := requestLogger(funcr.NewJSON(out.sink(t), funcr.Options{Verbosity: 1}))(tt.req)
			if tt.req != nil {
				r := &Reconciler{Client: c, APIReader: c}
				res, err := r.Reconcile(log.IntoContext(t.Context(), logger), *tt.req)
				require.NoError(t, err)
				require.Positive(t, res.RequeueAfter, "the conflict is retried")
			} else {
				logger.Info("Starting Controller")
			}
			out.mu.Lock()
			defer out.mu.Unlock()
			require.NotEmpty(t, out.lines)
			for _, line := range out.lines {
				for k, v := range tt.wantKeys {
					assert.Equal(t, v, line[k], "%s in %v", k, line)
				}
				for _, k := range tt.wantAbsent {
					assert.NotContains(t, line, k)
				}
			}
		})
	}
}
