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

package v1alpha1_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestTheExecutionPolicyParsesWhatTheAdmissionPolicyHolds(t *testing.T) {
	cases := []struct {
		name string
		text string
		want wfev1.ExecutionPolicy
		err  string
	}{
		{name: "an empty object is the default policy", text: "{}"},
		{name: "the shipped defaults are the default policy", text: wfev1.ExecutionPolicy{}.JSON()},
		{name: "every key is read, blanks and one trailing slash dropped",
			text: `{"executionNamespace": " runs ", "defaultServiceAccount": "runner",
				"allowedBundlePrefixes": "ghcr.io/acme/, ,registry.example.com/team-a", "requireBundleDigest": "true",
				"correlatingNamespaces": "kubernaut-system, ,team-a "}`,
			want: wfev1.ExecutionPolicy{ExecutionNamespace: "runs", DefaultServiceAccount: "runner",
				AllowedBundlePrefixes: []string{"ghcr.io/acme", "registry.example.com/team-a"}, RequireBundleDigest: true,
				CorrelatingNamespaces: []string{"kubernaut-system", "team-a"}}},
		{name: "an unknown key is refused rather than ignored", text: `{"allowedBundlePrefix": "ghcr.io"}`,
			err: `unknown key "allowedBundlePrefix"`},
		{name: "an empty digest rule is false", text: `{"requireBundleDigest": " "}`},
		{name: "an unset digest rule is true in execution-namespace mode", text: `{"executionNamespace": "runs"}`,
			want: wfev1.ExecutionPolicy{ExecutionNamespace: "runs", RequireBundleDigest: true}},
		{name: "an explicit false survives in execution-namespace mode", text: `{"executionNamespace": "runs", "requireBundleDigest": "false"}`,
			want: wfev1.ExecutionPolicy{ExecutionNamespace: "runs"}},
		{name: "a digest rule that is not true or false is refused", text: `{"requireBundleDigest": "yes"}`,
			err: `"yes" is not "true" or "false"`},
		{name: "a JSON boolean is refused: CEL map literals hold one value type", text: `{"requireBundleDigest": true}`,
			err: "cannot unmarshal bool"},
		{name: "a JSON list is refused for the same reason", text: `{"allowedBundlePrefixes": ["ghcr.io/a"]}`,
			err: "cannot unmarshal array"},
		{name: "CEL that is not JSON is refused", text: `{'executionNamespace': 'runs'}`, err: "invalid character"},
		{name: "text after the object is refused", text: `{} {}`, err: "text after the JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wfev1.ParseExecutionPolicy(tc.text)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := wfev1.ParseExecutionPolicy(got.JSON())
			require.NoError(t, err)
			assert.Equal(t, got, again, "JSON round-trips")
		})
	}
}

func TestTheManagerWatchesTheNamespacesWhereRunsMayStillGo(t *testing.T) {
	cases := []struct {
		name   string
		policy wfev1.ExecutionPolicy
		want   []string
	}{
		{name: "own-namespace mode watches every namespace"},
		{name: "an execution namespace alone", policy: wfev1.ExecutionPolicy{ExecutionNamespace: "b"}, want: []string{"b"}},
		{name: "and the previous ones, once each",
			policy: wfev1.ExecutionPolicy{ExecutionNamespace: "b", PreviousExecutionNamespaces: []string{"a", "b", "a"}}, want: []string{"b", "a"}},
		{name: "runs still in their own namespaces need every namespace",
			policy: wfev1.ExecutionPolicy{ExecutionNamespace: "b", PreviousExecutionNamespaces: []string{wfev1.AnyNamespace}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.policy.WatchedNamespaces())
		})
	}
}

func TestTheExecutionPolicySaysWhatTheWebhookRecords(t *testing.T) {
	assert.Equal(t, "team-a", wfev1.ExecutionPolicy{}.RunNamespace("team-a"))
	assert.Equal(t, "runs", wfev1.ExecutionPolicy{ExecutionNamespace: "runs"}.RunNamespace("team-a"))
	assert.Equal(t, wfev1.TektonDefaultServiceAccount, wfev1.ExecutionPolicy{}.DefaultRunAs())
	assert.Equal(t, "runner", wfev1.ExecutionPolicy{DefaultServiceAccount: "runner"}.DefaultRunAs())
	assert.JSONEq(t, `{"executionNamespace":"","defaultServiceAccount":"","allowedBundlePrefixes":"","requireBundleDigest":"false","correlatingNamespaces":"","previousExecutionNamespaces":""}`,
		wfev1.ExecutionPolicy{}.JSON(), "every key, every value a string: the CEL literal is a map(string, string)")

	we := &wfev1.WorkflowExecution{}
	_, _, ok := wfev1.RunAs(we)
	assert.False(t, ok, "nothing recorded")
	we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{ServiceAccountName: "mine"}
	_, _, ok = wfev1.RunAs(we)
	assert.False(t, ok, "half recorded is not recorded")
	we.Spec.ExecutionConfig.Namespace = "runs"
	ns, sa, ok := wfev1.RunAs(we)
	assert.True(t, ok)
	assert.Equal(t, "runs", ns)
	assert.Equal(t, "mine", sa)

	we.Spec.WorkflowRef.ContainerImage = "ghcr.io/acme/x:v1"
	assert.Equal(t, "ghcr.io/acme/x:v1", wfev1.BundleReference(we))
	we.Spec.WorkflowRef.ContainerDigest = "sha256:abc"
	assert.Equal(t, "ghcr.io/acme/x:v1@sha256:abc", wfev1.BundleReference(we))
}
