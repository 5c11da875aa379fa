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
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/reconciler"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// Manager is a manager running inside the test process.
type Manager struct {
	Options wiring.Options
	// CA signed the webhook server's certificate.
	CA []byte
	// Stop stops the manager before the test ends.
	Stop func()
}

// ManagerOptions returns options for a manager of this machine: the webhook,
// metrics and probes on free loopback ports, certificates in dir/certs,
// metrics over HTTPS for bearer tokens allowed /metrics, as deployed,
// auditing off until DataStorage.URL is set.
func ManagerOptions(dir string) (wiring.Options, error) {
	var ports [3]int
	for i := range ports {
		p, err := paths.FreePort()
		if err != nil {
			return wiring.Options{}, err
		}
		ports[i] = p
	}
	return wiring.Options{
		WebhookHost:      "127.0.0.1",
		WebhookPort:      ports[0],
		WebhookCertDir:   filepath.Join(dir, "certs"),
		MetricsAddr:      "127.0.0.1:" + strconv.Itoa(ports[1]),
		MetricsSecure:    true,
		ProbeAddr:        "127.0.0.1:" + strconv.Itoa(ports[2]),
		LeaseDuration:    15 * time.Second,
		PipelineSource:   reconciler.PipelineSourceBundle,
		ExecutionPolicy:  wfev1.ExecutionPolicyName,
		InstallNamespace: wfev1.InstallNamespace,
		Workers:          4,
		DataStorage: wiring.DataStorageOptions{
			Timeout: 2 * time.Second, BatchSize: 100, FlushInterval: 50 * time.Millisecond,
			QueueSize: 1000, MaxBackoff: time.Second,
		},

		SkipControllerNameValidation: true,
	}, nil
}

// StartManager registers the webhook with the control plane and runs the
// manager (webhook server and reconciler) in this process until the test ends.
// It returns once the manager reports ready.
func (cp *ControlPlane) StartManager(t testing.TB, tune ...func(*wiring.Options)) *Manager {
	t.Helper()
	m, err := cp.StartManagerE(t.TempDir(), tune...)
	require.NoError(t, err)
	var once sync.Once
	stop := m.Stop
	m.Stop = func() { once.Do(stop) }
	t.Cleanup(m.Stop)
	return m
}

// StartManagerE is StartManager for callers without a test: certificates go
// to dir, and the caller calls Stop.
func (cp *ControlPlane) StartManagerE(dir string, tune ...func(*wiring.Options)) (m *Manager, err error) {
	// A free port can be taken by another test process between the probe and
	// the bind; such a start fails at once and is retried on fresh ports.
	for attempt := 0; attempt < 3; attempt++ {
		if m, err = cp.startManager(dir, attempt, tune...); err == nil {
			return m, nil
		}
	}
	return nil, err
}

func (cp *ControlPlane) startManager(dir string, attempt int, tune ...func(*wiring.Options)) (*Manager, error) {
	opts, err := ManagerOptions(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range tune {
		f(&opts)
	}
	bundle, err := certs.SelfSigned("127.0.0.1", "localhost")
	if err != nil {
		return nil, err
	}
	if err := bundle.WriteFiles(opts.WebhookCertDir); err != nil {
		return nil, err
	}
	hostPort := net.JoinHostPort(opts.WebhookHost, strconv.Itoa(opts.WebhookPort))
	if err := cp.InstallWebhook(context.Background(), hostPort, bundle.CAPEM, attempt > 0); err != nil {
		return nil, err
	}
	stop, err := cp.runManager(opts)
	if err != nil {
		return nil, err
	}
	return &Manager{Options: opts, CA: bundle.CAPEM, Stop: func() { _ = stop() }}, nil
}

// RunUnregisteredManager runs a manager on fresh ports with a self-signed
// certificate but registers no webhook configuration: for tests where the
// registered webhook is absent or points elsewhere, or a restart reuses it.
func (cp *ControlPlane) RunUnregisteredManager(t testing.TB, tune ...func(*wiring.Options)) {
	t.Helper()
	opts, err := ManagerOptions(t.TempDir())
	require.NoError(t, err)
	for _, f := range tune {
		f(&opts)
	}
	b, err := certs.SelfSigned("127.0.0.1", "localhost")
	require.NoError(t, err)
	require.NoError(t, b.WriteFiles(opts.WebhookCertDir))
	cp.RunManager(t, opts)
}

// RunManager runs a manager with the given options until the test ends, or
// until the returned function stops it, and waits until it is ready.
func (cp *ControlPlane) RunManager(t testing.TB, opts wiring.Options) (stop func()) {
	t.Helper()
	stopE, err := cp.runManager(opts)
	require.NoError(t, err)
	var once sync.Once
	stop = func() { once.Do(func() { require.NoError(t, stopE(), "manager stopped with an error") }) }
	t.Cleanup(stop)
	return stop
}

func (cp *ControlPlane) runManager(opts wiring.Options) (stop func() error, err error) {
	setLogger()
	if err := cp.ensureExecutionPolicy(context.Background()); err != nil {
		return nil, err
	}
	cfg := cp.Config
	if cp.product {
		cfg = cp.ControllerConfig()
		if opts.LeaderElectionNamespace == "" {
			opts.LeaderElectionNamespace = wfev1.InstallNamespace
		}
	}
	mgr, err := wiring.New(cfg, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var result error
	var once sync.Once
	stop = func() error { once.Do(func() { cancel(); result = <-done }); return result }
	readyCtx, readyCancel := context.WithCancel(ctx)
	defer readyCancel()
	ready := make(chan error, 1)
	go func() { ready <- WaitReady(readyCtx, "http://"+opts.ProbeAddr+"/readyz", 30*time.Second) }()
	select {
	case err := <-ready:
		if err != nil {
			_ = stop()
			return nil, err
		}
		return stop, nil
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("manager stopped while starting: %w", err)
	}
}

// WaitReady polls a readiness URL until it answers 200.
func WaitReady(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answered %s", url, resp.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w", timeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
