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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// The manager reads the one ConfigMap the admission policies take as params.
// +kubebuilder:rbac:groups="",namespace=system,resources=configmaps,verbs=get;list;watch,resourceNames=wfe-conditions-execution-policy

// readPolicy reads the execution policy once, before the manager starts: its
// executionNamespace shapes the cache. A missing ConfigMap stops the start, as
// the admission policies deny every WorkflowExecution without it.
func readPolicy(ctx context.Context, cfg *rest.Config, key types.NamespacedName) (wfev1.ExecutionPolicy, error) {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return wfev1.ExecutionPolicy{}, fmt.Errorf("read execution policy: %w", err)
	}
	return getPolicy(ctx, c, key)
}

func getPolicy(ctx context.Context, c client.Reader, key types.NamespacedName) (wfev1.ExecutionPolicy, error) {
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, key, cm); err != nil {
		if apierrors.IsNotFound(err) {
			return wfev1.ExecutionPolicy{}, fmt.Errorf("execution policy ConfigMap %s not found: install it with the manifests (config/policies); without it the admission policies deny every WorkflowExecution", key)
		}
		return wfev1.ExecutionPolicy{}, fmt.Errorf("get execution policy ConfigMap %s: %w", key, err)
	}
	p, err := wfev1.ParseExecutionPolicy(cm.Data)
	if err != nil {
		return wfev1.ExecutionPolicy{}, fmt.Errorf("ConfigMap %s: %w", key, err)
	}
	return p, nil
}

// policyCache restricts the manager's ConfigMap cache to the one policy
// ConfigMap, which is all its RBAC allows.
func policyCache(key types.NamespacedName) cache.ByObject {
	return cache.ByObject{Namespaces: map[string]cache.Config{
		key.Namespace: {FieldSelector: fields.OneTermEqualSelector("metadata.name", key.Name)},
	}}
}

// policySource reads the live policy from the manager's cache.
type policySource struct {
	reader  client.Reader
	key     types.NamespacedName
	started wfev1.ExecutionPolicy
}

func (s policySource) ExecutionPolicy(ctx context.Context) (wfev1.ExecutionPolicy, error) {
	return getPolicy(ctx, s.reader, s.key)
}

// healthy fails the liveness probe once the policy's executionNamespace no
// longer is the one this process started with, so that the kubelet restarts
// it into the new one; until then the reconciler creates nothing.
func (s policySource) healthy(req *http.Request) error {
	p, err := s.ExecutionPolicy(req.Context())
	if err != nil {
		// Reported on every creation attempt; restarting would not help.
		return nil
	}
	if p.ExecutionNamespace != s.started.ExecutionNamespace {
		return errors.New("the execution policy's executionNamespace changed: restart to apply it")
	}
	return nil
}
