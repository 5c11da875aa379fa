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
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

var digest = "@sha256:" + strings.Repeat("ab", 32)

// The same table runs through the admission policy in the apiserver and
// through the reconciler's check: the two never disagree.
var bundleCases = []struct {
	name    string
	policy  wfev1.ExecutionPolicy
	bundle  string
	allowed bool
	message string
}{
	{name: "any bundle runs when no prefix is set", bundle: "quay.io/anyone/anything:v1", allowed: true},
	{name: "a bundle under an allowed repository runs",
		policy: teamA, bundle: "registry.example.com/team-a/restart:v1", allowed: true},
	{name: "the allowed repository itself with a tag runs",
		policy: teamA, bundle: "registry.example.com/team-a:v1", allowed: true},
	{name: "the allowed repository pinned by digest runs",
		policy: teamA, bundle: "registry.example.com/team-a" + digest, allowed: true},
	{name: "a prefix given with a trailing slash matches the same",
		policy: wfev1.ExecutionPolicy{AllowedBundlePrefixes: []string{"registry.example.com/team-a/"}}, bundle: "registry.example.com/team-a/x:v1", allowed: true},
	{name: "a repository that only starts with the same letters is refused",
		policy: teamA, bundle: "registry.example.com/team-ab/restart:v1", message: "is outside the repositories the execution policy allows (registry.example.com/team-a, ghcr.io/acme)"},
	{name: "a host that only starts with the same letters is refused",
		policy: wfev1.ExecutionPolicy{AllowedBundlePrefixes: []string{"ghcr.io"}}, bundle: "ghcr.io.evil.example/acme/x:v1", message: "is outside"},
	{name: "a port after an allowed host is another registry and refused",
		policy: wfev1.ExecutionPolicy{AllowedBundlePrefixes: []string{"ghcr.io"}}, bundle: "ghcr.io:5000/acme/x:v1", message: "is outside"},
	{name: "the second allowed prefix also works",
		policy: teamA, bundle: "ghcr.io/acme/tools/restart:v2", allowed: true},
	{name: "an unpinned bundle is refused when a digest is required",
		policy: wfev1.ExecutionPolicy{RequireBundleDigest: true}, bundle: "quay.io/x/y:v1", message: "is not pinned by digest"},
	{name: "a pinned bundle runs when a digest is required",
		policy: wfev1.ExecutionPolicy{RequireBundleDigest: true}, bundle: "quay.io/x/y:v1" + digest, allowed: true},
	{name: "both rules hold together",
		policy: wfev1.ExecutionPolicy{AllowedBundlePrefixes: []string{"ghcr.io/acme"}, RequireBundleDigest: true}, bundle: "ghcr.io/acme/x" + digest, allowed: true},
}

var teamA = wfev1.ExecutionPolicy{AllowedBundlePrefixes: []string{"registry.example.com/team-a", "ghcr.io/acme"}}

func TestBundleRulesAreTheSameAtAdmissionAndInTheReconciler(t *testing.T) {
	for _, tc := range bundleCases {
		t.Run(tc.name, func(t *testing.T) {
			setPolicy(t, tc.policy)
			msg := admits(t, cp.Client, newWE("default", "", tc.bundle), tc.allowed)
			// The manager reads the same text the apiserver evaluates.
			parsed, err2 := wfev1.ParseExecutionPolicy(tc.policy.JSON())
			require.NoError(t, err2)
			goErr := parsed.CheckBundle(tc.bundle)
			if tc.allowed {
				assert.NoError(t, goErr, "the reconciler refuses what admission allows")
				return
			}
			require.Error(t, goErr, "the reconciler allows what admission refuses")
			assert.Contains(t, msg, tc.message)
			assert.Contains(t, goErr.Error(), tc.message)
			assert.Contains(t, msg, "bundle "+tc.bundle+" ")
		})
	}
}

func TestABundleAdmittedWhileThePolicyWasAbsentIsRefusedByTheReconciler(t *testing.T) {
	// Its own control plane: once the binding of a ConfigMap-params policy is
	// deleted, kube-apiserver keeps the params it had until it restarts
	// (kubernetes/kubernetes#130887), which would leak into the other tests.
	cp := controlplane.Start(t, controlplane.WithProduct())
	ctx := t.Context()
	require.NoError(t, cp.SetExecutionPolicy(ctx, teamA))
	cp.StartManager(t)
	forbidden := newWE("default", "", "quay.io/elsewhere/restart:v1")
	admits(t, cp.Client, forbidden, false)

	// An operator removes the binding for a while; a WorkflowExecution slips in.
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Name: "wfe-conditions-execution"}, binding))
	require.NoError(t, cp.Client.Delete(ctx, binding))
	admits(t, cp.Client, forbidden, true)
	require.NoError(t, cp.Client.Create(ctx, forbidden))
	restored := binding.DeepCopy()
	restored.ObjectMeta = metav1.ObjectMeta{Name: binding.Name}
	require.NoError(t, cp.Client.Create(ctx, restored))
	admits(t, cp.Client, newWE("default", "", "quay.io/elsewhere/restart:v2"), false)

	we := &wfev1.WorkflowExecution{}
	require.Eventually(t, func() bool {
		return cp.Client.Get(ctx, client.ObjectKeyFromObject(forbidden), we) == nil && we.Status.Phase == wfev1.PhaseFailed
	}, 10*time.Second, 20*time.Millisecond)
	c := we.Condition(wfev1.ConditionTektonPipelineCreated)
	require.NotNil(t, c)
	assert.Equal(t, metav1.ConditionFalse, c.Status)
	assert.Equal(t, wfev1.ReasonPipelineCreationFailed, c.Reason)
	assert.Contains(t, c.Message, `bundle "quay.io/elsewhere/restart:v1" is outside the repositories the execution policy allows (registry.example.com/team-a, ghcr.io/acme)`)
	assert.Equal(t, wfev1.FailureReasonForbidden, we.Status.FailureDetails.Reason)
	assert.Nil(t, we.Status.PipelineRunRef, "no PipelineRun was created")
}

// In execution-namespace mode every tenant's runs share one namespace and its
// runners: an unset requireBundleDigest means true there, an explicit false
// holds. The apiserver and the manager read the same text alike.
func TestAnUnsetDigestRuleRequiresDigestsInExecutionNamespaceMode(t *testing.T) {
	namespace(t, "shared-d", "runner")
	unpinned, pinned := "quay.io/x/y:v1", "quay.io/x/y:v1"+digest
	for _, tc := range []struct {
		name, text   string
		pinnedNeeded bool
	}{
		{"unset: digests required", `{"executionNamespace": "shared-d", "requireBundleDigest": ""}`, true},
		{"absent: digests required", `{"executionNamespace": "shared-d"}`, true},
		{"an explicit false holds", `{"executionNamespace": "shared-d", "requireBundleDigest": "false"}`, false},
		{"unset without an execution namespace: not required", `{"requireBundleDigest": ""}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := wfev1.ParseExecutionPolicy(tc.text)
			require.NoError(t, err)
			require.NoError(t, cp.SetExecutionPolicyText(t.Context(), tc.text))
			current = p
			t.Cleanup(func() {
				require.NoError(t, cp.SetExecutionPolicy(context.Background(), wfev1.ExecutionPolicy{}))
				current = wfev1.ExecutionPolicy{}
				enforced(t, current)
			})
			enforced(t, p)
			assert.Equal(t, tc.pinnedNeeded, p.RequireBundleDigest, "the manager's reading")
			admits(t, cp.Client, newWE("default", "", pinned), true)
			msg := admits(t, cp.Client, newWE("default", "", unpinned), !tc.pinnedNeeded)
			if tc.pinnedNeeded {
				assert.Contains(t, msg, "is not pinned by digest")
				assert.Error(t, p.CheckBundle(unpinned))
			} else {
				assert.NoError(t, p.CheckBundle(unpinned))
			}
		})
	}
}
