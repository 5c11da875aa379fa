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

// Package sourcedate is the one time reproducible builds here stamp: image
// layers and configs (hack/image), release archives and the SBOM
// (hack/release).
package sourcedate

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Time is every file's mtime and every created time. A clock reading would
// change the digests on every build; SOURCE_DATE_EPOCH is the
// reproducible-builds convention for a caller that wants a real date
// (make release sets the commit's time). Unset or empty: the Unix epoch.
func Time() (time.Time, error) {
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
