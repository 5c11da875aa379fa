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
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestEachOfDataStoragesOwnRulesBites(t *testing.T) {
	started := func(mutate func(e map[string]any)) []map[string]any {
		e := weEvent(wfev1.AuditEventStarted, "started", "pending", "Running")
		mutate(e)
		return []map[string]any{e}
	}
	many := make([]map[string]any, maxBatch+1)
	for i := range many {
		many[i] = weEvent(wfev1.AuditEventStarted, "started", "pending", "Running")
	}
	tests := []struct {
		name   string
		batch  []map[string]any
		status int
		detail string
	}{
		{"an event older than 7 days is refused with a generic detail", started(func(e map[string]any) {
			e["event_timestamp"] = time.Now().Add(-8 * 24 * time.Hour).UTC().Format(time.RFC3339)
		}), 400, "event at index 0 failed validation"},
		{"an event more than 60 minutes ahead is refused", started(func(e map[string]any) {
			e["event_timestamp"] = time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
		}), 400, "event at index 0 failed validation"},
		{"an event_data over 256 KB as DataStorage encodes it is refused", started(func(e map[string]any) {
			// 50,000 '<' are 50,000 bytes as sent and 300,000 as re-encoded.
			e["event_data"].(map[string]any)["parameters"] = map[string]any{"P": strings.Repeat("<", 50_000)}
		}), 400, "event at index 0 failed validation"},
		{"a batch of 501 events is refused", many, 400, "exceeds the maximum of 500"},
		{"unknown event_data fields are dropped silently", started(func(e map[string]any) {
			e["event_data"].(map[string]any)["cancelled_by"] = "alice"
		}), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := StartTest(t)
			resp, body := post(t, s, batchPath, marshal(t, tt.batch))
			require.Equal(t, tt.status, resp.StatusCode, string(body))
			assert.Contains(t, string(body), tt.detail)
			assert.Empty(t, s.Invalid())
		})
	}
}

func TestABodyOver5MiBIsRefusedWith413(t *testing.T) {
	s := StartTest(t)
	resp, body := post(t, s, batchPath, "["+strings.Repeat(" ", 5<<20)+"]")
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, string(body))
}

func TestDataStorageReviewsTheTokenItself(t *testing.T) {
	s := StartTest(t)
	s.SetAuth(func(token string) int {
		switch token {
		case "ours":
			return 0
		case "no-permission":
			return http.StatusForbidden
		}
		return http.StatusUnauthorized
	})
	for token, want := range map[string]int{"ours": 201, "no-permission": 403, "expired": 401, "": 401} {
		req, err := http.NewRequest(http.MethodPost, s.URL+batchPath, strings.NewReader(marshal(t, lifecycleBatch())))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var p map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&p)
		_ = resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, "token %q", token)
		if want != 201 {
			assert.Equal(t, "about:blank", p["type"], "token %q", token)
		}
	}
	assert.Empty(t, s.Invalid())
}

func TestTheSearchFindsStoredEventsByCorrelationAndType(t *testing.T) {
	s := StartTest(t)
	resp, body := post(t, s, batchPath, marshal(t, lifecycleBatch()))
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	get := func(query string) (int, map[string]any) {
		r, err := http.Get(s.URL + "/api/v1/audit/events?" + query)
		require.NoError(t, err)
		defer func() { _ = r.Body.Close() }()
		var page map[string]any
		require.NoError(t, json.NewDecoder(r.Body).Decode(&page))
		return r.StatusCode, page
	}
	status, page := get("correlation_id=rr-payment-api-oomkilled&event_type=" + wfev1.AuditEventCompleted + "&limit=1000")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, page["data"], 1)
	assert.Equal(t, wfev1.AuditEventCompleted, page["data"].([]any)[0].(map[string]any)["event_type"])
	_, page = get("correlation_id=another&event_type=" + wfev1.AuditEventCompleted)
	assert.Empty(t, page["data"])
	status, _ = get("event_type=" + wfev1.AuditEventCompleted)
	assert.Equal(t, http.StatusBadRequest, status, "the correlation id is required")
	assert.Len(t, s.Invalid(), 1, "and the request is recorded as breaking the contract")
}

func TestAParkedBatchIsAnswered202WithoutIDsAndFoundOnlyOnceWritten(t *testing.T) {
	s := StartTest(t)
	s.SetFault(Fault{Park: true})
	resp, body := post(t, s, batchPath, marshal(t, lifecycleBatch()))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(body))
	var answer map[string]any
	require.NoError(t, json.Unmarshal(body, &answer))
	assert.NotContains(t, answer, "event_ids", "DataStorage names no event it has not written")
	assert.Empty(t, s.Events(), "parked, not stored")
	assert.Len(t, s.Parked(), len(lifecycleBatch()))
	found := func() int {
		r, err := http.Get(s.URL + "/api/v1/audit/events?correlation_id=rr-payment-api-oomkilled&event_type=" + wfev1.AuditEventCompleted)
		require.NoError(t, err)
		defer func() { _ = r.Body.Close() }()
		var page struct{ Data []any }
		require.NoError(t, json.NewDecoder(r.Body).Decode(&page))
		return len(page.Data)
	}
	assert.Zero(t, found(), "a search does not find a parked event")
	s.WriteParked()
	assert.Len(t, s.Events(), len(lifecycleBatch()))
	assert.Empty(t, s.Parked())
	assert.Equal(t, 1, found(), "written, it is found")
	assert.Empty(t, s.Invalid(), "the 202 follows the contract")
}
