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
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

// metricsReaderRole is the shipped ClusterRole that may get /metrics.
const metricsReaderRole = "wfe-conditions-metrics-reader"

// serviceAccountToken creates a ServiceAccount in ns and returns a token the
// apiserver issued for it (TokenRequest), bound to metricsReaderRole if asked.
func serviceAccountToken(t *testing.T, cp *controlplane.ControlPlane, ns, name string, reader bool) string {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}))
	if reader {
		require.NoError(t, cp.Client.Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: metricsReaderRole},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}},
		}))
	}
	cs, err := kubernetes.NewForConfig(cp.Config)
	require.NoError(t, err)
	tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
	require.NoError(t, err)
	return tr.Status.Token
}

// scrape gets /metrics with token (none when empty) and returns the status
// code and body.
func scrape(t *testing.T, hc *http.Client, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestTheMetricsEndpointServesOnlyTokensAllowedToReadIt(t *testing.T) {
	// The shipped RBAC: the manager runs as its ServiceAccount and may only
	// create TokenReviews and SubjectAccessReviews for the filter.
	cp := controlplane.Start(t, controlplane.WithProduct())
	m := cp.StartManager(t)
	cp.CreateNamespace(t, "scrapers")
	reader := serviceAccountToken(t, cp, "scrapers", "prometheus", true)
	stranger := serviceAccountToken(t, cp, "scrapers", "stranger", false)

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(m.CA))
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}}
	url := "https://" + m.Options.MetricsAddr + "/metrics"

	tests := []struct {
		name  string
		token string
		code  int
	}{
		{"without a token the scrape is refused", "", http.StatusUnauthorized},
		// controller-runtime's filter answers the TokenReview's error as 500.
		{"a token the apiserver did not issue is refused", "not-a-token", http.StatusInternalServerError},
		{"a ServiceAccount not bound to metrics-reader is forbidden", stranger, http.StatusForbidden},
		{"a ServiceAccount bound to metrics-reader reads the metrics", reader, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := scrape(t, hc, url, tt.token)
			assert.Equal(t, tt.code, code, body)
			if tt.code == http.StatusOK {
				assert.Contains(t, body, "wfe_build_info{", "our own metrics are there")
				assert.Contains(t, body, `controller_runtime_reconcile_total{controller="workflowexecution"`)
			} else {
				assert.NotContains(t, body, "wfe_", "nothing is told without authorization")
			}
		})
	}

	t.Run("plain HTTP gets no metrics", func(t *testing.T) {
		// Go's TLS server answers 400 and closes; the close may win the race.
		resp, err := http.Get("http://" + m.Options.MetricsAddr + "/metrics")
		if err != nil {
			return
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.NotContains(t, string(body), "wfe_")
	})
	t.Run("TLS 1.1 is refused and HTTP/2 never negotiated", func(t *testing.T) {
		_, _, err := servedCert(m.Options.MetricsAddr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS11})
		require.Error(t, err)
		_, proto, err := servedCert(m.Options.MetricsAddr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"h2", "http/1.1"}})
		require.NoError(t, err)
		assert.Equal(t, "http/1.1", proto)
	})
}
