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

package webhook_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"kubernaut.ai/wfe-conditions/webhook"
)

// fourConditions is the status a reconciler writes: all four types present,
// the common case on the /status path.
const fourConditions = `, "status": {"phase": "Running", "observedGeneration": 1, "conditions": [
  {"type": "TektonPipelineCreated", "status": "True", "reason": "PipelineCreated", "message": "Tekton PipelineRun payment/restart-payment-api-1a2b3c4d created", "lastTransitionTime": "2026-11-25T10:00:00Z", "observedGeneration": 1},
  {"type": "TektonPipelineRunning", "status": "True", "reason": "PipelineStarted", "message": "Tekton PipelineRun payment/restart-payment-api-1a2b3c4d is executing task restart (1 of 2 complete)", "lastTransitionTime": "2026-11-25T10:00:01Z", "observedGeneration": 1},
  {"type": "TektonPipelineComplete", "status": "Unknown", "reason": "PipelineRunning", "message": "Tekton PipelineRun payment/restart-payment-api-1a2b3c4d is still running", "lastTransitionTime": "2026-11-25T10:00:00Z", "observedGeneration": 1},
  {"type": "AuditRecorded", "status": "True", "reason": "AuditSucceeded", "message": "DataStorage recorded 1 lifecycle event(s)", "lastTransitionTime": "2026-11-25T10:00:02Z", "observedGeneration": 1}]}`

func request(b *testing.B, raw []byte) admission.Request {
	b.Helper()
	ar := admissionv1.AdmissionReview{}
	if err := json.Unmarshal(raw, &ar); err != nil {
		b.Fatal(err)
	}
	return admission.Request{AdmissionRequest: *ar.Request}
}

// benchHandle measures Handle alone on a decoded request and checks the answer
// once, so that a broken handler cannot post a fast figure.
func benchHandle(b *testing.B, h admission.Handler, raw []byte, wantPatches int) {
	req := request(b, raw)
	if resp := h.Handle(b.Context(), req); !resp.Allowed || len(resp.Patches) != wantPatches {
		b.Fatalf("allowed %v with %d patches, want allowed with %d", resp.Allowed, len(resp.Patches), wantPatches)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Handle(b.Context(), req)
	}
}

// benchServeHTTP measures what the webhook server does per request: decode the
// AdmissionReview, run the handler, encode the response.
func benchServeHTTP(b *testing.B, h admission.Handler, raw []byte) {
	wh := &admission.Webhook{Handler: h}
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(b.Context(), http.MethodPost, "/mutate", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		return rec
	}
	if rec := serve(); rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"allowed":true`)) {
		b.Fatalf("answered %d: %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		serve()
	}
}

func BenchmarkCreateHandler(b *testing.B) {
	raw := review("CREATE", "", "WorkflowExecution", we("", ""))
	b.Run("handler", func(b *testing.B) { benchHandle(b, webhook.CreateHandler{}, raw, 1) })
	b.Run("serve", func(b *testing.B) { benchServeHTTP(b, webhook.CreateHandler{}, raw) })
}

func BenchmarkStatusHandler(b *testing.B) {
	complete := review("UPDATE", "status", "WorkflowExecution", we("", fourConditions))
	empty := review("UPDATE", "status", "WorkflowExecution", we("", ""))
	b.Run("complete/handler", func(b *testing.B) { benchHandle(b, webhook.StatusHandler{}, complete, 0) })
	b.Run("complete/serve", func(b *testing.B) { benchServeHTTP(b, webhook.StatusHandler{}, complete) })
	b.Run("missing/handler", func(b *testing.B) { benchHandle(b, webhook.StatusHandler{}, empty, 1) })
	b.Run("missing/serve", func(b *testing.B) { benchServeHTTP(b, webhook.StatusHandler{}, empty) })
}
