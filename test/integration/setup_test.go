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

// Package integration tests the product against a real kube-apiserver, with the
// real webhook over TLS and the real kubectl.
package integration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

func newWE(namespace, name string) *wfev1.WorkflowExecution {
	return wetest.New(namespace, name, wetest.Bundle("quay.io/example/restart-pods:v1"))
}

// recordedWE is newWE whose creator records where and as whom it runs, as a
// caller without our webhook must (the reconciler runs nothing unrecorded).
func recordedWE(namespace, name, runIn string) *wfev1.WorkflowExecution {
	return wetest.New(namespace, name, wetest.Bundle("quay.io/example/restart-pods:v1"),
		wetest.RunIn(runIn), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount))
}

// eventually fetches the WorkflowExecution until check passes or timeout ends.
func eventually(t *testing.T, cp *controlplane.ControlPlane, key client.ObjectKey, timeout time.Duration, check func(*wfev1.WorkflowExecution) bool) *wfev1.WorkflowExecution {
	t.Helper()
	we := &wfev1.WorkflowExecution{}
	require.Eventually(t, func() bool {
		return cp.Client.Get(t.Context(), key, we) == nil && check(we)
	}, timeout, 10*time.Millisecond, "WorkflowExecution %s never reached the expected state; last status: %+v", key, we.Status)
	return we
}

func hasAllConditions(we *wfev1.WorkflowExecution) bool {
	for _, c := range wfev1.ConditionTypes {
		if meta.FindStatusCondition(we.Status.Conditions, c) == nil {
			return false
		}
	}
	return true
}

// assertInitialConditions checks a status as the first visit writes it: phase
// Pending, all four conditions Unknown.
func assertInitialConditions(t *testing.T, we *wfev1.WorkflowExecution) {
	t.Helper()
	assert.Equal(t, wfev1.PhasePending, we.Status.Phase)
	assertConditionsComplete(t, we)
	for _, c := range we.Status.Conditions {
		assert.Equal(t, metav1.ConditionUnknown, c.Status, c.Type)
	}
}

// assertConditionsComplete checks the invariant of every status: four
// conditions, each stamped with the generation, with a reason and a message.
func assertConditionsComplete(t *testing.T, we *wfev1.WorkflowExecution) {
	t.Helper()
	assert.Equal(t, we.Generation, we.Status.ObservedGeneration)
	require.Len(t, we.Status.Conditions, 4)
	for _, c := range we.Status.Conditions {
		assert.Equal(t, we.Generation, c.ObservedGeneration, c.Type)
		assert.NotEmpty(t, c.Reason, c.Type)
		assert.NotEmpty(t, c.Message, c.Type)
	}
}

// firstStatus returns a channel that receives the first version of a
// WorkflowExecution in namespace that carries a status, as a watcher sees it.
func firstStatus(t *testing.T, cp *controlplane.ControlPlane, namespace string) <-chan *wfev1.WorkflowExecution {
	t.Helper()
	w, err := cp.WatchClient(t).Watch(t.Context(), &wfev1.WorkflowExecutionList{}, client.InNamespace(namespace))
	require.NoError(t, err)
	out := make(chan *wfev1.WorkflowExecution, 1)
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			if we, ok := ev.Object.(*wfev1.WorkflowExecution); ok && len(we.Status.Conditions) > 0 {
				out <- we
				return
			}
		}
	}()
	return out
}
