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
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

// target is a server a redirect points to; it must never be reached.
type target struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // method and Authorization header of every request
}

func startTarget(t *testing.T) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.mu.Lock()
		tg.seen = append(tg.seen, r.Method+" "+r.Header.Get("Authorization"))
		tg.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) requests() []string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]string(nil), tg.seen...)
}

// redirecting answers every request with status and a Location.
func redirecting(t *testing.T, status int, location string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", location)
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

func writeToken(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(path, []byte("redirect-secret-token\n"), 0o600))
	return path
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	tests := []struct {
		name   string
		status int
	}{
		{"a 301 Moved Permanently is not followed", http.StatusMovedPermanently},
		{"a 302 Found is not followed", http.StatusFound},
		{"a 303 See Other is not followed, so the POST never turns into a GET", http.StatusSeeOther},
		{"a 307 Temporary Redirect is not followed", http.StatusTemporaryRedirect},
		{"a 308 Permanent Redirect is not followed", http.StatusPermanentRedirect},
	}
	ev := audit.BuildEvent(finishedWE("r", false), wfev1.AuditEventStarted)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := startTarget(t)
			ds := redirecting(t, tt.status, tg.URL+"/api/v1/audit/events/batch")
			c, err := audit.NewClient(audit.ClientOptions{URL: ds.URL, TokenFile: writeToken(t), AllowInsecureToken: true, Timeout: 2 * time.Second})
			require.NoError(t, err)

			err = c.Send(t.Context(), []audit.Event{ev})
			var de *audit.DeliveryError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.status, de.Status)
			assert.True(t, de.Retryable, "a misconfigured URL is retried with backoff, so nothing is lost once it is fixed")
			assert.Equal(t, fmt.Sprintf("DataStorage answered %d %s with a redirect to %s/api/v1/audit/events/batch; redirects are not followed",
				tt.status, http.StatusText(tt.status), tg.URL), de.Message)
			assert.Empty(t, tg.requests(), "the redirect target receives nothing, least of all the token")
		})
	}
}

func TestARedirectFailsTheDeliveryLikeAnyOtherRetryableFailure(t *testing.T) {
	tg := startTarget(t)
	ds := redirecting(t, http.StatusSeeOther, tg.URL+"/elsewhere")
	c, err := audit.NewClient(audit.ClientOptions{URL: ds.URL, Timeout: time.Second})
	require.NoError(t, err)
	failed303 := audit.MetricFailed.WithLabelValues("303")
	before := counterValue(t, failed303)
	d := audit.NewDelivery(c, audit.Options{BatchSize: 10, FlushInterval: 10 * time.Millisecond, QueueSize: 10,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, func(types.NamespacedName) {}, logr.Discard())
	we := finishedWE("redirected", false)
	require.True(t, d.Offer(we, []string{wfev1.AuditEventStarted}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- d.Start(ctx) }()

	var st audit.State
	require.Eventually(t, func() bool { st = d.State(we.UID); return st.Err != nil }, 2*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	assert.False(t, st.Final, "retried: the condition says 'failed and is retried with backoff'")
	assert.Contains(t, st.Err.Message, "DataStorage answered 303 See Other with a redirect to "+tg.URL+"/elsewhere")
	assert.Empty(t, st.Acknowledged)
	assert.Greater(t, counterValue(t, failed303), before, "counted under reason 303")
	assert.Empty(t, tg.requests())
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, c.Write(&m))
	return m.GetCounter().GetValue()
}
