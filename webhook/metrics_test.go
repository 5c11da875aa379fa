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

package webhook

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnErrorAnswerIsCountedThoughItTravelsAsHTTP200(t *testing.T) {
	srv := limitedServer(t, newLimiter(defaultLimits()))
	before := testutil.ToFloat64(metricErrors.WithLabelValues(StatusPath))
	post := func(body []byte) int {
		resp, err := http.Post(srv.URL+StatusPath, "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, post(limitsReview("UPDATE", "status", `"not an object"`, `{}`)), "an error answer is HTTP 200")
	assert.Equal(t, before+1, testutil.ToFloat64(metricErrors.WithLabelValues(StatusPath)), "and counted")
	assert.Equal(t, http.StatusOK, post(limitsReview("UPDATE", "", `{}`, `{}`)), "a no-op answer")
	assert.Equal(t, before+1, testutil.ToFloat64(metricErrors.WithLabelValues(StatusPath)), "is not an error")
}
