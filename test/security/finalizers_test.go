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
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// breakGlass is the group that may remove our finalizers besides the controller.
const breakGlass = "wfe-conditions:finalizer-break-glass"

func TestOnlyTheControllerRemovesOurFinalizers(t *testing.T) {
	namespace(t, "held", "runner")
	cp.Grant(t, "held", "ops", rbacv1.PolicyRule{
		APIGroups: []string{wfev1.GroupVersion.Group}, Resources: []string{"workflowexecutions"},
		Verbs: []string{"get", "list", "update", "patch"},
	})
	setPolicy(t, wfev1.ExecutionPolicy{CorrelatingNamespaces: []string{"held"}})
	ctx := t.Context()
	const theirs = "example.com/their-own"
	held := func(t *testing.T) *wfev1.WorkflowExecution {
		we := newWE("held", "runner", anyBundle)
		we.Finalizers = []string{wfev1.FinalizerAudit, wfev1.FinalizerPipelineRunCleanup, theirs}
		require.NoError(t, cp.Client.Create(ctx, we))
		t.Cleanup(func() {
			c := cp.As(t, "cleanup", "system:masters", breakGlass)
			got := &wfev1.WorkflowExecution{}
			if c.Get(context.Background(), client.ObjectKeyFromObject(we), got) == nil {
				got.Finalizers = nil
				assert.NoError(t, c.Update(context.Background(), got))
			}
		})
		return we
	}
	drop := func(c client.Client, we *wfev1.WorkflowExecution, finalizer string) error {
		got := &wfev1.WorkflowExecution{}
		require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(we), got))
		patch := client.MergeFromWithOptions(got.DeepCopy(), client.MergeFromWithOptimisticLock{})
		var kept []string
		for _, f := range got.Finalizers {
			if f != finalizer {
				kept = append(kept, f)
			}
		}
		got.Finalizers = kept
		return c.Patch(ctx, got, patch)
	}

	t.Run("a user with update rights may not remove ours", func(t *testing.T) {
		we := held(t)
		for _, f := range []string{wfev1.FinalizerAudit, wfev1.FinalizerPipelineRunCleanup} {
			err := drop(cp.As(t, "ops"), we, f)
			require.Error(t, err, f)
			assert.Contains(t, err.Error(), "only the controller removes the finalizer "+f)
			assert.Contains(t, err.Error(), breakGlass)
		}
	})
	t.Run("nor may an administrator outside the break-glass group", func(t *testing.T) {
		we := held(t)
		err := drop(cp.Client, we, wfev1.FinalizerAudit)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "only the controller removes the finalizer")
	})
	t.Run("their own finalizers are theirs", func(t *testing.T) {
		assert.NoError(t, drop(cp.As(t, "ops"), held(t), theirs))
	})
	t.Run("the controller removes ours", func(t *testing.T) {
		controller := cp.As(t, wfev1.ControllerUsername(wfev1.InstallNamespace), "system:serviceaccounts", "system:serviceaccounts:"+wfev1.InstallNamespace)
		assert.NoError(t, drop(controller, held(t), wfev1.FinalizerAudit))
	})
	t.Run("the break-glass group removes ours", func(t *testing.T) {
		assert.NoError(t, drop(cp.As(t, "ops", breakGlass), held(t), wfev1.FinalizerAudit))
	})
}
