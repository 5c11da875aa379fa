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

package wiring

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// The manager reads the execution policy from the one admission policy that
// enforces it, by name.
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingadmissionpolicies,verbs=get;list;watch,resourceNames=wfe-conditions-execution

// readPolicy reads the execution policy once, before the manager starts: its
// executionNamespace shapes the cache. A missing admission policy stops the
// start: without it nothing checks who a run executes as.
func readPolicy(ctx context.Context, cfg *rest.Config, name string) (wfev1.ExecutionPolicy, error) {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return wfev1.ExecutionPolicy{}, fmt.Errorf("read execution policy: %w", err)
	}
	return getPolicy(ctx, c, name)
}

func getPolicy(ctx context.Context, c client.Reader, name string) (wfev1.ExecutionPolicy, error) {
	vap := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, vap); err != nil {
		if apierrors.IsNotFound(err) {
			return wfev1.ExecutionPolicy{}, fmt.Errorf("ValidatingAdmissionPolicy %s not found: install it with the manifests (config/policies); it holds the execution policy and enforces it: %w", name, err)
		}
		return wfev1.ExecutionPolicy{}, fmt.Errorf("get ValidatingAdmissionPolicy %s: %w", name, err)
	}
	for _, v := range vap.Spec.Variables {
		if v.Name == wfev1.ExecutionPolicyVariable {
			p, err := wfev1.ParseExecutionPolicy(v.Expression)
			if err != nil {
				return wfev1.ExecutionPolicy{}, fmt.Errorf("ValidatingAdmissionPolicy %s, variable %s: %w", name, v.Name, err)
			}
			return p, nil
		}
	}
	return wfev1.ExecutionPolicy{}, fmt.Errorf("ValidatingAdmissionPolicy %s has no variable %q holding the execution policy", name, wfev1.ExecutionPolicyVariable)
}

// policyCache restricts the manager's cache of admission policies to the one
// that holds the execution policy, which is all its RBAC allows.
func policyCache(name string) cache.ByObject {
	return cache.ByObject{Field: fields.OneTermEqualSelector("metadata.name", name)}
}

// policySource reads the live policy from the manager's cache.
type policySource struct {
	reader  client.Reader
	name    string
	started wfev1.ExecutionPolicy
}

func (s policySource) ExecutionPolicy(ctx context.Context) (wfev1.ExecutionPolicy, error) {
	return getPolicy(ctx, s.reader, s.name)
}

// healthy fails the liveness probe once the policy's executionNamespace, or
// the namespaces it watches, no longer are those this process started with,
// so that the kubelet restarts it into the new ones; until then the
// reconciler creates nothing.
func (s policySource) healthy(req *http.Request) error {
	p, err := s.ExecutionPolicy(req.Context())
	if err != nil {
		// Reported on every creation attempt; restarting would not help.
		return nil
	}
	if p.ExecutionNamespace != s.started.ExecutionNamespace || !slices.Equal(p.WatchedNamespaces(), s.started.WatchedNamespaces()) {
		return errors.New("the execution policy's executionNamespace or previousExecutionNamespaces changed: restart to apply it")
	}
	return nil
}
