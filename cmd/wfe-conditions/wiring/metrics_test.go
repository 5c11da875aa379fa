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
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"kubernaut.ai/wfe-conditions/certs"
)

func TestMetricsOptionsAreSecureUnlessTurnedOff(t *testing.T) {
	cert := &servingCert{dir: t.TempDir()}
	tests := []struct {
		name   string
		secure bool
	}{
		{"secure metrics are HTTPS behind the authentication and authorization filter", true},
		{"insecure metrics are plain HTTP without a filter", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := metricsOptions(Options{MetricsAddr: ":8443", MetricsSecure: tt.secure}, cert)
			assert.Equal(t, ":8443", o.BindAddress)
			assert.Equal(t, tt.secure, o.SecureServing)
			assert.Equal(t, tt.secure, o.FilterProvider != nil)
			if !tt.secure {
				return
			}
			c := &tls.Config{}
			for _, opt := range o.TLSOpts {
				opt(c)
			}
			assert.Equal(t, uint16(tls.VersionTLS12), c.MinVersion)
			assert.Equal(t, []string{"http/1.1"}, c.NextProtos, "HTTP/2 off")
			assert.NotNil(t, c.GetCertificate, "the serving certificate, not controller-runtime's self-signed one")
		})
	}
}

func TestTheMetricsCertificateIsLoadedOnceItsFilesAppear(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	cert := &servingCert{dir: dir}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- cert.Start(ctx) }()

	_, err := cert.GetCertificate(&tls.ClientHelloInfo{})
	require.Error(t, err, "no files yet: the handshake fails, the manager runs on")

	b, err := certs.SelfSigned("127.0.0.1")
	require.NoError(t, err)
	require.NoError(t, b.WriteFiles(dir))
	require.Eventually(t, func() bool {
		c, err := cert.GetCertificate(&tls.ClientHelloInfo{})
		return err == nil && c != nil
	}, 5*time.Second, 50*time.Millisecond, "loaded within a retry")

	cancel()
	require.NoError(t, <-done)
}

func TestBuildInfoNamesTheVersionCommitAndGo(t *testing.T) {
	families, err := metrics.Registry.Gather()
	require.NoError(t, err)
	found := false
	for _, f := range families {
		if f.GetName() != "wfe_build_info" {
			continue
		}
		require.Len(t, f.GetMetric(), 1)
		labels := map[string]string{}
		for _, l := range f.GetMetric()[0].GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		assert.Equal(t, map[string]string{"version": Version, "commit": Commit, "goversion": runtime.Version()}, labels)
		assert.Equal(t, 1.0, f.GetMetric()[0].GetGauge().GetValue())
		found = true
	}
	assert.True(t, found, "wfe_build_info is registered")
	assert.Equal(t, 1, testutil.CollectAndCount(buildInfo()))
}
