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

// Package reliability breaks things for real and checks that the product keeps
// telling the truth.
package reliability

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/webhook"
)

const validReview = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","kind":{"group":"workflowexecution.kubernaut.ai","version":"v1alpha1","kind":"WorkflowExecution"},"resource":{"group":"workflowexecution.kubernaut.ai","version":"v1alpha1","resource":"workflowexecutions"},"subResource":"status","operation":"UPDATE","object":{"metadata":{"generation":1},"status":{}}}}`

func TestHostileHTTPInputGetsAClearAnswerAndNeverACrash(t *testing.T) {
	cp := controlplane.Start(t)
	m := cp.StartManager(t)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(m.CA))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}}
	base := "https://127.0.0.1:" + strconv.Itoa(m.Options.WebhookPort)

	post := func(path, contentType string, body io.Reader) (int, string) {
		resp, err := client.Post(base+path, contentType, body)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, string(data)
	}
	// answer decodes an AdmissionReview response: allowed, code, message.
	answer := func(body string) (bool, int32, string) {
		var r struct {
			Response struct {
				Allowed bool `json:"allowed"`
				Status  struct {
					Code    int32  `json:"code"`
					Message string `json:"message"`
				} `json:"status"`
			} `json:"response"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &r), body)
		return r.Response.Allowed, r.Response.Status.Code, r.Response.Status.Message
	}

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	t.Run("a valid review is answered", func(t *testing.T) {
		code, body := post(webhook.StatusPath, "application/json", strings.NewReader(validReview))
		require.Equal(t, http.StatusOK, code)
		allowed, _, _ := answer(body)
		assert.True(t, allowed)
	})
	t.Run("a truncated body is a clear error", func(t *testing.T) {
		code, body := post(webhook.StatusPath, "application/json", strings.NewReader(validReview[:len(validReview)/2]))
		require.Equal(t, http.StatusOK, code)
		allowed, status, msg := answer(body)
		assert.False(t, allowed)
		assert.Equal(t, int32(http.StatusBadRequest), status)
		assert.NotEmpty(t, msg)
	})
	t.Run("an oversized body is refused before it is read", func(t *testing.T) {
		for range 5 {
			huge := bytes.Repeat([]byte("a"), 16<<20)
			code, body := post(webhook.StatusPath, "application/json", bytes.NewReader(huge))
			require.Equal(t, http.StatusRequestEntityTooLarge, code)
			assert.Contains(t, body, "request body too large")
		}
	})
	t.Run("a wrong content type is refused", func(t *testing.T) {
		code, body := post(webhook.StatusPath, "text/plain", strings.NewReader(validReview))
		require.Equal(t, http.StatusOK, code)
		allowed, _, msg := answer(body)
		assert.False(t, allowed)
		assert.Contains(t, msg, "contentType")
	})
	t.Run("a non-WorkflowExecution object is refused", func(t *testing.T) {
		pod := strings.Replace(validReview, `"kind":"WorkflowExecution"`, `"kind":"Pod"`, 1)
		_, body := post(webhook.CreatePath, "application/json", strings.NewReader(pod))
		allowed, status, msg := answer(body)
		assert.False(t, allowed)
		assert.Equal(t, int32(http.StatusBadRequest), status)
		assert.Contains(t, msg, "expected a workflowexecution.kubernaut.ai WorkflowExecution")
	})
	t.Run("an AdmissionReview of another API version is answered in kind", func(t *testing.T) {
		v1beta1 := strings.Replace(validReview, "admission.k8s.io/v1", "admission.k8s.io/v1beta1", 1)
		code, body := post(webhook.StatusPath, "application/json", strings.NewReader(v1beta1))
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, `"apiVersion":"admission.k8s.io/v1beta1"`)
	})
	t.Run("an unknown path is a 404", func(t *testing.T) {
		code, _ := post("/nope", "application/json", strings.NewReader(validReview))
		assert.Equal(t, http.StatusNotFound, code)
	})

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("heap in use before %d MiB, after five 16 MiB bodies %d MiB", before.HeapInuse>>20, after.HeapInuse>>20)
	assert.Less(t, grew, int64(64<<20), fmt.Sprintf("memory stays flat: grew %d MiB", grew>>20))
	// The server still answers after all that.
	code, _ := post(webhook.StatusPath, "application/json", strings.NewReader(validReview))
	assert.Equal(t, http.StatusOK, code)
}
