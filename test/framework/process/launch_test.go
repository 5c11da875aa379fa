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

package process_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/process"
)

func TestAProgramThatExitsEarlyIsReportedWithTheEndOfItsLog(t *testing.T) {
	reported := make(chan string, 1)
	p, err := process.Start("dies", "/bin/sh", process.Options{
		Log:    filepath.Join(t.TempDir(), "dies.log"),
		Report: func(name string, _ error, tail string) { reported <- name + ": " + tail },
	}, "-c", "for i in 1 2 3 4 5; do echo line $i; done; exit 3")
	require.NoError(t, err)
	select {
	case got := <-reported:
		assert.Equal(t, "dies: line 1\nline 2\nline 3\nline 4\nline 5", got)
	case <-time.After(10 * time.Second):
		t.Fatal("no report")
	}
	assert.False(t, p.Running())
}

func TestAProgramStoppedIsNotReportedAndIsKilledAfterTheGrace(t *testing.T) {
	reported := make(chan string, 1)
	log := filepath.Join(t.TempDir(), "ignores.log")
	p, err := process.Start("ignores-term", "/bin/sh", process.Options{
		Log:    log,
		Report: func(name string, _ error, _ string) { reported <- name },
	}, "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return process.Tail(log, 1) == "ready" }, 10*time.Second, 10*time.Millisecond)
	require.True(t, p.Running())
	start := time.Now()
	p.Stop(300 * time.Millisecond)
	assert.False(t, p.Running())
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "SIGTERM was ignored: killed after the grace")
	select {
	case name := <-reported:
		t.Fatalf("%s reported though it was stopped", name)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestARestartAppendsToItsLogAndTerminateSaysWhenTheGraceIsExceeded(t *testing.T) {
	log := filepath.Join(t.TempDir(), "twice.log")
	quiet := func(string, error, string) { t.Error("a deliberate end was reported") }
	first, err := process.Start("first", "/bin/sh", process.Options{Log: log, Report: quiet}, "-c", "echo first; exec sleep 60")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return process.Tail(log, 1) == "first" }, 10*time.Second, 10*time.Millisecond)
	assert.GreaterOrEqual(t, first.PeakRSSMiB(), 0, "VmHWM is readable while it runs")
	require.NoError(t, first.Terminate(5*time.Second), "sleep exits on SIGTERM")

	second, err := process.Start("second", "/bin/sh", process.Options{Log: log, Append: true, Report: quiet},
		"-c", "trap '' TERM; echo second; while true; do sleep 0.1; done")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return process.Tail(log, 2) == "first\nsecond" }, 10*time.Second, 10*time.Millisecond)
	assert.ErrorContains(t, second.Terminate(200*time.Millisecond), "second did not exit within 200ms of SIGTERM")
	assert.False(t, second.Running(), "killed after the grace")
	assert.Equal(t, -1, second.PeakRSSMiB(), "gone")

	third, err := process.Start("third", "/bin/sleep", process.Options{Log: log, Append: true, Report: quiet}, "60")
	require.NoError(t, err)
	third.Kill()
	assert.False(t, third.Running())
}

func TestWaitUntilNamesWhatItAwaitedOrStopsAtTheFirstError(t *testing.T) {
	calls := 0
	require.NoError(t, process.WaitUntil(t.Context(), time.Millisecond, time.Second, "third call", func() (bool, error) {
		calls++
		return calls == 3, nil
	}))
	assert.Equal(t, 3, calls)

	err := process.WaitUntil(t.Context(), time.Millisecond, 20*time.Millisecond, "never", func() (bool, error) { return false, nil })
	assert.EqualError(t, err, "never: not done after 20ms")

	err = process.WaitUntil(t.Context(), time.Millisecond, time.Second, "fails", func() (bool, error) { return false, errors.New("refused") })
	assert.EqualError(t, err, "refused")
}
