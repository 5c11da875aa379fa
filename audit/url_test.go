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
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

func TestABearerTokenNeedsHTTPSUnlessExplicitlyAllowed(t *testing.T) {
	token := writeToken(t)
	tests := []struct {
		name    string
		opts    audit.ClientOptions
		wantErr string
	}{
		{"http with a token file is refused", audit.ClientOptions{URL: "http://ds.example:8080", TokenFile: token},
			"DataStorage URL http://ds.example:8080 is plain http and a token file is set"},
		{"an upper-case HTTP scheme is plain http too", audit.ClientOptions{URL: "HTTP://ds.example:8080", TokenFile: token},
			"is plain http and a token file is set"},
		{"http with a token file and AllowInsecureToken is accepted", audit.ClientOptions{URL: "http://ds.example:8080", TokenFile: token, AllowInsecureToken: true}, ""},
		{"https with a token file is accepted", audit.ClientOptions{URL: "https://ds.example:8443", TokenFile: token}, ""},
		{"http without a token file is accepted", audit.ClientOptions{URL: "http://ds.example:8080"}, ""},
		{"a scheme that is neither http nor https is refused", audit.ClientOptions{URL: "ftp://ds.example"}, "want an http:// or https:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := audit.NewClient(tt.opts)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestURLsAreShownWithoutTheirPassword(t *testing.T) {
	const password = "hunter2-url-password"
	token := writeToken(t)
	t.Run("NewClient's errors redact the URL", func(t *testing.T) {
		for _, u := range []string{"http://admin:" + password + "@ds.example:8080", "ftp://admin:" + password + "@ds.example",
			"http://admin:" + password + "/x@ds.example"} { // the last one does not parse: the password ends up in the port
			_, err := audit.NewClient(audit.ClientOptions{URL: u, TokenFile: token})
			require.Error(t, err)
			assert.NotContains(t, err.Error(), password)
		}
	})

	redirects := []struct {
		name     string
		location string
		want     string
	}{
		{"a relative redirect is shown against the base URL, password redacted", "/moved", "http://admin:xxxxx@"},
		{"an absolute redirect with credentials is shown redacted", "https://root:" + password + "@elsewhere.example/x",
			"with a redirect to https://root:xxxxx@elsewhere.example/x;"},
	}
	for _, tt := range redirects {
		t.Run(tt.name, func(t *testing.T) {
			ds := redirecting(t, http.StatusFound, tt.location)
			base := strings.Replace(ds.URL, "http://", "http://admin:"+password+"@", 1)
			c, err := audit.NewClient(audit.ClientOptions{URL: base, Timeout: time.Second})
			require.NoError(t, err)

			var logs bytes.Buffer
			var mu sync.Mutex
			log := funcr.New(func(prefix, args string) { mu.Lock(); logs.WriteString(prefix + args + "\n"); mu.Unlock() }, funcr.Options{Verbosity: 10})
			d := audit.NewDelivery(c, audit.Options{BatchSize: 10, FlushInterval: 10 * time.Millisecond, QueueSize: 10,
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, func(types.NamespacedName) {}, log)
			we := finishedWE("redacted", false)
			require.True(t, d.Offer(we, []string{wfev1.AuditEventStarted}))
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			require.NoError(t, d.Start(ctx))

			mu.Lock()
			defer mu.Unlock()
			assert.Contains(t, logs.String(), tt.want)
			assert.NotContains(t, logs.String(), password)
		})
	}
}
