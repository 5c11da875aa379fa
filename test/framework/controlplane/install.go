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

package controlplane

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// productKinds are what InstallProduct applies from the rendered overlay: all
// but the Deployment and what serves or certifies the webhook, which tests
// run and register themselves.
var productKinds = []string{
	"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
	"ConfigMap", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
}

// Render returns the objects kustomize builds from config/<overlay>.
func Render(overlay string) ([]*unstructured.Unstructured, error) {
	root, err := paths.RepoRoot()
	if err != nil {
		return nil, err
	}
	kustomize, err := paths.Binary("kustomize")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(kustomize, "build", filepath.Join(root, "config", overlay)).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("kustomize build config/%s: %w: %s", overlay, err, exit.Stderr)
		}
		return nil, fmt.Errorf("kustomize build config/%s: %w", overlay, err)
	}
	objs, err := DecodeObjects(out)
	if err != nil {
		return nil, fmt.Errorf("decode config/%s: %w", overlay, err)
	}
	return objs, nil
}

// DecodeObjects splits a multi-document YAML or JSON manifest into objects,
// skipping empty documents.
func DecodeObjects(manifest []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// InstallProduct applies, from config/default, the namespace, the manager's
// ServiceAccount and RBAC, the execution policy and the admission policies,
// so that they act here as in a cluster; the manager then runs with
// ControllerConfig. Server-side apply: calling it again is harmless.
func (cp *ControlPlane) InstallProduct(ctx context.Context) error {
	return cp.InstallOverlay(ctx, "default")
}

// InstallOverlay is InstallProduct from config/<overlay>.
func (cp *ControlPlane) InstallOverlay(ctx context.Context, overlay string) error {
	objs, err := Render(overlay)
	if err != nil {
		return err
	}
	for _, u := range objs {
		if !slices.Contains(productKinds, u.GetKind()) {
			continue
		}
		if err := cp.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("test-install"), client.ForceOwnership); err != nil {
			return fmt.Errorf("apply %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	cp.product = true
	return nil
}

// ControllerConfig reaches the apiserver as the shipped manager's
// ServiceAccount (impersonated): its RBAC applies, and the admission policies
// recognise it as the controller.
func (cp *ControlPlane) ControllerConfig() *rest.Config {
	c := rest.CopyConfig(cp.Config)
	ns := wfev1.InstallNamespace
	c.Impersonate = rest.ImpersonationConfig{
		UserName: wfev1.ControllerUsername(ns),
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}
	return c
}

// ManagerKubeconfig is the kubeconfig manager processes use: the controller's
// identity once InstallProduct ran, the administrator's otherwise.
func (cp *ControlPlane) ManagerKubeconfig() (string, error) {
	if !cp.product {
		return cp.Kubeconfig, nil
	}
	cfg, err := clientcmd.LoadFromFile(cp.Kubeconfig)
	if err != nil {
		return "", fmt.Errorf("load kubeconfig: %w", err)
	}
	imp := cp.ControllerConfig().Impersonate
	for _, a := range cfg.AuthInfos {
		a.Impersonate, a.ImpersonateGroups = imp.UserName, imp.Groups
	}
	path := filepath.Join(filepath.Dir(cp.Kubeconfig), "controller.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write controller kubeconfig: %w", err)
	}
	return path, nil
}

// SetExecutionPolicy writes the execution policy into the variable the
// manager and the apiserver read: the installed execution admission policy's,
// or, without the product installed, a policy object of that name that
// nothing binds (the manager reads it; the apiserver enforces nothing).
func (cp *ControlPlane) SetExecutionPolicy(ctx context.Context, p wfev1.ExecutionPolicy) error {
	return cp.SetExecutionPolicyText(ctx, p.JSON())
}

// SetExecutionPolicyText is SetExecutionPolicy with the variable's text as
// written, for what ExecutionPolicy cannot say (a key left unset).
func (cp *ControlPlane) SetExecutionPolicyText(ctx context.Context, text string) error {
	// The manager's lease lives in the install namespace.
	ns := &corev1.Namespace{ObjectMeta: objectMeta("", wfev1.InstallNamespace)}
	if err := cp.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns.Name, err)
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		vap := &admissionregistrationv1.ValidatingAdmissionPolicy{}
		err := cp.Client.Get(ctx, client.ObjectKey{Name: wfev1.ExecutionPolicyName}, vap)
		if apierrors.IsNotFound(err) {
			return cp.Client.Create(ctx, unboundPolicy(text))
		}
		if err != nil {
			return fmt.Errorf("get execution policy: %w", err)
		}
		v := admissionregistrationv1.Variable{Name: wfev1.ExecutionPolicyVariable, Expression: text}
		i := slices.IndexFunc(vap.Spec.Variables, func(v admissionregistrationv1.Variable) bool { return v.Name == wfev1.ExecutionPolicyVariable })
		if i < 0 {
			vap.Spec.Variables = append([]admissionregistrationv1.Variable{v}, vap.Spec.Variables...)
		} else {
			vap.Spec.Variables[i] = v
		}
		return cp.Client.Update(ctx, vap)
	})
}

// unboundPolicy holds the execution policy where no product is installed.
func unboundPolicy(text string) *admissionregistrationv1.ValidatingAdmissionPolicy {
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: objectMeta("", wfev1.ExecutionPolicyName),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{wfev1.GroupVersion.Group}, APIVersions: []string{"*"},
						Resources: []string{"workflowexecutions"}},
				},
			}}},
			Variables:   []admissionregistrationv1.Variable{{Name: wfev1.ExecutionPolicyVariable, Expression: text}},
			Validations: []admissionregistrationv1.Validation{{Expression: "true"}},
		},
	}
}

// ensureExecutionPolicy writes the default policy unless one exists.
func (cp *ControlPlane) ensureExecutionPolicy(ctx context.Context) error {
	err := cp.Client.Get(ctx, client.ObjectKey{Name: wfev1.ExecutionPolicyName}, &admissionregistrationv1.ValidatingAdmissionPolicy{})
	if apierrors.IsNotFound(err) {
		return cp.SetExecutionPolicy(ctx, wfev1.ExecutionPolicy{})
	}
	return err
}
