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
	"errors"
	"strings"
	"testing"

	"kubernaut.ai/wfe-conditions/audit"
)

func FuzzParseResponse(f *testing.F) {
	f.Add(201, "application/json", []byte(`{"event_ids":["00000000-0000-4000-8000-000000000000"]}`))
	f.Add(400, "application/problem+json", []byte(`{"type":"t","title":"Validation Error","status":400,"detail":"d","field_errors":{"a":"b"}}`))
	f.Add(503, "text/plain", []byte("unavailable"))
	f.Add(429, "application/problem+json", []byte(`{"title":null}`))
	f.Add(503, "application/problem+json", []byte(`{"type":"t","title":"Service Unavailable","status":503,"detail":"`+strings.Repeat("é", 20_000)+`"}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		err := audit.ParseResponse(status, contentType, body)
		if status == 201 || status == 202 {
			if err != nil {
				t.Fatalf("%d must be an acknowledgement, got %v", status, err)
			}
			return
		}
		var de *audit.DeliveryError
		if !errors.As(err, &de) || de.Message == "" {
			t.Fatalf("status %d must give a DeliveryError with a message, got %v", status, err)
		}
		if len(de.Message) > 1024 {
			t.Fatalf("a DataStorage answer made a %d-byte message: it must fit a condition message", len(de.Message))
		}
		final := status >= 400 && status < 500 && status != 408 && status != 429
		if de.Retryable == final {
			t.Fatalf("status %d: retryable=%v", status, de.Retryable)
		}
	})
}
