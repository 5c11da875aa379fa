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

package audit

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// DeliveryError is a failed delivery: retryable (network, timeout, 3xx, 401,
// 403, 408, 429, 5xx) or final for that payload (any other 4xx).
type DeliveryError struct {
	Retryable bool
	// Ambiguous: the batch may have been stored (the request was sent, and
	// its answer was lost to a timeout or a broken connection).
	Ambiguous bool
	// Status is the HTTP status, 0 when no answer came.
	Status int
	// Problem is DataStorage's RFC 7807 problem detail, when it sent one.
	Problem *Problem
	Message string
}

func (e *DeliveryError) Error() string { return e.Message }

// Reason is a short label for metrics: the status code or "network".
func (e *DeliveryError) Reason() string {
	if e.Status == 0 {
		return "network"
	}
	return fmt.Sprintf("%d", e.Status)
}

// Problem is an RFC 7807 problem detail.
type Problem struct {
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	Status      int               `json:"status"`
	Detail      string            `json:"detail,omitempty"`
	Instance    string            `json:"instance,omitempty"`
	FieldErrors map[string]string `json:"field_errors,omitempty"`
}

// parseResponse turns DataStorage's answer into nil (acknowledged: 201, or 202
// queued to its dead-letter queue) or a *DeliveryError.
func parseResponse(status int, contentType string, body []byte) error {
	if status == http.StatusCreated || status == http.StatusAccepted {
		return nil
	}
	e := &DeliveryError{Status: status, Retryable: retryable(status)}
	var p Problem
	if strings.Contains(contentType, "json") && json.Unmarshal(body, &p) == nil && (p.Title != "" || p.Detail != "") {
		p.bound()
		e.Problem = &p
	}
	e.Message = fmt.Sprintf("DataStorage answered %d %s", status, http.StatusText(status))
	switch status {
	case http.StatusUnauthorized:
		e.Message += ": the token was rejected (a rotated token is re-read from its file and sent again)"
	case http.StatusForbidden:
		e.Message += ": the token's identity lacks get or create on services/data-storage-service in DataStorage's namespace"
	}
	if e.Problem != nil {
		e.Message += ": " + p.Title
		if p.Detail != "" {
			e.Message += ": " + p.Detail
		}
		// Sorted: a stable message, since it ends up in a condition.
		for _, field := range slices.Sorted(maps.Keys(p.FieldErrors)) {
			e.Message += fmt.Sprintf("; %s: %s", field, p.FieldErrors[field])
		}
	}
	e.Message = wfev1.Truncate(e.Message, maxErrorMessage)
	return e
}

// redirectError is a 3xx answer with a Location, which the client never
// follows (see NewClient). A redirect is a misconfigured --datastorage-url;
// like every answer that is not a 4xx it is retried with backoff (see
// retryable), so nothing is lost once the operator fixes the URL. The
// Location is shown without its password, and bounded: it is outside input.
func redirectError(resp *http.Response) *DeliveryError {
	to := "a Location that does not parse"
	if loc, err := resp.Location(); err == nil {
		to = wfev1.Truncate(loc.Redacted(), maxProblemField)
	}
	return &DeliveryError{Status: resp.StatusCode, Retryable: retryable(resp.StatusCode),
		Message: fmt.Sprintf("DataStorage answered %d %s with a redirect to %s; redirects are not followed",
			resp.StatusCode, http.StatusText(resp.StatusCode), to)}
}

// Bounds on what DataStorage's answer may put in a condition message or a log
// line, in bytes: an answer is not trusted to be short.
const (
	maxProblemField = 512
	maxFieldErrors  = 16
	maxErrorMessage = 768
)

// bound cuts every string of the problem, and the number of field errors.
func (p *Problem) bound() {
	p.Type, p.Title, p.Instance = wfev1.Truncate(p.Type, maxProblemField), wfev1.Truncate(p.Title, maxProblemField), wfev1.Truncate(p.Instance, maxProblemField)
	p.Detail = wfev1.Truncate(p.Detail, maxProblemField)
	if len(p.FieldErrors) == 0 {
		return
	}
	bounded := make(map[string]string, min(len(p.FieldErrors), maxFieldErrors))
	for _, k := range slices.Sorted(maps.Keys(p.FieldErrors)) {
		if len(bounded) == maxFieldErrors {
			break
		}
		bounded[wfev1.Truncate(k, maxProblemField)] = wfev1.Truncate(p.FieldErrors[k], maxProblemField)
	}
	p.FieldErrors = bounded
}

// retryable says whether an answer is retried. 401 and 403 are: DataStorage
// reviews the token itself, and a mounted token lags its rotation by up to a
// minute, as a RoleBinding may lag its creation.
func retryable(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500 || status < 200 ||
		(status >= 200 && status < 400) // an unexpected success-range answer is not an acknowledgement; ask again
}
