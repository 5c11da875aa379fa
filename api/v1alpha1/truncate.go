package v1alpha1

import "unicode/utf8"

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
