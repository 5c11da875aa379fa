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
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

// find decodes the first rendered object of kind (and name, if given) into out.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string, out any) {
	t.Helper()
	i := slices.IndexFunc(objs, func(u *unstructured.Unstructured) bool {
		return u.GetKind() == kind && (name == "" || u.GetName() == name)
	})
	require.GreaterOrEqual(t, i, 0, "the overlay renders %s %s", kind, name)
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(objs[i].Object, out))
}

func TestThePoliciesNameTheObjectsAndIdentitiesTheGoCodeDefines(t *testing.T) {
	for _, overlay := range []string{"default", "self-managed", "execution-namespace"} {
		t.Run(overlay, func(t *testing.T) {
			objs, err := controlplane.Render(overlay)
			require.NoError(t, err)
			controller := "request.userInfo.username != '" + wfev1.ControllerUsername(wfev1.InstallNamespace) + "'"

			status := &admissionregistrationv1.ValidatingAdmissionPolicy{}
			find(t, objs, "ValidatingAdmissionPolicy", "wfe-conditions-status", status)
			require.Len(t, status.Spec.MatchConditions, 1)
			assert.Equal(t, controller, status.Spec.MatchConditions[0].Expression, "the status policy skips the controller's ServiceAccount")
			assert.Equal(t, admissionregistrationv1.Fail, *status.Spec.FailurePolicy)

			hooks := &admissionregistrationv1.MutatingWebhookConfiguration{}
			find(t, objs, "MutatingWebhookConfiguration", "", hooks)
			for _, h := range hooks.Webhooks {
				if strings.HasPrefix(h.Name, "status.") {
					require.Len(t, h.MatchConditions, 1)
					assert.Equal(t, controller, h.MatchConditions[0].Expression, "the /status webhook skips the controller's writes")
				}
			}

			execution := &admissionregistrationv1.ValidatingAdmissionPolicy{}
			find(t, objs, "ValidatingAdmissionPolicy", "wfe-conditions-execution", execution)
			assert.Equal(t, admissionregistrationv1.Fail, *execution.Spec.FailurePolicy)
			binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
			find(t, objs, "ValidatingAdmissionPolicyBinding", "wfe-conditions-execution", binding)
			assert.Equal(t, execution.Name, binding.Spec.PolicyName)
			assert.Nil(t, binding.Spec.ParamRef, "no params: an apiserver keeps stale params after a binding is re-created")
			assert.Nil(t, execution.Spec.ParamKind)
			assert.True(t, slices.ContainsFunc(execution.Spec.Validations, func(v admissionregistrationv1.Validation) bool {
				return strings.Contains(v.Expression, "'"+wfev1.RunAsGroup+"'")
			}), "a validation checks use in the group %s", wfev1.RunAsGroup)
			assert.True(t, slices.ContainsFunc(execution.Spec.Validations, func(v admissionregistrationv1.Validation) bool {
				return strings.Contains(v.Expression, "'"+wfev1.CorrelateGroup+"'")
			}), "a validation checks correlate in the group %s", wfev1.CorrelateGroup)

			require.NotEmpty(t, execution.Spec.Variables)
			assert.Equal(t, wfev1.ExecutionPolicyVariable, execution.Spec.Variables[0].Name)
			var literal map[string]any
			require.NoError(t, json.Unmarshal([]byte(execution.Spec.Variables[0].Expression), &literal), "the policy variable is JSON")
			_, err = wfev1.ParseExecutionPolicy(execution.Spec.Variables[0].Expression)
			require.NoError(t, err, "the shipped policy parses")
			assert.False(t, slices.ContainsFunc(objs, func(u *unstructured.Unstructured) bool { return u.GetKind() == "ConfigMap" }),
				"the build-time ConfigMap holding policy.json is never applied")

			role := &rbacv1.ClusterRole{}
			find(t, objs, "ClusterRole", "wfe-conditions-manager-role", role)
			assert.Contains(t, role.Rules, rbacv1.PolicyRule{APIGroups: []string{"admissionregistration.k8s.io"},
				Resources: []string{"validatingadmissionpolicies"}, ResourceNames: []string{wfev1.ExecutionPolicyName},
				Verbs: []string{"get", "list", "watch"}}, "the manager reads the execution policy by name")

			sa := &unstructured.Unstructured{}
			find(t, objs, "ServiceAccount", wfev1.ControllerServiceAccount, &sa.Object)
			assert.Equal(t, wfev1.InstallNamespace, sa.GetNamespace())
		})
	}
}

// The status policy lists every status field but conditions by name (CEL
// cannot iterate an object's fields): a field added to the CRD must be added
// there too.
func TestTheStatusPolicyGuardsEveryStatusField(t *testing.T) {
	objs, err := controlplane.Render("default")
	require.NoError(t, err)
	crd := &apiextensionsv1.CustomResourceDefinition{}
	find(t, objs, "CustomResourceDefinition", "", crd)
	status := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	find(t, objs, "ValidatingAdmissionPolicy", "wfe-conditions-status", status)
	fieldsRule := status.Spec.Validations[1].Expression
	for field := range crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"].Properties {
		if field == "conditions" {
			continue
		}
		assert.Contains(t, fieldsRule, "object.?status.?"+field+" == oldObject.?status.?"+field, "status.%s is guarded", field)
	}
}

func TestTheNetworkPolicyLetsTheManagerWorkAndNothingElse(t *testing.T) {
	for _, overlay := range []string{"default", "self-managed"} {
		t.Run(overlay, func(t *testing.T) {
			objs, err := controlplane.Render(overlay)
			require.NoError(t, err)
			np := &networkingv1.NetworkPolicy{}
			find(t, objs, "NetworkPolicy", "", np)
			_, deploy := renderedObjects(t, overlay)
			assert.Equal(t, deploy.Spec.Selector.MatchLabels, np.Spec.PodSelector.MatchLabels, "it selects the manager pods")
			assert.ElementsMatch(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, np.Spec.PolicyTypes)

			ingress := map[int32][]networkingv1.NetworkPolicyPeer{}
			for _, r := range np.Spec.Ingress {
				for _, p := range r.Ports {
					ingress[p.Port.IntVal] = r.From
				}
			}
			for _, p := range deploy.Spec.Template.Spec.Containers[0].Ports {
				_, open := ingress[p.ContainerPort]
				assert.True(t, open, "container port %s (%d) is open", p.Name, p.ContainerPort)
			}
			assert.Empty(t, ingress[9443], "the webhook port is open to the apiserver, wherever it is")
			require.Len(t, ingress[8443], 1, "metrics only from the monitoring namespace")
			assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "monitoring"}, ingress[8443][0].NamespaceSelector.MatchLabels)
			assert.Len(t, ingress, 3, "no other port is open")

			egress := map[intstr.IntOrString][]networkingv1.NetworkPolicyPeer{}
			for _, r := range np.Spec.Egress {
				for _, p := range r.Ports {
					egress[*p.Port] = r.To
				}
			}
			assert.Contains(t, egress, intstr.FromInt32(443), "the apiserver")
			require.Contains(t, egress, intstr.FromInt32(53), "DNS")
			assert.Equal(t, map[string]string{"k8s-app": "kube-dns"}, egress[intstr.FromInt32(53)][0].PodSelector.MatchLabels)
			require.Contains(t, egress, intstr.FromInt32(8443), "DataStorage")
			assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "kubernaut-system"}, egress[intstr.FromInt32(8443)][0].NamespaceSelector.MatchLabels)
		})
	}
}
