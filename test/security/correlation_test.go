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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// correlate is the rule that lets a creator name RemediationRequests (all,
// when none is named) as the correlation id of its WorkflowExecutions.
func correlate(names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{wfev1.CorrelateGroup}, Resources: []string{wfev1.CorrelateResource},
		Verbs: []string{wfev1.CorrelateVerb}, ResourceNames: names}
}

// grantClusterWide binds user to a ClusterRole with the rules.
func grantClusterWide(t *testing.T, user string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	name := "test-cluster-" + user
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}
	require.NoError(t, cp.Client.Create(t.Context(), role))
	require.NoError(t, cp.Client.Create(t.Context(), binding))
	t.Cleanup(func() {
		_ = cp.Client.Delete(context.Background(), binding)
		_ = cp.Client.Delete(context.Background(), role)
	})
}

func TestAWorkflowExecutionJoinsOnlyARemediationItsCreatorMayName(t *testing.T) {
	namespace(t, "corr-a", "runner")
	namespace(t, "kubernaut-corr", "runner")
	for _, user := range []string{"frank", "grace", "heidi"} {
		cp.Grant(t, "corr-a", user, createWE, use("runner"), correlate("rr-with-role")) // the Role's correlate grants nothing
		cp.Grant(t, "kubernaut-corr", user, createWE, use("runner"))
	}
	grantClusterWide(t, "grace", correlate("rr-granted"))
	grantClusterWide(t, "heidi", correlate())
	we := func(namespace, rr string, mutate ...wetest.Option) *wfev1.WorkflowExecution {
		w := newWE(namespace, "runner", anyBundle)
		wetest.Remediation(rr)(w)
		for _, m := range mutate {
			m(w)
		}
		return w
	}
	otherNamespace := func(w *wfev1.WorkflowExecution) { w.Spec.RemediationRequestRef.Namespace = "kubernaut-corr" }

	cases := []struct {
		name     string
		user     string
		we       *wfev1.WorkflowExecution
		admitted bool
		message  string
	}{
		{"a remediation of another namespace is refused, even to a creator granted every remediation", "heidi",
			we("corr-a", "rr-1", otherNamespace), false, "spec.remediationRequestRef.namespace must be corr-a, the WorkflowExecution's own"},
		{"in a namespace the policy lists, any remediation of that namespace may be named", "frank",
			we("kubernaut-corr", "rr-anything"), true, ""},
		{"elsewhere, a creator without the permission may not name a remediation", "frank",
			we("corr-a", "rr-someone-elses"), false,
			"frank may not add audit events to remediation rr-someone-elses: namespace corr-a is not in the execution policy's correlatingNamespaces"},
		{"a RoleBinding cannot grant the permission", "frank",
			we("corr-a", "rr-with-role"), false, "(a RoleBinding cannot grant it)"},
		{"a ClusterRoleBinding for that remediation grants it", "grace", we("corr-a", "rr-granted"), true, ""},
		{"a ClusterRoleBinding for one remediation does not grant another", "grace", we("corr-a", "rr-other"), false,
			"resourceNames: [rr-other]"},
		{"a ClusterRoleBinding for every remediation grants any", "heidi", we("corr-a", "rr-any"), true, ""},
	}
	setPolicy(t, wfev1.ExecutionPolicy{CorrelatingNamespaces: []string{"kubernaut-corr"}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := admits(t, cp.As(t, tc.user), tc.we, tc.admitted)
			assert.Contains(t, msg, tc.message)
		})
	}
}
