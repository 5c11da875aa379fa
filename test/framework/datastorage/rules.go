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
	"fmt"
	"net/http"
	"time"
)

// DataStorage's own rules beyond the schema, as kubernaut's DataStorage
// applies them (kubernaut d5a4a870; paths in that repository).
const (
	// maxBody: a larger request body is answered 413.
	maxBody = 5 << 20
	// maxBatch: a batch of more events is answered 400.
	maxBatch = 500
	// maxEventData: an event_data larger than this, as DataStorage re-encodes
	// it (Go's encoding/json, which writes <, > and & as six bytes each), is
	// answered 400 (pkg/datastorage/server/eventdata/validation.go).
	maxEventData = 256 * 1024
	// An event_timestamp older than maxAge or later than maxAhead is answered
	// 400 (pkg/datastorage/server/helpers/validation.go).
	maxAge   = 7 * 24 * time.Hour
	maxAhead = 60 * time.Minute
)

// dataStorageRules returns why DataStorage would refuse a batch that passed
// the schema, in its own words ("event at index N failed validation", with
// no field named), or "" when it would store it.
func dataStorageRules(body []byte, now time.Time) string {
	var events []struct {
		EventTimestamp time.Time      `json:"event_timestamp"`
		EventData      map[string]any `json:"event_data"`
	}
	if err := json.Unmarshal(body, &events); err != nil {
		return "request body is not an array of audit events"
	}
	if len(events) > maxBatch {
		return fmt.Sprintf("batch size %d exceeds the maximum of %d", len(events), maxBatch)
	}
	for i, e := range events {
		data, _ := json.Marshal(e.EventData)
		if e.EventTimestamp.Before(now.Add(-maxAge)) || e.EventTimestamp.After(now.Add(maxAhead)) || len(data) > maxEventData {
			return fmt.Sprintf("event at index %d failed validation", i)
		}
	}
	return ""
}

// generic is the answer DataStorage's middleware gives before any handler
// runs (authentication, the body limit): a problem of type about:blank.
func generic(status int) answer {
	body, _ := json.Marshal(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status})
	return answer{status: status, contentType: problemJSON, body: body, check: true}
}
