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
	exitErr  error // set before exited closes
	stopping atomic.Bool
}

// Options shape how Start runs a program.
type Options struct {
	// Env is added to this process's environment.
	Env []string
	// Log receives stdout and stderr; it is created (truncated), or appended
	// to with Append (a program restarted into the same log).
	Log    string
	Append bool
	// Dir is the working directory (default: this process's).
	Dir string
	// Report is told when the program exits before Stop, with the end of its
	// log: every test after that would only time out. Default: standard error.
	Report func(name string, err error, logTail string)
}

// Start runs path with args. The program dies with this process, even when
// the test binary is killed (Pdeathsig).
func Start(name, path string, opts Options, args ...string) (*Proc, error) {
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if opts.Append {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logFile, err := os.OpenFile(opts.Log, flags, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = opts.Dir
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
		p.exitErr = err
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

// ExitError is how the program ended (nil: exit status 0); call it once
// Exited is closed.
func (p *Proc) ExitError() error {
	<-p.exited
	return p.exitErr
}

// Stop ends the program: SIGTERM, then SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) { StopAll(grace, p) }

// Kill ends the program at once (SIGKILL, as a node losing power) and waits.
func (p *Proc) Kill() {
	p.stopping.Store(true)
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Terminate sends SIGTERM and waits up to grace for a graceful exit, as the
// kubelet does; an error says the program did not exit in time (it is then
// killed).
func (p *Proc) Terminate(grace time.Duration) error {
	p.stopping.Store(true)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(grace):
		p.Kill()
		return fmt.Errorf("%s did not exit within %s of SIGTERM", p.Name, grace)
	}
}

// PeakRSSMiB is the program's peak resident memory (VmHWM) in MiB, -1 when
// unreadable.
func (p *Proc) PeakRSSMiB() int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			if _, err := fmt.Sscan(rest, &kb); err != nil {
				return -1
			}
			return kb / 1024
		}
	}
	return -1
}

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
