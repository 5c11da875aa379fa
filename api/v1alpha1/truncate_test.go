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

package v1alpha1_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"a string that fits is returned as it is", "short", 5, "short"},
		{"a long ASCII string is cut and marked", strings.Repeat("x", 40), 20, strings.Repeat("x", 20-len(wfev1.TruncationMarker)) + wfev1.TruncationMarker},
		{"a cut never splits a rune", "ab" + strings.Repeat("é", 20), 2 + len(wfev1.TruncationMarker) + 3, "abé" + wfev1.TruncationMarker},
		{"a limit smaller than the marker keeps whole runes of the marker", strings.Repeat("x", 40), 4, "…("},
		{"a limit inside the marker's first rune gives an empty string", strings.Repeat("x", 40), 2, ""},
		{"a zero limit gives an empty string", "abc", 0, ""},
		{"a limit equal to the marker's length gives the marker alone", strings.Repeat("0", 15), len(wfev1.TruncationMarker), wfev1.TruncationMarker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wfev1.Truncate(tt.in, tt.limit)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), tt.limit)
			assert.True(t, utf8.ValidString(got))
		})
	}
}

func FuzzTruncate(f *testing.F) {
	f.Add("héllo wörld", 7)
	f.Add(strings.Repeat("日本", 100), 33)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 0 || limit > 1<<16 {
			return
		}
		got := wfev1.Truncate(s, limit)
		if len(got) > limit && len(s) > limit {
			t.Fatalf("Truncate(%q, %d) = %q: %d bytes", s, limit, got, len(got))
		}
		if len(s) <= limit && got != s {
			t.Fatalf("Truncate changed a string that fits: %q -> %q", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Truncate(%q, %d) split a rune: %q", s, limit, got)
		}
	})
}
