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

package security

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// The cancel request as the wfe-conditions-cancel admission policy holds it:
// two write-once annotations, the requester's own name, a bounded reason, the
// verb cancel, and only while the run has not finished.
func TestACancelIsRequestedOnceByItsRequesterWithTheCancelVerb(t *testing.T) {
	// The administrator creates the runs: no execution policy of its own is
	// needed (a correlating-namespaces-only change is one enforced() cannot
	// probe, and would race the next test's).
	namespace(t, "cancels", "runner")
	edit := rbacv1.PolicyRule{APIGroups: []string{wfev1.GroupVersion.Group}, Resources: []string{"workflowexecutions"},
		Verbs: []string{"get", "list", "update", "patch"}}
	cancelVerb := rbacv1.PolicyRule{APIGroups: []string{wfev1.GroupVersion.Group}, Resources: []string{"workflowexecutions"},
		Verbs: []string{"cancel"}}
	cp.Grant(t, "cancels", "tenant", edit)
	cp.Grant(t, "cancels", "oncall", edit, cancelVerb)
	ctx := t.Context()

	running := func(t *testing.T) *wfev1.WorkflowExecution {
		we := newWE("cancels", "runner", anyBundle)
		require.NoError(t, cp.Client.Create(ctx, we))
		t.Cleanup(func() { _ = cp.Client.Delete(ctx, we) })
		return we
	}
	annotate := func(c client.Client, we *wfev1.WorkflowExecution, set map[string]*string) error {
		got := &wfev1.WorkflowExecution{}
		require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(we), got))
		patch := client.MergeFrom(got.DeepCopy())
		if got.Annotations == nil {
			got.Annotations = map[string]string{}
		}
		for k, v := range set {
			if v == nil {
				delete(got.Annotations, k)
			} else {
				got.Annotations[k] = *v
			}
		}
		return c.Patch(ctx, got, patch)
	}
	request := func(by, reason string) map[string]*string {
		return map[string]*string{wfev1.AnnotationCancelRequestedBy: &by, wfev1.AnnotationCancelReason: &reason}
	}
	denied := func(t *testing.T, err error, says string) {
		t.Helper()
		require.Error(t, err)
		assert.Contains(t, err.Error(), says)
	}

	t.Run("the requester with the cancel verb cancels, naming itself, with a reason of 256 characters", func(t *testing.T) {
		assert.NoError(t, annotate(cp.As(t, "oncall"), running(t), request("oncall", strings.Repeat("r", wfev1.MaxCancelReason))))
	})
	t.Run("update rights alone do not cancel", func(t *testing.T) {
		denied(t, annotate(cp.As(t, "tenant"), running(t), request("tenant", "mine")),
			"tenant may not cancel workflowexecution we-")
	})
	t.Run("the request names its requester, nobody else", func(t *testing.T) {
		denied(t, annotate(cp.As(t, "oncall"), running(t), request("someone-else", "blame")),
			"cancel-requested-by must be your own username, oncall")
	})
	t.Run("a reason is required and bounded", func(t *testing.T) {
		we := running(t)
		denied(t, annotate(cp.As(t, "oncall"), we, request("oncall", "")), "1 to 256 characters (it has 0)")
		denied(t, annotate(cp.As(t, "oncall"), we, request("oncall", strings.Repeat("r", 257))), "(it has 257)")
		reasonOnly := "why"
		denied(t, annotate(cp.As(t, "oncall"), we, map[string]*string{wfev1.AnnotationCancelReason: &reasonOnly}),
			"may not be set alone")
	})
	t.Run("once written, neither annotation changes or goes, not even by an administrator", func(t *testing.T) {
		we := running(t)
		require.NoError(t, annotate(cp.As(t, "oncall"), we, request("oncall", "superseded")))
		other := "changed my mind"
		denied(t, annotate(cp.As(t, "oncall"), we, map[string]*string{wfev1.AnnotationCancelReason: &other}), "written once")
		denied(t, annotate(cp.Client, we, map[string]*string{wfev1.AnnotationCancelRequestedBy: nil}), "written once")
		label := "kept"
		assert.NoError(t, annotate(cp.As(t, "tenant"), we, map[string]*string{"example.com/note": &label}),
			"other annotations stay free")
	})
	t.Run("a finished run has nothing to cancel", func(t *testing.T) {
		we := running(t)
		got := &wfev1.WorkflowExecution{}
		require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(we), got))
		wfev1.EnsureConditions(&got.Status, got.Generation)
		got.MarkSucceeded("Tekton PipelineRun succeeded")
		controller := cp.As(t, wfev1.ControllerUsername(wfev1.InstallNamespace), "system:serviceaccounts",
			"system:serviceaccounts:"+wfev1.InstallNamespace)
		require.NoError(t, controller.Status().Update(ctx, got))
		denied(t, annotate(cp.As(t, "oncall"), we, request("oncall", "too late")), "has already finished (PipelineSucceeded)")
	})
	t.Run("a WorkflowExecution is not created cancelled", func(t *testing.T) {
		we := newWE("cancels", "runner", anyBundle)
		we.Annotations = map[string]string{wfev1.AnnotationCancelRequestedBy: "admin", wfev1.AnnotationCancelReason: "never"}
		denied(t, cp.Client.Create(ctx, we, &client.CreateOptions{DryRun: []string{metav1.DryRunAll}}), "cancel it once it exists")
	})
}
