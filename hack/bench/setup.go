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

package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

const (
	systemNS = "bench-system"
	// benchHolder holds the manager's lease while only its webhook is measured.
	benchHolder = "bench-holds-the-lease"
)

// bench is the running control plane, DataStorage test server and manager.
type bench struct {
	cp *controlplane.ControlPlane
	ds *datastorage.Server
	// c is a direct client without client-side rate limiting.
	c   client.WithWatch
	dir string
	// wes and prs watch every WorkflowExecution and our PipelineRuns.
	wes, prs *watcher

	mgr              *process.Proc
	mgrMetrics       string
	mgrPprof         string
	unlimited        *rest.Config
	profiling        bool
	heaps            int
	noop             *process.Proc
	webhookAddr      string
	noopAddr         string
	ca               []byte
	apiServerPID     int
	etcdPID          int
	apiServerVersion string
}

func setUp(dir string, cfg Config) (b *bench, err error) {
	b = &bench{dir: dir}
	defer func() {
		if err != nil {
			b.tearDown()
		}
	}()
	say("control plane, DataStorage test server, manager and no-op webhook")
	if b.cp, err = controlplane.StartE(dir); err != nil {
		return b, fmt.Errorf("start control plane: %w", err)
	}
	for _, p := range process.Children(os.Getpid()) {
		switch p.Name {
		case "kube-apiserver":
			b.apiServerPID = p.PID
		case "etcd":
			b.etcdPID = p.PID
		}
	}
	unlimited := rest.CopyConfig(b.cp.Config)
	unlimited.QPS, unlimited.Burst = -1, 0 // no client-side throttling: measure the server
	b.unlimited = unlimited
	if b.c, err = client.NewWithWatch(unlimited, client.Options{Scheme: b.cp.Scheme}); err != nil {
		return b, err
	}
	if dc, err := discovery.NewDiscoveryClientForConfig(unlimited); err == nil {
		if v, err := dc.ServerVersion(); err == nil {
			b.apiServerVersion = v.GitVersion
		}
	}
	if b.ds, err = datastorage.Start(); err != nil {
		return b, fmt.Errorf("start DataStorage test server: %w", err)
	}
	bundle, err := certs.SelfSigned("127.0.0.1", "localhost")
	if err != nil {
		return b, err
	}
	certDir := filepath.Join(dir, "certs")
	if err := bundle.WriteFiles(certDir); err != nil {
		return b, err
	}
	b.ca = bundle.CAPEM
	ctx := context.Background()
	if err := b.createNamespace(ctx, systemNS); err != nil {
		return b, err
	}
	// The manager reads the execution policy at start: the default one.
	if err := b.cp.SetExecutionPolicy(ctx, wfev1.ExecutionPolicy{}); err != nil {
		return b, err
	}
	if err := b.holdLease(ctx); err != nil {
		return b, err
	}
	if err := b.startManager(certDir, cfg.ManagerArgs, cfg.ManagerEnv); err != nil {
		return b, err
	}
	if err := b.startNoop(certDir); err != nil {
		return b, err
	}
	return b, nil
}

func (b *bench) tearDown() {
	for _, p := range []*process.Proc{b.noop, b.mgr} {
		if p != nil {
			p.Stop(15 * time.Second)
		}
	}
	if b.ds != nil {
		b.ds.Close()
	}
	if b.cp != nil {
		if err := b.cp.Stop(); err != nil {
			say("stop control plane: %v", err)
		}
	}
}

func (b *bench) createNamespace(ctx context.Context, name string) error {
	if err := b.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	// No kube-controller-manager here: the default ServiceAccount is ours to make.
	return b.c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: "default"}})
}

// holdLease takes the manager's leader lease, so that a manager started now
// serves its webhook but does not reconcile: admission is measured alone.
func (b *bench) holdLease(ctx context.Context) error {
	now := metav1.NewMicroTime(time.Now())
	holder, secs := benchHolder, int32(3600)
	return b.c.Create(ctx, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: systemNS, Name: wiring.LeaderElectionID},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, AcquireTime: &now, RenewTime: &now},
	})
}

// releaseLease gives the lease up and waits until the manager leads.
func (b *bench) releaseLease(ctx context.Context) error {
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: systemNS, Name: wiring.LeaderElectionID}}
	if err := b.c.Delete(ctx, lease); err != nil {
		return fmt.Errorf("release lease: %w", err)
	}
	return process.WaitUntil(ctx, 50*time.Millisecond, 30*time.Second, "manager takes the lease", func() (bool, error) {
		err := b.c.Get(ctx, client.ObjectKeyFromObject(lease), lease)
		return err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != benchHolder, client.IgnoreNotFound(err)
	})
}

func freePorts(n int) ([]int, error) {
	ports := make([]int, n)
	for i := range ports {
		p, err := paths.FreePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	return ports, nil
}

// startManager runs bin/wfe-conditions as the deployment would: leader
// election on, auditing to the DataStorage test server.
func (b *bench) startManager(certDir string, extra, env []string) error {
	bin, err := paths.Binary("wfe-conditions")
	if err != nil {
		return err
	}
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	b.webhookAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	b.mgrMetrics = "http://127.0.0.1:" + strconv.Itoa(ports[1]) + "/metrics"
	b.mgrPprof = "http://127.0.0.1:" + strconv.Itoa(ports[3])
	args := append([]string{"--kubeconfig", b.cp.Kubeconfig, "--webhook-host=127.0.0.1", "--webhook-port", strconv.Itoa(ports[0]),
		// Plain HTTP on loopback: the bench reads its figures without a token.
		"--webhook-cert-dir", certDir, "--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(ports[1]), "--metrics-secure=false",
		"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(ports[2]), "--pipeline-source=cluster",
		"--leader-elect", "--leader-election-namespace", systemNS, "--leader-election-lease-duration=6s",
		"--datastorage-url", b.ds.URL, "--pprof-bind-address", "127.0.0.1:" + strconv.Itoa(ports[3])}, extra...)
	if b.mgr, err = b.startProcess(bin, "manager.log", env, args...); err != nil {
		return err
	}
	return controlplane.WaitReady(context.Background(), "http://127.0.0.1:"+strconv.Itoa(ports[2])+"/readyz", 30*time.Second)
}

// startNoop runs this program's no-op webhook server in its own process.
func (b *bench) startNoop(certDir string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	port, err := paths.FreePort()
	if err != nil {
		return err
	}
	b.noopAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if b.noop, err = b.startProcess(self, "noop-webhook.log", nil, noopCommand, "--port", strconv.Itoa(port), "--cert-dir", certDir); err != nil {
		return err
	}
	return process.WaitUntil(context.Background(), 50*time.Millisecond, 30*time.Second, "no-op webhook answers TLS", func() (bool, error) {
		conn, err := tls.Dial("tcp", b.noopAddr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // a readiness probe of our own server
		if err == nil {
			_ = conn.Close()
		}
		return err == nil, nil
	})
}

func (b *bench) startProcess(bin, logName string, env []string, args ...string) (*process.Proc, error) {
	return process.Start(filepath.Base(bin), bin, process.Options{Env: env, Log: filepath.Join(b.dir, logName)}, args...)
}
