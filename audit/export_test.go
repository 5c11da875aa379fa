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

// The package's own tests (package audit_test) reach these unexported
// functions through the names below; nothing else can.
var (
	ParseResponse = parseResponse
	BuildEvent    = buildEvent
	MetricFailed  = metricFailed
)

// Tracked counts the WorkflowExecutions the delivery holds any state of.
func (d *Delivery) Tracked() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.states) + len(d.inFlight)
}

// SendTimestamp is sendTimestamp, for the table test.
var SendTimestamp = sendTimestamp

// MetricPossibleDuplicates counts events sent again after an ambiguous failure.
var MetricPossibleDuplicates = metricPossibleDuplicates
