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

package wiring

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDataStorageURLsAreValidatedWithoutShowingTheirPassword(t *testing.T) {
	const password = "hunter2-flag-password"
	tests := []struct {
		name    string
		url     string
		wantErr string
	}{
		{"an https URL is accepted", "https://data-storage.kubernaut-system:8443", ""},
		{"an empty URL turns auditing off", "", ""},
		{"another scheme is refused with the password redacted", "ftp://admin:" + password + "@ds.example", `"ftp://admin:xxxxx@ds.example": want an http:// or https:// URL`},
		{"a URL without a host is refused", "http:///api", "want an http:// or https:// URL"},
		{"a URL that does not parse is refused without being shown", "http://admin:" + password + "/x@ds.example", "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DataStorageOptions{URL: tt.url, Timeout: time.Second, BatchSize: 1, FlushInterval: time.Second, QueueSize: 1, MaxBackoff: time.Second}.validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), password)
		})
	}
}

func TestTheAuditBatchSizeStaysWithinDataStoragesLimit(t *testing.T) {
	opts := func(batch int) DataStorageOptions {
		return DataStorageOptions{URL: "https://ds.example", Timeout: time.Second, BatchSize: batch, FlushInterval: time.Second, QueueSize: 1, MaxBackoff: time.Second}
	}
	require.NoError(t, opts(500).validate())
	err := opts(501).validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DataStorage refuses a batch of more than 500 events")
}
