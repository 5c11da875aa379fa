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

func TestTheExecutionPolicyParsesWhatTheConfigMapHolds(t *testing.T) {
	cases := []struct {
		name string
		data map[string]string
		want wfev1.ExecutionPolicy
		err  string
	}{
		{name: "an empty ConfigMap is the default policy", data: nil},
		{name: "the shipped defaults are the default policy", data: wfev1.ExecutionPolicy{}.Data()},
		{name: "every key is read, blanks and one trailing slash dropped",
			data: map[string]string{"executionNamespace": " runs ", "defaultServiceAccount": "runner",
				"allowedBundlePrefixes": "ghcr.io/acme/, ,registry.example.com/team-a", "requireBundleDigest": "TRUE",
				"correlatingNamespaces": "kubernaut-system, ,team-a "},
			want: wfev1.ExecutionPolicy{ExecutionNamespace: "runs", DefaultServiceAccount: "runner",
				AllowedBundlePrefixes: []string{"ghcr.io/acme", "registry.example.com/team-a"}, RequireBundleDigest: true,
				CorrelatingNamespaces: []string{"kubernaut-system", "team-a"}}},
		{name: "an unknown key is refused rather than ignored", data: map[string]string{"allowedBundlePrefix": "ghcr.io"},
			err: `unknown key "allowedBundlePrefix"`},
		{name: "an empty digest rule is false", data: map[string]string{"requireBundleDigest": " "}},
		{name: "a digest rule that is not a boolean is refused", data: map[string]string{"requireBundleDigest": "yes"},
			err: `"yes" is not true or false`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wfev1.ParseExecutionPolicy(tc.data)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := wfev1.ParseExecutionPolicy(got.Data())
			require.NoError(t, err)
			assert.Equal(t, got, again, "Data round-trips")
		})
	}
}

func TestTheExecutionPolicySaysWhereAndAsWhomARunRuns(t *testing.T) {
	we := &wfev1.WorkflowExecution{}
	we.Namespace = "team-a"
	assert.Equal(t, "team-a", wfev1.ExecutionPolicy{}.Namespace(we))
	assert.Equal(t, "runs", wfev1.ExecutionPolicy{ExecutionNamespace: "runs"}.Namespace(we))
	assert.Equal(t, wfev1.TektonDefaultServiceAccount, wfev1.ExecutionPolicy{}.ServiceAccount(we))
	assert.Equal(t, "runner", wfev1.ExecutionPolicy{DefaultServiceAccount: "runner"}.ServiceAccount(we))
	we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{ServiceAccountName: "mine"}
	assert.Equal(t, "mine", wfev1.ExecutionPolicy{DefaultServiceAccount: "runner"}.ServiceAccount(we), "the spec wins")

	we.Spec.WorkflowRef.ContainerImage = "ghcr.io/acme/x:v1"
	assert.Equal(t, "ghcr.io/acme/x:v1", wfev1.BundleReference(we))
	we.Spec.WorkflowRef.ContainerDigest = "sha256:abc"
	assert.Equal(t, "ghcr.io/acme/x:v1@sha256:abc", wfev1.BundleReference(we))
}
