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
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

const anyBundle = "registry.example.com/team-a/restart:v1"

func TestCreatingAWorkflowExecutionNeedsUseOfTheServiceAccountItRunsAs(t *testing.T) {
	namespace(t, "team-a", "runner-a", "runner-b")
	namespace(t, "shared-runs", "shared-runner")
	cp.Grant(t, "team-a", "alice", createWE, use("runner-a"))
	cp.Grant(t, "team-a", "bob", createWE, use("runner-b"))
	cp.Grant(t, "shared-runs", "bob", use("shared-runner"))
	cp.Grant(t, "team-a", "carol", createWE, rbacv1.PolicyRule{
		// Every right on this API's real group does not imply the virtual one.
		APIGroups: []string{wfev1.GroupVersion.Group}, Resources: []string{"*"}, Verbs: []string{"*"},
	})

	cases := []struct {
		name           string
		policy         wfev1.ExecutionPolicy
		user           string
		serviceAccount string
		admitted       bool
		// deniedFor is the namespace/ServiceAccount the message must name.
		deniedNamespace, deniedServiceAccount string
	}{
		{name: "a tenant granted runner-a runs as runner-a", user: "alice", serviceAccount: "runner-a", admitted: true},
		{name: "the same tenant may not run as runner-b", user: "alice", serviceAccount: "runner-b",
			deniedNamespace: "team-a", deniedServiceAccount: "runner-b"},
		{name: "naming no ServiceAccount means Tekton's default, which needs a grant too", user: "alice",
			deniedNamespace: "team-a", deniedServiceAccount: "default"},
		{name: "the policy's default ServiceAccount is the one checked when none is named",
			policy: wfev1.ExecutionPolicy{DefaultServiceAccount: "runner-a"}, user: "alice", admitted: true},
		{name: "rights on every resource of the real API group do not imply use", user: "carol", serviceAccount: "runner-a",
			deniedNamespace: "team-a", deniedServiceAccount: "runner-a"},
		{name: "in execution-namespace mode a grant in the tenant's namespace is not enough",
			policy: wfev1.ExecutionPolicy{ExecutionNamespace: "shared-runs", DefaultServiceAccount: "shared-runner"}, user: "alice",
			deniedNamespace: "shared-runs", deniedServiceAccount: "shared-runner"},
		{name: "in execution-namespace mode the shared runner is usable by a user granted it there",
			policy: wfev1.ExecutionPolicy{ExecutionNamespace: "shared-runs", DefaultServiceAccount: "shared-runner"}, user: "bob", admitted: true},
		{name: "in execution-namespace mode a ServiceAccount named in the spec is checked in the execution namespace",
			policy: wfev1.ExecutionPolicy{ExecutionNamespace: "shared-runs"}, user: "bob", serviceAccount: "runner-b",
			deniedNamespace: "shared-runs", deniedServiceAccount: "runner-b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.policy.CorrelatingNamespaces = []string{"team-a"} // this test is about run-as only
			setPolicy(t, tc.policy)
			we := newWE("team-a", tc.serviceAccount, anyBundle)
			msg := admits(t, cp.As(t, tc.user), we, tc.admitted)
			if tc.admitted {
				return
			}
			// The reconciler would run it exactly where and as whom the policy checked.
			ns, sa, ok := wfev1.RunAs(we)
			require.True(t, ok)
			assert.Equal(t, tc.deniedNamespace, ns)
			assert.Equal(t, tc.deniedServiceAccount, sa)
			assert.Contains(t, msg, tc.user+" may not run WorkflowExecutions as ServiceAccount "+tc.deniedServiceAccount+" in namespace "+tc.deniedNamespace)
			assert.Contains(t, msg, "apiGroups: ["+wfev1.RunAsGroup+"], resources: [serviceaccounts], verbs: [use], resourceNames: ["+tc.deniedServiceAccount+"]")
		})
	}
}
