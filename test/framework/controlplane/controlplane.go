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

// Package controlplane starts a real etcd and kube-apiserver (controller-runtime
// envtest on the binaries built into bin/) with our CRDs and Tekton's installed.
package controlplane

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// ControlPlane is a running etcd + kube-apiserver with the CRDs installed.
type ControlPlane struct {
	// Config reaches the apiserver as an administrator.
	Config *rest.Config
	// Client is a direct (uncached) client with our types and Tekton's registered.
	Client client.Client
	// Scheme knows the core types, ours and Tekton's.
	Scheme *runtime.Scheme
	// Kubeconfig is the path of a kubeconfig file the built kubectl accepts.
	Kubeconfig string

	env       *envtest.Environment
	restarted []*process.Proc
	// product: InstallProduct ran, managers run as the controller.
	product bool
}

// reapOnce clears what an earlier, killed test binary left running, once per
// process: every later control plane of this process stops its own.
var reapOnce sync.Once

type options struct {
	crdPaths      []string
	allTektonCRDs bool
	product       bool
	withoutOurCRD bool
}

// WithProduct runs InstallProduct once the control plane is up: the shipped
// RBAC and admission policies apply, and managers run as the controller.
func WithProduct() Option { return func(o *options) { o.product = true } }

// WithCRDs installs further CRDs from files or folders, e.g. cert-manager's.
func WithCRDs(paths ...string) Option {
	return func(o *options) { o.crdPaths = append(o.crdPaths, paths...) }
}

// WithoutOurCRD leaves the WorkflowExecution CRD out, as on a fresh cluster
// where an install (the chart) creates it.
func WithoutOurCRD() Option { return func(o *options) { o.withoutOurCRD = true } }

// WithAllTektonCRDs installs every Tekton CRD, as Tekton's controller needs,
// not only Pipeline, PipelineRun, Task and TaskRun.
func WithAllTektonCRDs() Option { return func(o *options) { o.allTektonCRDs = true } }

// Option tunes Start.
type Option func(*options)

// NewScheme returns a scheme with the core types, ours and Tekton's.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wfev1.AddToScheme, tektonv1.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// Start starts a control plane for the test and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *ControlPlane {
	t.Helper()
	cp, err := StartE(t.TempDir(), opts...)
	require.NoError(t, err, "start control plane")
	t.Cleanup(func() { require.NoError(t, cp.Stop(), "stop control plane") })
	return cp
}

// StartE starts a control plane writing its kubeconfig into dir. The caller
// must call Stop.
func StartE(dir string, opts ...Option) (*ControlPlane, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	root, err := paths.RepoRoot()
	if err != nil {
		return nil, err
	}
	crds, err := tektonCRDs(o.allTektonCRDs)
	if err != nil {
		return nil, err
	}
	crdPaths := o.crdPaths
	if !o.withoutOurCRD {
		crdPaths = append([]string{filepath.Join(root, "config", "crd", "bases")}, crdPaths...)
	}
	scheme := NewScheme()
	newEnv := func() *envtest.Environment {
		fresh := make([]*apiextensionsv1.CustomResourceDefinition, len(crds))
		for i, c := range crds {
			fresh[i] = c.DeepCopy() // envtest stamps what it installs
		}
		return &envtest.Environment{
			BinaryAssetsDirectory:   filepath.Join(root, "bin"),
			CRDDirectoryPaths:       crdPaths,
			CRDs:                    fresh,
			ErrorIfCRDPathMissing:   true,
			Scheme:                  scheme,
			ControlPlaneStopTimeout: 20 * time.Second,
			// A busy machine (the real node beside the other suites) starts
			// kube-apiserver in more than envtest's default 60 s now and then.
			ControlPlaneStartTimeout: 2 * time.Minute,
		}
	}
	env := newEnv()
	if err := requireBinaries(env.BinaryAssetsDirectory); err != nil {
		return nil, err
	}
	reapOnce.Do(func() { reapOrphans() })
	// Clients log through controller-runtime's logger; without one set it
	// prints a warning with a stack trace that reads like a crash.
	setLogger()
	cfg, err := env.Start()
	for try := 1; err != nil && strings.Contains(err.Error(), "default namespace didn't register") && try < 3; try++ {
		// envtest gives the apiserver 5 s to create the default namespace,
		// which a machine busy with the other suites can exceed: start anew.
		_ = env.Stop()
		env = newEnv()
		cfg, err = env.Start()
	}
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	cp := &ControlPlane{Config: cfg, Scheme: scheme, env: env}
	if cp.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		_ = env.Stop()
		return nil, err
	}
	cp.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(cp.Kubeconfig, env.KubeConfig, 0o600); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if o.product {
		if err := cp.InstallProduct(context.Background()); err != nil {
			_ = env.Stop()
			return nil, err
		}
	}
	return cp, nil
}

// Stop stops the apiserver and etcd and removes their data.
func (cp *ControlPlane) Stop() error {
	process.StopAll(20*time.Second, cp.restarted...)
	return cp.env.Stop()
}

// CreateNamespace creates a namespace with the default ServiceAccount that no
// kube-controller-manager creates here.
func (cp *ControlPlane) CreateNamespace(t testing.TB, name string) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: objectMeta("", name)}))
	require.NoError(t, cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: objectMeta(name, "default")}))
}

// WatchClient returns a client that can watch.
func (cp *ControlPlane) WatchClient(t testing.TB) client.WithWatch {
	t.Helper()
	c, err := client.NewWithWatch(cp.Config, client.Options{Scheme: cp.Scheme})
	require.NoError(t, err)
	return c
}
