package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/config"
	"kubernaut.ai/wfe-conditions/manager"
)

// Manager is a manager running inside the test process.
type Manager struct {
	Options config.Options
	// CertDir holds the webhook server's certificate files.
	CertDir string
	// CA signed the webhook server's certificate.
	CA []byte
	// Stop stops the manager before the test ends.
	Stop func()
}

// ManagerOptions returns options for a manager of this machine: the webhook, metrics and
// probes on free loopback ports, certificates in dir.
func ManagerOptions(dir string) (config.Options, error) {
	var ports [3]int
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			return config.Options{}, err
		}
		ports[i] = p
	}
	return config.Options{
		WebhookHost:    "127.0.0.1",
		WebhookPort:    ports[0],
		WebhookCertDir: filepath.Join(dir, "certs"),
		MetricsAddr:    "127.0.0.1:" + strconv.Itoa(ports[1]),
		ProbeAddr:      "127.0.0.1:" + strconv.Itoa(ports[2]),
		LeaseDuration:  15 * time.Second,
		PipelineSource: "bundle",
		Workers:        4,
		DataStorage: config.DataStorageOptions{
			Timeout: 2 * time.Second, BatchSize: 100, FlushInterval: 50 * time.Millisecond,
			QueueSize: 1000, MaxBackoff: time.Second,
		},

		SkipControllerNameValidation: true,
	}, nil
}

// StartManager registers the webhook with the control plane and runs the
// manager (webhook server and reconciler) in this process until the test ends.
// It returns once the manager reports ready.
func (cp *ControlPlane) StartManager(t testing.TB, tune ...func(*config.Options)) *Manager {
	t.Helper()
	opts, err := ManagerOptions(t.TempDir())
	require.NoError(t, err)
	for _, f := range tune {
		f(&opts)
	}
	bundle, err := certs.SelfSigned("127.0.0.1", "localhost")
	require.NoError(t, err)
	require.NoError(t, bundle.WriteFiles(opts.WebhookCertDir))
	hostPort := net.JoinHostPort(opts.WebhookHost, strconv.Itoa(opts.WebhookPort))
	require.NoError(t, cp.InstallWebhook(t.Context(), hostPort, bundle.CAPEM))
	m := &Manager{Options: opts, CertDir: opts.WebhookCertDir, CA: bundle.CAPEM}
	m.Stop = cp.RunManager(t, opts)
	return m
}

// RunManager runs a manager with the given options until the test ends, or
// until the returned function stops it, and waits until it is ready.
func (cp *ControlPlane) RunManager(t testing.TB, opts config.Options) (stop func()) {
	t.Helper()
	setLogger()
	mgr, err := manager.New(cp.Config, opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done, "manager stopped with an error")
		})
	}
	t.Cleanup(stop)
	require.NoError(t, WaitReady(ctx, "http://"+opts.ProbeAddr+"/readyz", 30*time.Second))
	return stop
}

// WaitReady polls a readiness URL until it answers 200.
func WaitReady(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error = errors.New("not polled yet")
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
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w", timeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
