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

package reliability

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAnAPIServerRestartMidRunMissesNoTransition(t *testing.T) {
	e := setup(t)
	rec := e.record(t)
	e.startManager(t)
	const n = 40
	for i := range n {
		require.NoError(t, e.cp.Client.Create(t.Context(), newWE(fmt.Sprintf("restart-%02d", i))))
	}
	time.Sleep(2 * time.Second) // mid-run
	start := time.Now()
	require.NoError(t, e.cp.RestartAPIServer(t.Context(), 3*time.Second))
	back := time.Since(start)
	// The recorder's watch ended with the old apiserver; record again.
	rec2 := e.record(t)
	took := e.waitAllComplete(t, n, 3*time.Minute)
	time.Sleep(time.Second)
	dups := e.check(t, rec)
	e.check(t, rec2)
	t.Logf("apiserver restart: back after %s; %d WEs complete and audited %s later; duplicates %d", back.Round(time.Millisecond), n, took.Round(time.Millisecond), dups)
}
