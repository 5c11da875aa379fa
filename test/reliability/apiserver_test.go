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
