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
