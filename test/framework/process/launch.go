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

package process

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Proc is a program the harness started with Start.
type Proc struct {
	// Name names it in reports; LogPath holds its output.
	Name, LogPath string

	cmd      *exec.Cmd
	exited   chan struct{}
	stopping atomic.Bool
}

// Options shape how Start runs a program.
type Options struct {
	// Env is added to this process's environment.
	Env []string
	// Log receives stdout and stderr; it is created (truncated).
	Log string
	// Report is told when the program exits before Stop, with the end of its
	// log: every test after that would only time out. Default: standard error.
	Report func(name string, err error, logTail string)
}

// Start runs path with args. The program dies with this process, even when
// the test binary is killed (Pdeathsig).
func Start(name, path string, opts Options, args ...string) (*Proc, error) {
	logFile, err := os.Create(opts.Log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), opts.Env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	report := opts.Report
	if report == nil {
		report = func(name string, err error, logTail string) {
			fmt.Fprintf(os.Stderr, "harness: %s exited before Stop (%v); the end of its log:\n%s\n", name, err, logTail)
		}
	}
	p := &Proc{Name: name, LogPath: opts.Log, cmd: cmd, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
		if !p.stopping.Load() {
			report(name, err, Tail(opts.Log, 20))
		}
	}()
	return p, nil
}

// PID is the program's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Exited is closed once the program has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Running reports whether the program has not exited.
func (p *Proc) Running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Stop ends the program: SIGTERM, then SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) { StopAll(grace, p) }

// StopAll sends every program SIGTERM at once, then waits for each, killing
// those still running after grace.
func StopAll(grace time.Duration, procs ...*Proc) {
	for _, p := range procs {
		p.stopping.Store(true)
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		select {
		case <-p.exited:
		case <-time.After(grace):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
}

// Tail returns the last n lines of the file at path ("" when unreadable).
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	data, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
