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

package sourcedate

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheTimeComesFromSOURCE_DATE_EPOCH(t *testing.T) {
	cases := []struct {
		name    string
		env     string
		set     bool
		want    int64
		wantErr bool
	}{
		{"without SOURCE_DATE_EPOCH the time is the Unix epoch", "", false, 0, false},
		{"an empty SOURCE_DATE_EPOCH counts as unset", "", true, 0, false},
		{"SOURCE_DATE_EPOCH gives the time in seconds", "1700000000", true, 1700000000, false},
		{"a SOURCE_DATE_EPOCH that is not a number is an error", "yesterday", true, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.set {
				t.Setenv("SOURCE_DATE_EPOCH", tc.env)
			} else {
				t.Setenv("SOURCE_DATE_EPOCH", "")
				require.NoError(t, os.Unsetenv("SOURCE_DATE_EPOCH"))
			}
			got, err := Time()
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Unix())
		})
	}
}
