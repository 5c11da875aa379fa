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

package v1alpha1

import "unicode/utf8"

// Bounds, in bytes, of the status strings built from outside input (Tekton's
// messages, TaskRuns, DataStorage's answers). Tekton's CRD does not bound its
// messages and the apiserver refuses a condition message over 32 KiB, so an
// unbounded copy could make our own status write invalid for good. With these
// bounds a whole status stays under about 16 KiB.
const (
	// MaxConditionMessage bounds every condition message SetCondition writes.
	MaxConditionMessage = 1024
	// MaxFailureMessage bounds failureDetails.message and
	// failureDetails.naturalLanguageSummary.
	MaxFailureMessage = 4096
	// MaxSummaryMessage bounds pipelineRunStatus.message.
	MaxSummaryMessage = 1024
	// MaxName bounds names and reasons copied from Tekton (task, step and
	// reason strings).
	MaxName = 253
)

// TruncationMarker ends every string Truncate cut, so a reader sees that
// something is missing.
const TruncationMarker = "…(truncated)"

// Truncate returns s when it fits in limit bytes; otherwise the longest prefix
// of s that ends on a rune boundary and, followed by TruncationMarker, fits in
// limit bytes. Every string built from outside input (Tekton, DataStorage) is
// cut by it before it reaches a status, an Event or a log line.
func Truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	if limit <= len(TruncationMarker) {
		return cutRunes(TruncationMarker, limit)
	}
	return cutRunes(s, limit-len(TruncationMarker)) + TruncationMarker
}

// cutRunes returns the longest prefix of s of at most n bytes that does not
// split a rune.
func cutRunes(s string, n int) string {
	if n >= len(s) {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
