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

package install

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

// servedCert dials the webhook server and returns its leaf certificate and the
// negotiated protocol.
func servedCert(addr string, cfg *tls.Config) (*x509.Certificate, string, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = conn.Close() }()
	st := conn.ConnectionState()
	return st.PeerCertificates[0], st.NegotiatedProtocol, nil
}

func TestTheWebhookServerRefusesOldTLSAndHTTP2AndReloadsCertificates(t *testing.T) {
	cp := controlplane.Start(t)
	m := cp.StartManager(t)
	addr := net.JoinHostPort(m.Options.WebhookHost, strconv.Itoa(m.Options.WebhookPort))
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(m.CA))

	_, _, err := servedCert(addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11, ServerName: "127.0.0.1"})
	require.Error(t, err, "TLS 1.1 is refused")

	first, proto, err := servedCert(addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"h2", "http/1.1"}})
	require.NoError(t, err)
	assert.Equal(t, "http/1.1", proto, "HTTP/2 is never negotiated")

	// Replace the files, as cert-manager renews the mounted Secret.
	renewed, err := certs.SelfSigned("127.0.0.1", "localhost")
	require.NoError(t, err)
	require.NoError(t, renewed.WriteFiles(m.Options.WebhookCertDir))
	newPool := x509.NewCertPool()
	require.True(t, newPool.AppendCertsFromPEM(renewed.CAPEM))
	start := time.Now()
	require.Eventually(t, func() bool {
		got, _, err := servedCert(addr, &tls.Config{RootCAs: newPool, ServerName: "127.0.0.1"})
		return err == nil && got.SerialNumber.Cmp(first.SerialNumber) != 0
	}, 15*time.Second, 100*time.Millisecond, "the renewed certificate is served without a restart")
	t.Logf("renewed certificate served %s after the files changed", time.Since(start).Round(time.Millisecond))
}
