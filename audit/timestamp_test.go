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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"kubernaut.ai/wfe-conditions/audit"
)

func TestTheEventTimestampStaysInsideDataStoragesWindow(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"a recent event keeps its time", now.Add(-time.Hour), now.Add(-time.Hour)},
		{"an event just under six days old keeps its time", now.Add(-6*24*time.Hour + time.Minute), now.Add(-6*24*time.Hour + time.Minute)},
		{"an eight-day-old event is sent as six days old", now.Add(-8 * 24 * time.Hour), now.Add(-6 * 24 * time.Hour)},
		{"a year-old backlog is sent as six days old", now.AddDate(-1, 0, 0), now.Add(-6 * 24 * time.Hour)},
		{"an event from a clock ahead is sent as now", now.Add(2 * time.Hour), now},
		{"an event of this second is sent as now", now, now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want.Format(time.RFC3339), audit.SendTimestamp(tt.at, now))
		})
	}
}
