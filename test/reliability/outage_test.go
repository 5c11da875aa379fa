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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
)

func TestADataStorageOutageLosesNothingAndKeepsMemoryBounded(t *testing.T) {
	e := setup(t)
	rec := e.record(t)
	m := e.startManager(t)
	const n = 40
	start := time.Now()
	e.ds.Refuse()
	for i := range n {
		require.NoError(t, e.cp.Client.Create(t.Context(), newWE(fmt.Sprintf("outage-%02d", i))))
	}
	phase := func(d time.Duration, what string) {
		time.Sleep(d)
		t.Logf("%6s: %s (manager peak RSS %d MiB)", time.Since(start).Round(time.Second), what, m.PeakRSSMiB())
	}
	phase(30*time.Second, "connection refused for 30 s")
	require.NoError(t, e.ds.Resume())
	e.ds.SetFault(datastorage.Fault{Delay: 7 * time.Second}) // longer than the client's 5 s timeout
	phase(15*time.Second, "answers slower than the client timeout for 15 s")
	e.ds.SetFault(datastorage.Unavailable)
	phase(10*time.Second, "503 for 10 s")
	e.ds.SetFault(datastorage.Fault{})
	took := e.waitAllComplete(t, n, 2*time.Minute)
	time.Sleep(time.Second)
	dups := e.check(t, rec)
	peak := m.PeakRSSMiB()
	t.Logf("outage: %d WEs audited %s after DataStorage recovered; duplicates %d; requests %d; manager peak RSS %d MiB", n, took.Round(time.Millisecond), dups, e.ds.Requests(), peak)
	assert.Less(t, peak, 150, "memory stays bounded")
}
