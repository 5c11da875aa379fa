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
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Process is one live process as /proc/PID/stat describes it.
type Process struct {
	PID, PPID int
	// Name is the command name (comm).
	Name string
}

// processes lists the live (not zombie) processes of this machine.
func processes() []Process {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []Process
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // ended meanwhile
		}
		// "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
		ppid, _ := strconv.Atoi(fields[1])
		out = append(out, Process{PID: pid, PPID: ppid, Name: s[open+1 : end]})
	}
	return out
}

// Children lists the live children of pid.
func Children(pid int) []Process {
	var out []Process
	for _, p := range processes() {
		if p.PPID == pid {
			out = append(out, p)
		}
	}
	return out
}

// Alive says whether pid is a live process.
func Alive(pid int) bool {
	for _, p := range processes() {
		if p.PID == pid {
			return true
		}
	}
	return false
}
