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

// Package security proves the shipped admission policies and RBAC against a
// real kube-apiserver: users are impersonated, the manager runs as its own
// ServiceAccount, and the policies are the ones config/default renders.
package security

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// cp is shared by the package's tests: one control plane with the product
// installed.
var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "security-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cp, err = controlplane.StartE(dir, controlplane.WithProduct())
	if err != nil {
		fmt.Fprintln(os.Stderr, "start control plane:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop control plane:", err)
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// namespace creates a namespace with ServiceAccounts, once.
func namespace(t *testing.T, name string, serviceAccounts ...string) {
	t.Helper()
	ctx := t.Context()
	err := cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if apierrors.IsAlreadyExists(err) {
		return
	}
	require.NoError(t, err)
	for _, sa := range append(serviceAccounts, "default") {
		require.NoError(t, cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: sa}}))
	}
}

// createWE is the rule that lets a user create and read WorkflowExecutions.
var createWE = rbacv1.PolicyRule{
	APIGroups: []string{wfev1.GroupVersion.Group}, Resources: []string{"workflowexecutions"},
	Verbs: []string{"create", "get", "list", "watch"},
}

// use is the rule that lets a user run WorkflowExecutions as serviceAccounts
// (none named: any).
func use(serviceAccounts ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{wfev1.RunAsGroup}, Resources: []string{wfev1.RunAsResource},
		Verbs: []string{wfev1.RunAsVerb}, ResourceNames: serviceAccounts}
}

// setPolicy replaces the execution policy for one test and restores the
// default after it.
func setPolicy(t *testing.T, p wfev1.ExecutionPolicy) {
	t.Helper()
	require.NoError(t, cp.SetExecutionPolicy(t.Context(), p))
	current = p
	t.Cleanup(func() {
		require.NoError(t, cp.SetExecutionPolicy(context.Background(), wfev1.ExecutionPolicy{}))
		current = wfev1.ExecutionPolicy{}
		enforced(t, current)
		if ns := correlating(p); ns != "" {
			admits(t, prober(t), probeIn(ns, current, "probe.invalid/probe:v1"), false) // p's namespaces no longer correlate
		}
	})
	enforced(t, p)
}

// probeUser may create WorkflowExecutions and use any ServiceAccount
// everywhere, but holds no cluster-wide correlate: only the policy's
// correlatingNamespaces admit its runs.
const probeUser = "policy-probe"

var probeRBAC sync.Once

func prober(t *testing.T) client.Client {
	t.Helper()
	probeRBAC.Do(func() {
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: probeUser}, Rules: []rbacv1.PolicyRule{createWE, use()}}
		require.NoError(t, cp.Client.Create(context.Background(), role))
		require.NoError(t, cp.Client.Create(context.Background(), &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: probeUser},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: probeUser},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: probeUser}}}))
	})
	return cp.As(t, probeUser)
}

// correlating is the first of p's correlating namespaces that exists, or "".
func correlating(p wfev1.ExecutionPolicy) string {
	for _, ns := range p.CorrelatingNamespaces {
		if cp.Client.Get(context.Background(), client.ObjectKey{Name: ns}, &corev1.Namespace{}) == nil {
			return ns
		}
	}
	return ""
}

// probeIn is a run in ns, as the default ServiceAccount where p runs it.
func probeIn(ns string, p wfev1.ExecutionPolicy, bundle string) *wfev1.WorkflowExecution {
	return bareWE(ns, bundle, wetest.ServiceAccount("default"), wetest.RunIn(p.RunNamespace(ns)), wetest.Remediation("probe"))
}

// enforced waits until the apiserver evaluates p rather than the default
// policy it replaced, or the reverse (its admission informer is
// asynchronous): probes as an administrator, dry-run, that p admits a run it
// allows and denies what sets it apart from the default.
func enforced(t *testing.T, p wfev1.ExecutionPolicy) {
	t.Helper()
	bundle := "probe.invalid/probe:v1"
	if len(p.AllowedBundlePrefixes) > 0 {
		bundle = strings.TrimSuffix(p.AllowedBundlePrefixes[0], "/") + "/probe:v1"
	}
	if p.RequireBundleDigest {
		bundle += "@sha256:" + strings.Repeat("0", 64)
	}
	probe := func(ns, bundle string) *wfev1.WorkflowExecution {
		return bareWE("default", bundle, wetest.ServiceAccount("default"), wetest.RunIn(ns), wetest.Remediation("probe"))
	}
	// A policy that sends runs to the controller's namespace admits none.
	admits(t, cp.Client, probe(p.RunNamespace("default"), bundle), p.RunNamespace("default") != wfev1.InstallNamespace)
	if p.ExecutionNamespace != "" {
		admits(t, cp.Client, probe("default", bundle), false)
	}
	if len(p.AllowedBundlePrefixes) > 0 {
		admits(t, cp.Client, probe(p.RunNamespace("default"), "probe.invalid/probe:v1"), false)
	}
	if p.RequireBundleDigest {
		admits(t, cp.Client, probe(p.RunNamespace("default"), strings.TrimSuffix(bundle, "@sha256:"+strings.Repeat("0", 64))), false)
	}
	// A change of correlating namespaces alone shows only to a creator
	// without cluster-wide correlate.
	if ns := correlating(p); ns != "" {
		admits(t, prober(t), probeIn(ns, p, bundle), true)
	}
}

// current is the policy setPolicy set last: newWE records where and as whom
// a run executes from it, as the webhook would.
var current wfev1.ExecutionPolicy

// verdictWithin is how long the apiserver may take to see a new policy
// ConfigMap or RBAC rule (its informers are asynchronous).
const verdictWithin = 10 * time.Second

// admits dry-runs the creation of we as c until the verdict is the expected one
// (admitted or denied) and returns the last denial's message ("" when admitted).
func admits(t *testing.T, c client.Client, we *wfev1.WorkflowExecution, want bool) string {
	t.Helper()
	deadline := time.Now().Add(verdictWithin)
	for {
		// Not t.Context(): cleanups probe too, after it is cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), verdictWithin)
		err := c.Create(ctx, we.DeepCopy(), client.DryRunAll)
		cancel()
		if (err == nil) == want {
			if err != nil {
				return err.Error()
			}
			return ""
		}
		if time.Now().After(deadline) {
			require.Failf(t, "unexpected admission verdict", "want admitted=%v after %s; last error: %v", want, verdictWithin, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var weCount int

// newWE returns a WorkflowExecution running bundle as serviceAccount ("" for
// the policy's default) where the policy runs it: both recorded in the spec,
// as the webhook records them (these tests run the admission policies alone).
func newWE(namespace, serviceAccount, bundle string) *wfev1.WorkflowExecution {
	if serviceAccount == "" {
		serviceAccount = current.DefaultRunAs()
	}
	return bareWE(namespace, bundle, wetest.ServiceAccount(serviceAccount), wetest.RunIn(current.RunNamespace(namespace)))
}

// bareWE is newWE with what the caller records itself.
func bareWE(namespace, bundle string, opts ...wetest.Option) *wfev1.WorkflowExecution {
	weCount++
	image, digest, _ := strings.Cut(bundle, "@")
	return wetest.New(namespace, fmt.Sprintf("we-%d", weCount),
		append([]wetest.Option{wetest.Bundle(image), wetest.Digest(digest), wetest.Remediation("rr-1")}, opts...)...)
}

func isConflict(err error) bool { return apierrors.IsConflict(err) }
