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
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics filter asks the apiserver who the scraper is and whether it may
// get /metrics.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// metricsOptions serves metrics over HTTPS with the webhook's serving
// certificate, and lets a request through only when its bearer token
// authenticates and may get /metrics (the metrics-reader ClusterRole). With
// secure off they are plain HTTP for anyone who reaches the address.
func metricsOptions(o Options, cert *servingCert) metricsserver.Options {
	if !o.MetricsSecure {
		return metricsserver.Options{BindAddress: o.MetricsAddr}
	}
	return metricsserver.Options{
		BindAddress:    o.MetricsAddr,
		SecureServing:  true,
		FilterProvider: filters.WithAuthenticationAndAuthorization,
		TLSOpts: []func(*tls.Config){secureTLS, func(c *tls.Config) {
			c.GetCertificate = cert.GetCertificate
		}},
	}
}

// addMetricsCert has the manager load the metrics server's certificate, when
// it serves one.
func addMetricsCert(mgr manager.Manager, o Options, cert *servingCert) error {
	if !o.MetricsSecure || o.MetricsAddr == "0" {
		return nil
	}
	if err := mgr.Add(cert); err != nil {
		return fmt.Errorf("add the metrics certificate: %w", err)
	}
	return nil
}

// servingCert serves the certificate in dir, reloading it when the files
// change. With self-managed certificates the files exist (or hold a valid
// pair) only after the manager has started, so it loads them as soon as they
// do; until then a handshake fails rather than the manager.
type servingCert struct {
	dir     string
	watcher atomic.Pointer[certwatcher.CertWatcher]
}

// certRetry is how often servingCert looks for a certificate it could not load.
const certRetry = time.Second

// Start loads the certificate, then keeps it fresh until ctx ends.
func (c *servingCert) Start(ctx context.Context) error {
	for {
		w, err := certwatcher.New(filepath.Join(c.dir, "tls.crt"), filepath.Join(c.dir, "tls.key"))
		if err == nil {
			c.watcher.Store(w)
			if err := w.Start(ctx); err != nil {
				return fmt.Errorf("watch the metrics certificate in %s: %w", c.dir, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(certRetry):
		}
	}
}

// NeedLeaderElection is false: every replica serves metrics.
func (c *servingCert) NeedLeaderElection() bool { return false }

// GetCertificate implements tls.Config.GetCertificate.
func (c *servingCert) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	w := c.watcher.Load()
	if w == nil {
		return nil, errors.New("the metrics certificate is not loaded yet")
	}
	return w.GetCertificate(hello)
}
