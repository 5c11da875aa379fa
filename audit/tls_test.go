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

package audit_test

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
	"kubernaut.ai/wfe-conditions/certs"
)

// tlsServer acknowledges every request with whichever certificate it holds
// now. Keep-alives are off, so every request is a new handshake.
type tlsServer struct {
	url  string
	cert atomic.Pointer[tls.Certificate]
}

func startTLSServer(t *testing.T, b *certs.Bundle) *tlsServer {
	t.Helper()
	s := &tlsServer{}
	s.use(t, b)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) }),
		ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil }},
		// Handshakes the client refuses are expected here.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	srv.SetKeepAlivesEnabled(false)
	go func() { _ = srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	s.url = "https://" + l.Addr().String()
	return s
}

func (s *tlsServer) use(t *testing.T, b *certs.Bundle) {
	t.Helper()
	c, err := tls.X509KeyPair(b.CertPEM, b.KeyPEM)
	require.NoError(t, err)
	s.cert.Store(&c)
}

func TestTheCAFileIsReloadedWhenItChanges(t *testing.T) {
	a, err := certs.SelfSigned("127.0.0.1")
	require.NoError(t, err)
	b, err := certs.SelfSigned("127.0.0.1")
	require.NoError(t, err)
	server := startTLSServer(t, a)
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	require.NoError(t, os.WriteFile(caFile, a.CAPEM, 0o600))

	var logs strings.Builder
	var mu sync.Mutex
	logger := funcr.New(func(prefix, args string) { mu.Lock(); logs.WriteString(prefix + args + "\n"); mu.Unlock() }, funcr.Options{})
	c, err := audit.NewClient(audit.ClientOptions{URL: server.url, CAFile: caFile, Timeout: 2 * time.Second, Log: logger})
	require.NoError(t, err)
	ev := audit.BuildEvent(finishedWE("tls", false), wfev1.AuditEventStarted)

	// In order: each step changes the server's certificate and the CA file.
	steps := []struct {
		name    string
		server  *certs.Bundle
		caFile  []byte // nil removes the file
		wantErr []string
	}{
		{"the CA file verifies the server", a, a.CAPEM, nil},
		{"a certificate from another CA is refused", b, a.CAPEM, []string{"certificate signed by unknown authority"}},
		{"a rewritten CA file verifies the next request without a new client", b, b.CAPEM, nil},
		{"a CA file with no certificate keeps the previous bundle", b, []byte("not a certificate\n"), nil},
		{"the previous bundle still refuses what it does not trust, and the error says the file is broken", a, []byte("not a certificate\n"),
			[]string{"certificate signed by unknown authority", "verified with the previous CA bundle", "holds no PEM certificate"}},
		{"a missing CA file keeps the previous bundle too", b, nil, nil},
		{"a restored CA file is used again", a, a.CAPEM, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			server.use(t, st.server)
			if st.caFile == nil {
				require.NoError(t, os.Remove(caFile))
			} else {
				require.NoError(t, os.WriteFile(caFile, st.caFile, 0o600))
			}
			err := c.Send(t.Context(), []audit.Event{ev})
			if st.wantErr == nil {
				require.NoError(t, err)
				return
			}
			var de *audit.DeliveryError
			require.ErrorAs(t, err, &de)
			assert.True(t, de.Retryable)
			for _, want := range st.wantErr {
				assert.Contains(t, de.Message, want)
			}
		})
	}

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, strings.Count(logs.String(), "holds no PEM certificate"), "a broken file is logged once, not per request")
	assert.Equal(t, 1, strings.Count(logs.String(), "no such file or directory"))
	assert.Equal(t, 2, strings.Count(logs.String(), `"msg"="DataStorage CA file reloaded"`))
}

func TestABadCAFileAtStartIsAnError(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.crt")
	require.NoError(t, os.WriteFile(empty, []byte("no certificate here"), 0o600))
	tests := []struct {
		name    string
		caFile  string
		wantErr string
	}{
		{"a missing CA file is refused", filepath.Join(dir, "missing.crt"), "read DataStorage CA file"},
		{"a CA file without a certificate is refused", empty, "holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := audit.NewClient(audit.ClientOptions{URL: "https://ds.example", CAFile: tt.caFile})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
