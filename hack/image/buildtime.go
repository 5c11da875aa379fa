package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// buildTime is every file's mtime and the image's created time. A clock
// reading would change the digest on every build; SOURCE_DATE_EPOCH is the
// reproducible-builds convention for a caller that wants a real date.
func buildTime() (time.Time, error) {
	s, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds: %w", s, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}
