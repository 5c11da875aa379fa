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

package wetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Check is a predicate on one version of a WorkflowExecution.
type Check func(*wfev1.WorkflowExecution) bool

// WaitFor reads the WorkflowExecution until check passes, failing the test
// with its last conditions when timeout ends first. It returns that version.
func WaitFor(t testing.TB, c client.Reader, we *wfev1.WorkflowExecution, timeout time.Duration, check Check) *wfev1.WorkflowExecution {
	t.Helper()
	got := &wfev1.WorkflowExecution{}
	require.Eventually(t, func() bool {
		return c.Get(t.Context(), client.ObjectKeyFromObject(we), got) == nil && check(got)
	}, timeout, 20*time.Millisecond, "%s/%s never got there; status: %+v", we.Namespace, we.Name, &got.Status)
	return got
}

// ConditionIs passes when the condition has status and, unless reason is "",
// that reason.
func ConditionIs(conditionType string, status metav1.ConditionStatus, reason string) Check {
	return func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(conditionType)
		return c != nil && c.Status == status && (reason == "" || c.Reason == reason)
	}
}

// CompleteIs passes when TektonPipelineComplete has status and reason.
func CompleteIs(status metav1.ConditionStatus, reason string) Check {
	return ConditionIs(wfev1.ConditionTektonPipelineComplete, status, reason)
}

// AuditedIs passes when AuditRecorded has status.
func AuditedIs(status metav1.ConditionStatus) Check {
	return ConditionIs(wfev1.ConditionAuditRecorded, status, "")
}

// All passes when every check passes.
func All(checks ...Check) Check {
	return func(we *wfev1.WorkflowExecution) bool {
		for _, c := range checks {
			if !c(we) {
				return false
			}
		}
		return true
	}
}

// Waits passes when TektonPipelineRunning's message names why a task waits.
func Waits(we *wfev1.WorkflowExecution) bool {
	c := we.Condition(wfev1.ConditionTektonPipelineRunning)
	if c == nil {
		return false
	}
	_, _, ok := wfev1.WaitingOf(c.Message)
	return ok
}

// WaitForCause waits until the WorkflowExecution names why a task waits,
// logs how long that took since created, and returns the cause, its detail
// and that version.
func WaitForCause(t testing.TB, c client.Reader, we *wfev1.WorkflowExecution, created time.Time, timeout time.Duration) (wfev1.WaitingCause, string, *wfev1.WorkflowExecution) {
	t.Helper()
	got := WaitFor(t, c, we, timeout, Waits)
	msg := got.Condition(wfev1.ConditionTektonPipelineRunning).Message
	t.Logf("created to waiting cause in %s: %s", time.Since(created).Round(100*time.Millisecond), msg)
	cause, detail, _ := wfev1.WaitingOf(msg)
	return cause, detail, got
}
