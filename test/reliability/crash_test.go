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

func TestAKilledManagerConvergesAfterRestart(t *testing.T) {
	e := setup(t)
	rec := e.record(t)
	m := e.startManager(t)
	const n = 200
	// Create them over a few seconds, so that at the kill some are new, some
	// running, some finished and some waiting for their acknowledgement.
	for i := range n {
		require.NoError(t, e.cp.Client.Create(t.Context(), newWE(fmt.Sprintf("we-%03d", i))))
		if i%20 == 19 {
			time.Sleep(300 * time.Millisecond)
		}
	}
	rssBefore := m.PeakRSSMiB()
	m.Kill()
	killed := time.Now()
	restarted := e.startManager(t)
	took := e.waitAllComplete(t, n, 5*time.Minute)
	time.Sleep(time.Second) // let late writes arrive at the recorder
	dups := e.check(t, rec)
	t.Logf("crash: %d WEs converged %s after the restart (%s after the kill -9); duplicate audit events: %d; manager peak RSS %d MiB before the kill, %d MiB after",
		n, took.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond), dups, rssBefore, restarted.PeakRSSMiB())
}
