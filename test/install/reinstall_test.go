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

package install

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// editedWithin is how soon an edit of the execution policy must be enforced,
// by the apiserver and by the manager alike.
const editedWithin = 10 * time.Second

// With params, a kube-apiserver keeps a dead informer and the old params once
// a binding is deleted and re-created (kubernetes/kubernetes#130887): the
// policy lives in the admission policy itself, so uninstalling, reinstalling
// and editing it are enforced at once on a kube-apiserver never restarted.
func TestThePolicyHoldsAcrossReinstallsAndEditsWithoutRestartingTheAPIServer(t *testing.T) {
	cp := controlplane.Start(t, controlplane.WithProduct())
	ctx := t.Context()
	cp.StartManager(t)
	edit := 0
	check := func(t *testing.T) {
		edit++
		team := fmt.Sprintf("registry.example.com/team-%d", edit)
		runner := fmt.Sprintf("runner-%d", edit)
		start := time.Now()
		require.NoError(t, cp.SetExecutionPolicy(ctx, wfev1.ExecutionPolicy{DefaultServiceAccount: runner, AllowedBundlePrefixes: []string{team}}))
		// The apiserver: a bundle of the new team is admitted, the old one's not.
		verdict(t, cp, recorded(team+"/restart:v1"), "")
		if edit > 1 {
			verdict(t, cp, recorded(fmt.Sprintf("registry.example.com/team-%d/restart:v1", edit-1)),
				"is outside the repositories the execution policy allows ("+team+")")
		}
		// The manager: its webhook records the new default ServiceAccount.
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			we := wetest.New("default", "", wetest.Bundle(team+"/restart:v1"), wetest.Remediation("rr"))
			we.GenerateName = "edit-"
			if assert.NoError(c, cp.Client.Create(ctx, we, client.DryRunAll)) && assert.NotNil(c, we.Spec.ExecutionConfig) {
				assert.Equal(c, runner, we.Spec.ExecutionConfig.ServiceAccountName)
			}
		}, editedWithin, 50*time.Millisecond)
		t.Logf("edit %d enforced by the apiserver and the manager in %s", edit, time.Since(start).Round(time.Millisecond))
	}
	for round := 1; round <= 3; round++ {
		t.Run(fmt.Sprintf("install %d, two edits", round), func(t *testing.T) {
			check(t)
			check(t)
		})
		uninstallPolicies(t, cp)
		require.NoError(t, cp.InstallProduct(ctx))
	}
}

// recorded is a WorkflowExecution that names where and as whom it runs, so
// that the admission policy judges it with or without the webhook.
func recorded(bundle string) *wfev1.WorkflowExecution {
	we := wetest.New("default", "", wetest.Bundle(bundle), wetest.Remediation("rr"), wetest.ServiceAccount("default"), wetest.RunIn("default"))
	we.GenerateName = "edit-"
	return we
}

// verdict dry-runs we until the apiserver admits it (denial == "") or denies
// it with a message containing denial.
func verdict(t *testing.T, cp *controlplane.ControlPlane, we *wfev1.WorkflowExecution, denial string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		err := cp.Client.Create(t.Context(), we.DeepCopy(), client.DryRunAll)
		if denial == "" {
			assert.NoError(c, err)
			return
		}
		if assert.Error(c, err) {
			assert.Contains(c, err.Error(), denial)
		}
	}, editedWithin, 50*time.Millisecond)
}

// uninstallPolicies deletes the admission policies and their bindings, as
// make undeploy and helm uninstall do, and waits until they are gone.
func uninstallPolicies(t *testing.T, cp *controlplane.ControlPlane) {
	t.Helper()
	objs, err := controlplane.Render("default")
	require.NoError(t, err)
	for _, u := range objs {
		if !slices.Contains([]string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}, u.GetKind()) {
			continue
		}
		u.SetNamespace("")
		require.NoError(t, client.IgnoreNotFound(cp.Client.Delete(context.Background(), u)))
		require.Eventually(t, func() bool {
			return apierrors.IsNotFound(cp.Client.Get(context.Background(), client.ObjectKeyFromObject(u), u.DeepCopy()))
		}, 10*time.Second, 50*time.Millisecond)
	}
}
