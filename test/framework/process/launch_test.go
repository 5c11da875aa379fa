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
