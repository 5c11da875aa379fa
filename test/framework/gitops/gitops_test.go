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

package gitops_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/gitops"
)

func TestTheArgoCDSnippetEmbedsExactlyHealthLua(t *testing.T) {
	dir, err := gitops.Dir()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "argocd", "argocd-cm.yaml"))
	require.NoError(t, err)
	cm := &corev1.ConfigMap{}
	require.NoError(t, yaml.UnmarshalStrict(b, cm))
	script, err := gitops.ArgoScript()
	require.NoError(t, err)
	assert.Equal(t, "argocd-cm", cm.Name)
	key := "resource.customizations.health." + wfev1.GroupVersion.Group + "_" + wfev1.Kind
	require.Contains(t, cm.Data, key)
	assert.Equal(t, script, cm.Data[key], "argocd-cm.yaml must hold health.lua verbatim")
}

func TestTheFluxSnippetIsForWorkflowExecutions(t *testing.T) {
	check, err := gitops.FluxCheck()
	require.NoError(t, err)
	assert.Equal(t, wfev1.GroupVersion.String(), check.APIVersion)
	assert.Equal(t, wfev1.Kind, check.Kind)
	assert.NotEmpty(t, check.InProgress)
	assert.NotEmpty(t, check.Failed)
}

func TestTheHelperRefusesWhatArgoCDRefuses(t *testing.T) {
	tests := []struct{ name, script, err string }{
		{"a status Argo CD does not know is an error", `return {status = "Fine"}`, `status "Fine"`},
		{"a script that returns no table is an error", `return "Healthy"`, "not a table"},
		{"the os library is not open, as in Argo CD", `return {status = os.getenv("HOME")}`, "getenv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gitops.RunHealthScript(tt.script, map[string]any{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestToLuaKeepsListsMapsAndNumbers(t *testing.T) {
	h, err := gitops.RunHealthScript(`return {status = "Healthy", message = obj.a[2].b .. "/" .. obj.n .. "/" .. tostring(obj.t) .. "/" .. #obj.a}`,
		map[string]any{"a": []any{"x", map[string]any{"b": "y"}}, "n": int64(3), "t": true})
	require.NoError(t, err)
	assert.Equal(t, "y/3/true/2", h.Message)
	_, err = gitops.RunHealthScript(`return {status = "Healthy"}`, map[string]any{"c": make(chan int)})
	assert.ErrorContains(t, err, "no Lua value for chan int")
}

// obj is a WorkflowExecution of generation gen whose status starts as the
// reconciler's first write (all four Unknown) and then takes conds.
func obj(t *testing.T, gen int64, phase wfev1.Phase, conds ...metav1.Condition) map[string]any {
	t.Helper()
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Name: "we", Namespace: "default", Generation: gen}}
	we.SetGroupVersionKind(wfev1.GroupVersion.WithKind(wfev1.Kind))
	we.Status.Phase, we.Status.ObservedGeneration = phase, 1
	wfev1.EnsureConditions(&we.Status, 1)
	for _, c := range conds {
		c.ObservedGeneration = 1
		meta.SetStatusCondition(&we.Status.Conditions, c)
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(we)
	require.NoError(t, err)
	return u
}

func cond(typ string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg}
}
