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

package datastorage

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

const batchPath = "/api/v1/audit/events/batch"

// weEvent is a WorkflowExecution lifecycle event as our client builds it.
func weEvent(eventType, action, outcome, phase string) map[string]any {
	return map[string]any{
		"version":         "1.0",
		"event_type":      eventType,
		"event_timestamp": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
		"event_category":  "workflowexecution",
		"event_action":    action,
		"event_outcome":   outcome,
		"actor_type":      "service",
		"actor_id":        "workflowexecution-controller",
		"resource_type":   "WorkflowExecution",
		"resource_id":     "restart-payment-api",
		"correlation_id":  "rr-payment-api-oomkilled",
		"namespace":       "payment",
		"event_data": map[string]any{
			"event_type":       eventType,
			"workflow_id":      "restart-deployment",
			"workflow_version": "v1.2.0",
			"target_resource":  "payment/Deployment/payment-api",
			"phase":            phase,
			"container_image":  "registry.example/restart:1",
			"execution_name":   "restart-payment-api",
			"started_at":       "2026-11-25T10:00:00Z",
			"pipelinerun_name": "restart-payment-api-run",
			"parameters":       map[string]any{"TARGET_RESOURCE": "payment/Deployment/payment-api"},
		},
	}
}

func lifecycleBatch() []map[string]any {
	failed := weEvent(wfev1.AuditEventFailed, "failed", "failure", "Failed")
	failed["duration_ms"] = 95000
	failed["error_message"] = "the pod ran out of memory"
	data := failed["event_data"].(map[string]any)
	data["completed_at"] = "2026-11-25T10:01:35Z"
	data["duration"] = "1m35s"
	data["failure_reason"] = "OOMKilled"
	data["failure_message"] = "step act: OOMKilled"
	data["failed_task_name"] = "act"
	return []map[string]any{
		weEvent(wfev1.AuditEventStarted, "started", "pending", "Running"),
		weEvent(wfev1.AuditEventCompleted, "completed", "success", "Completed"),
		failed,
	}
}

func post(t *testing.T, s *Server, path, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, data
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestRequestsAreCheckedAgainstTheContract(t *testing.T) {
	cases := []struct {
		name string
		path string
		// edit changes the valid lifecycle batch; body, when set, replaces it.
		edit func(batch []map[string]any)
		body string
		// complaint is part of the recorded error; empty means the batch is valid.
		complaint string
	}{
		{name: "a batch of the three lifecycle events is accepted"},
		{name: "the optional and nullable upstream fields are accepted", edit: func(b []map[string]any) {
			b[0]["parent_event_id"] = nil
			b[0]["parent_event_date"] = nil
			b[0]["cluster_id"] = "cluster-eu-1"
			b[0]["severity"] = nil
			b[0]["is_sensitive"] = false
			b[0]["retention_days"] = 30
			b[0]["actor_ip"] = "2001:db8::1"
			b[1]["event_data"].(map[string]any)["retry_count"] = 2
			b[1]["event_data"].(map[string]any)["error_details"] = map[string]any{
				"message": "timed out", "code": "ERR_TIMEOUT", "component": "workflowexecution", "retry_possible": true,
			}
		}},
		{name: "an event without correlation_id is refused", complaint: `"/1/correlation_id": property "correlation_id" is missing`,
			edit: func(b []map[string]any) { delete(b[1], "correlation_id") }},
		{name: "a payload without execution_name is refused", complaint: `"/0/event_data": doesn't match schema due to: Error at "/execution_name": property "execution_name" is missing`,
			edit: func(b []map[string]any) { delete(b[0]["event_data"].(map[string]any), "execution_name") }},
		{name: "an empty correlation_id is refused", complaint: `"/2/correlation_id": minimum string length is 1`,
			edit: func(b []map[string]any) { b[2]["correlation_id"] = "" }},
		{name: "a correlation_id longer than 255 characters is refused", complaint: `"/2/correlation_id": maximum string length is 255`,
			edit: func(b []map[string]any) { b[2]["correlation_id"] = strings.Repeat("r", 256) }},
		{name: "the phase Skipped is refused", complaint: `"/phase": value is not one of the allowed values ["Pending","Running","Completed","Failed"]`,
			edit: func(b []map[string]any) { b[1]["event_data"].(map[string]any)["phase"] = "Skipped" }},
		{name: "an event_category outside the enum is refused", complaint: `"/0/event_category": value is not one of the allowed values`,
			edit: func(b []map[string]any) { b[0]["event_category"] = "workflow-execution" }},
		{name: "a failure_reason outside the enum is refused", complaint: `"/failure_reason": value is not one of the allowed values`,
			edit: func(b []map[string]any) { b[2]["event_data"].(map[string]any)["failure_reason"] = "Evicted" }},
		{name: "an event_timestamp that is not RFC 3339 is refused", complaint: `"/0/event_timestamp": string doesn't match the format "date-time"`,
			edit: func(b []map[string]any) { b[0]["event_timestamp"] = "25/11/2026 10:01" }},
		{name: "a payload event_type no WorkflowExecution payload has is refused", complaint: `"/0/event_data": discriminator property "event_type" has invalid value`,
			edit: func(b []map[string]any) {
				b[0]["event_data"].(map[string]any)["event_type"] = "gateway.signal.received"
			}},
		{name: "a single event that is not wrapped in an array is refused", complaint: "value must be an array",
			body: `{"version":"1.0"}`},
		{name: "the single-event endpoint, which our client does not use, is refused", complaint: "no such operation",
			path: "/api/v1/audit/events"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := StartTest(t)
			batch := lifecycleBatch()
			if c.edit != nil {
				c.edit(batch)
			}
			body := c.body
			if body == "" {
				body = marshal(t, batch)
			}
			path := c.path
			if path == "" {
				path = batchPath
			}
			resp, data := post(t, s, path, body)
			if c.complaint == "" {
				assert.Empty(t, s.Invalid())
				require.Equal(t, http.StatusCreated, resp.StatusCode, string(data))
				var created struct {
					EventIDs []string `json:"event_ids"`
				}
				require.NoError(t, json.Unmarshal(data, &created))
				assert.Len(t, created.EventIDs, 3)
				require.Len(t, s.Events(), 3)
				assert.Equal(t, "Failed", s.Events()[2].EventData.Phase)
				return
			}
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, problemJSON, resp.Header.Get("Content-Type"))
			// Exactly one entry: the request. The 400 problem itself is valid.
			require.Len(t, s.Invalid(), 1)
			assert.Contains(t, s.Invalid()[0], c.complaint)
			assert.Empty(t, s.Events())
		})
	}
}

func TestTheServersOwnAnswersAreChecked(t *testing.T) {
	v, err := newValidator()
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, batchPath, nil)
	req.Header.Set("Content-Type", "application/json")
	in, err := v.request(req, []byte(marshal(t, lifecycleBatch())))
	require.NoError(t, err)
	require.NotNil(t, in)

	const uuid = "00000000-0000-4000-8000-000000000007"
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		// complaint is part of the error; empty means the answer is valid.
		complaint string
	}{
		{name: "a 201 with uuids and a message passes", status: 201, contentType: "application/json",
			body: `{"event_ids":["` + uuid + `"],"message":"1 events created"}`},
		{name: "a 201 whose event_ids is a string is caught", status: 201, contentType: "application/json",
			body: `{"event_ids":"` + uuid + `","message":"1 events created"}`, complaint: `"/event_ids": value must be an array`},
		{name: "a 201 whose event_ids are not uuids is caught", status: 201, contentType: "application/json",
			body: `{"event_ids":["event-1"]}`, complaint: `"/event_ids/0": string doesn't match the format "uuid"`},
		{name: "a 201 that is an array instead of an object is caught", status: 201, contentType: "application/json",
			body: `["` + uuid + `"]`, complaint: "value must be an object"},
		{name: "a 201 sent as plain text is caught", status: 201, contentType: "text/plain",
			body: `{"event_ids":[]}`, complaint: `Content-Type has unexpected value: "text/plain"`},
		{name: "a complete problem passes", status: 503, contentType: problemJSON,
			body: `{"type":"https://kubernaut.ai/problems/service-unavailable","title":"Service Unavailable","status":503}`},
		{name: "a problem lacking title is caught", status: 503, contentType: problemJSON,
			body: `{"type":"https://kubernaut.ai/problems/service-unavailable","status":503}`, complaint: `property "title" is missing`},
		{name: "a problem lacking type is caught", status: 400, contentType: problemJSON,
			body: `{"title":"Validation Error","status":400}`, complaint: `property "type" is missing`},
		{name: "a problem whose status is text is caught", status: 500, contentType: problemJSON,
			body: `{"type":"https://kubernaut.ai/problems/internal-error","title":"Internal Error","status":"500"}`, complaint: `"/status": value must be an integer`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.response(in, c.status, c.contentType, []byte(c.body))
			if c.complaint == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.complaint)
		})
	}

	t.Run("an answer to a request that matched no operation must still be a problem", func(t *testing.T) {
		assert.NoError(t, v.response(nil, 400, problemJSON, []byte(`{"type":"x","title":"Validation Error","status":400}`)))
		err := v.response(nil, 400, problemJSON, []byte(`{"title":"Validation Error","status":400}`))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `property "type" is missing`)
		require.Error(t, v.response(nil, 400, "text/html", []byte(`<html></html>`)))
	})
}

func TestFaultAnswersAreCheckedWhenTheyClaimToBeProblems(t *testing.T) {
	cases := []struct {
		name  string
		fault Fault
		// recorded: the answer is listed in Invalid as the server's own.
		recorded string
	}{
		{name: "a complete problem is sent and not recorded", fault: Fault{Status: 503,
			Problem: `{"type":"https://kubernaut.ai/problems/service-unavailable","title":"Service Unavailable","status":503}`}},
		{name: "a problem lacking title is sent and recorded", fault: Fault{Status: 503,
			Problem: `{"type":"https://kubernaut.ai/problems/service-unavailable","status":503}`}, recorded: `property "title" is missing`},
		{name: "a proxy's HTML page is sent unchecked", fault: Fault{Status: 502, ContentType: "text/html",
			Problem: `<html><body>502 Bad Gateway</body></html>`}},
		{name: "a body that is not JSON is sent unchecked", fault: Fault{Status: 503, Problem: `upstream connect error`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := StartTest(t)
			s.SetFault(c.fault)
			resp, data := post(t, s, batchPath, marshal(t, lifecycleBatch()))
			assert.Equal(t, c.fault.Status, resp.StatusCode)
			assert.Equal(t, c.fault.Problem, string(data), "the fault is sent as it is, checked or not")
			if c.recorded == "" {
				assert.Empty(t, s.Invalid())
				return
			}
			require.Len(t, s.Invalid(), 1)
			assert.True(t, strings.HasPrefix(s.Invalid()[0], ResponsePrefix), s.Invalid()[0])
			assert.Contains(t, s.Invalid()[0], c.recorded)
		})
	}
}

func TestTheEmbeddedContractIsTheOneServed(t *testing.T) {
	// The document names its upstream; a reader relies on that.
	assert.True(t, bytes.Contains(contract, []byte("d5a4a870")))
	v, err := newValidator()
	require.NoError(t, err)
	assert.Contains(t, v.doc.Info.Description, "Apache License 2.0")
	assert.Empty(t, v.doc.Servers, "no servers: the test server runs on any loopback port")
}
