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

package reliability

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestAnotherWriterPatchingStatusBreaksNoInvariant(t *testing.T) {
	e := setup(t)
	rec := e.record(t)
	e.startManager(t)
	const n = 20
	for i := range n {
		require.NoError(t, e.cp.Client.Create(t.Context(), newWE(fmt.Sprintf("conflict-%02d", i))))
	}
	// Another controller owns a condition of its own and writes it 100 times
	// with server-side apply while the lifecycles run; conditions is a map
	// keyed by type, so its writes merge with ours.
	writes, conflicts := 0, 0
	for i := range 100 {
		name := fmt.Sprintf("conflict-%02d", i%n)
		patch := &wfev1.WorkflowExecution{
			TypeMeta:   metav1.TypeMeta{APIVersion: wfev1.GroupVersion.String(), Kind: wfev1.Kind},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Status: wfev1.WorkflowExecutionStatus{Conditions: []metav1.Condition{{
				Type: "ExternalCheck", Status: metav1.ConditionTrue, Reason: "Checked",
				Message: fmt.Sprintf("check %d", i), LastTransitionTime: metav1.Now(), ObservedGeneration: 1,
			}}},
		}
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(patch)
		require.NoError(t, err)
		delete(u, "spec") // apply only what this writer owns
		err = e.cp.Client.Status().Apply(t.Context(), client.ApplyConfigurationFromUnstructured(&unstructured.Unstructured{Object: u}),
			client.FieldOwner("external-checker"), client.ForceOwnership)
		if err != nil {
			conflicts++
		} else {
			writes++
		}
		time.Sleep(40 * time.Millisecond)
	}
	took := e.waitAllComplete(t, n, 3*time.Minute)
	time.Sleep(time.Second)
	dups := e.checkAllowing(t, rec, "ExternalCheck")
	t.Logf("conflicts: %d foreign status writes (%d refused) during %d lifecycles; all converged %s later; duplicate audit events: %d", writes, conflicts, n, took.Round(time.Millisecond), dups)
	assert.Positive(t, writes)
	list := &wfev1.WorkflowExecutionList{}
	require.NoError(t, e.cp.Client.List(t.Context(), list, client.InNamespace(ns)))
	for _, we := range list.Items {
		assert.NotNil(t, we.Condition("ExternalCheck"), "%s keeps the other writer's condition", we.Name)
	}
}
