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

package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// undo returns the host to s: it stops every process the node started (by
// recorded PID), kills what runs in the node's cgroups, unmounts, and removes
// the interfaces, network namespaces, rules, sysctl values and folders that
// were not there before. It touches only what the node made: mounts under
// Root, network namespaces, veths on cni0, cgroups and nftables tables that
// did not exist before it. It goes on after an error and returns them all.
// After a reboot (another boot id) the kernel's state is fresh: only the
// processes, mounts and folders are undone.
func undo(s *hostState, bin string) error {
	var errs []error
	stopRecorded()
	killNodeProcesses(bin, s)
	errs = append(errs, unmountAll(s)...)
	for _, n := range listDir("/run/netns") {
		if !slices.Contains(s.NetNS, n) && strings.HasPrefix(n, "cni-") {
			errs = append(errs, os.Remove(filepath.Join("/run/netns", n)))
		}
	}
	removeCgroups(s)
	sameBoot := s.BootID == bootID()
	if sameBoot {
		errs = append(errs, removeLinks(s)...)
		errs = append(errs, restoreRuleset(s.Tables))
		for k, v := range s.Sysctls {
			if cur, err := os.ReadFile(sysctlPath(k)); err == nil && strings.TrimSpace(string(cur)) != v {
				errs = append(errs, os.WriteFile(sysctlPath(k), []byte(v), 0o644))
			}
		}
	}
	for _, d := range s.createdDirs() {
		errs = append(errs, os.RemoveAll(d))
	}
	if left := nodeMounts(); len(left) > 0 {
		// Removing Root through a mount would delete what it shows.
		return errors.Join(append(errs, fmt.Errorf("still mounted, %s kept: %v", Root, left))...)
	}
	return errors.Join(append(errs, os.RemoveAll(Root))...)
}

// removeLinks deletes the cni0 bridge and the veths on it, if the node made them.
func removeLinks(s *hostState) []error {
	var errs []error
	now, _ := links()
	for _, l := range now {
		master, _ := os.Readlink(filepath.Join("/sys/class/net", l, "master"))
		if !slices.Contains(s.Links, l) && strings.HasPrefix(l, "veth") && filepath.Base(master) == "cni0" {
			errs = append(errs, deleteLink(l))
		}
	}
	if !slices.Contains(s.Links, "cni0") {
		errs = append(errs, deleteLink("cni0"))
	}
	return errs
}

// deleteLink deletes an interface that still exists: a veth goes by itself
// when its network namespace is freed, which the kernel does in the
// background, so one can vanish between the look and the delete.
func deleteLink(name string) error {
	if !linkExists(name) {
		return nil
	}
	if err := run("ip", "link", "delete", name); err != nil && linkExists(name) {
		return err
	}
	return nil
}

func linkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// stopRecorded ends the processes of Root/pids: SIGTERM, then SIGKILL after
// five seconds. A PID is signalled only while it still runs the recorded
// program, so a reused PID is never hit.
func stopRecorded() {
	var pids []int
	for _, f := range listDir(filepath.Join(Root, "pids")) {
		data, err := os.ReadFile(filepath.Join(Root, "pids", f))
		if err != nil {
			continue
		}
		pid, exe, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
		n, err := strconv.Atoi(pid)
		if err == nil && exeOf(n) == exe {
			_ = syscall.Kill(n, syscall.SIGTERM)
			pids = append(pids, n)
		}
	}
	waitGone(pids, 5*time.Second)
}

// killNodeProcesses kills what runs in the node's cgroups (containers and
// sandboxes) and every process whose program is one of the node's, from bin/:
// containerd's shims outlive containerd by design.
func killNodeProcesses(bin string, s *hostState) {
	var pids []int
	for _, pid := range cgroupProcs(s) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			pids = append(pids, pid)
		}
	}
	for _, pid := range allPIDs() {
		if exe := exeOf(pid); slices.Contains(nodePrograms(bin), exe) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				pids = append(pids, pid)
			}
		}
	}
	waitGone(pids, 10*time.Second)
}

// nodePrograms are the node's own programs; a process running one of them is
// the node's, whoever started it.
func nodePrograms(bin string) []string {
	names := []string{"containerd", "containerd-shim-runc-v2", "kubelet", "kube-proxy", "kube-controller-manager", "kube-scheduler"}
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(bin, n))
	}
	return append(paths, filepath.Join(Root, "bin", "etcd"), filepath.Join(Root, "bin", "kube-apiserver"), filepath.Join(Root, "bin", "tekton-controller"))
}

// cgroupProcs lists the processes in the node's cgroups.
func cgroupProcs(s *hostState) []int {
	var pids []int
	for _, top := range nodeCgroups(s) {
		_ = filepath.WalkDir(top, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.Name() != "cgroup.procs" {
				return nil
			}
			data, _ := os.ReadFile(path)
			for _, f := range strings.Fields(string(data)) {
				if n, err := strconv.Atoi(f); err == nil {
					pids = append(pids, n)
				}
			}
			return nil
		})
	}
	return pids
}

// podCgroups are the top cgroups, in every v1 hierarchy, that the kubelet
// (kubepods) and containerd (k8s.io) create.
func podCgroups() []string {
	var roots []string
	for _, h := range listDir("/sys/fs/cgroup") {
		for _, name := range []string{"kubepods", "k8s.io"} {
			p := filepath.Join("/sys/fs/cgroup", h, name)
			if _, err := os.Stat(p); err == nil {
				roots = append(roots, p)
			}
		}
	}
	return roots
}

// nodeCgroups are the pod cgroups that did not exist before the node: those
// of another kubelet are never touched (and Start refuses to run beside one).
func nodeCgroups(s *hostState) []string {
	var mine []string
	for _, c := range podCgroups() {
		if s == nil || !slices.Contains(s.Cgroups, c) {
			mine = append(mine, c)
		}
	}
	return mine
}

// removeCgroups removes the node's cgroups, deepest first; a cgroup is removed
// with rmdir once empty.
func removeCgroups(s *hostState) {
	for _, top := range nodeCgroups(s) {
		var dirs []string
		_ = filepath.WalkDir(top, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
		for _, d := range dirs {
			_ = syscall.Rmdir(d)
		}
	}
}

// nodeMounts lists mount points under Root, where the node keeps every
// mount of its own but the network namespace pins; deepest first.
func nodeMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		p := fields[4]
		if strings.HasPrefix(p, Root+"/") {
			points = append(points, p)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	return points
}

// unmountAll unmounts the node's mounts and the pins of the network
// namespaces it made.
func unmountAll(s *hostState) []error {
	var errs []error
	points := nodeMounts()
	for _, n := range listDir("/run/netns") {
		if strings.HasPrefix(n, "cni-") && (s == nil || !slices.Contains(s.NetNS, n)) {
			points = append(points, filepath.Join("/run/netns", n))
		}
	}
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errs
}

// restoreRuleset deletes the nftables tables that were not there before and
// puts back those that changed, table by table: tables nobody here touched
// are left alone.
func restoreRuleset(before map[string]string) error {
	now, err := nftTables()
	if err != nil {
		return err
	}
	var errs []error
	for table, rules := range now {
		old, existed := before[table]
		switch {
		case !existed:
			errs = append(errs, run("nft", append([]string{"delete", "table"}, strings.Fields(table)...)...))
		case rules != old:
			errs = append(errs, run("nft", append([]string{"flush", "table"}, strings.Fields(table)...)...))
			cmd := exec.Command("nft", "-f", "-")
			cmd.Stdin = strings.NewReader(old)
			if out, err := cmd.CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("restore nftables table %s: %w: %s", table, err, out))
			}
		}
	}
	return errors.Join(errs...)
}

// nftTables maps each nftables table ("family name") to its rules, without
// counters or other state.
func nftTables() (map[string]string, error) {
	out, err := exec.Command("nft", "list", "tables").Output()
	if err != nil {
		return nil, fmt.Errorf("nft list tables (make node-prereqs installs nft): %w", err)
	}
	tables := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "table" {
			continue
		}
		rules, err := exec.Command("nft", "-s", "list", "table", f[1], f[2]).Output()
		if err != nil {
			return nil, fmt.Errorf("nft list table %s %s: %w", f[1], f[2], err)
		}
		tables[f[1]+" "+f[2]] = string(rules)
	}
	return tables, nil
}

func run(name string, args ...string) error {
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func listDir(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func allPIDs() []int {
	var pids []int
	for _, name := range listDir("/proc") {
		if n, err := strconv.Atoi(name); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// exeOf is the program a process runs; a program replaced since (a rebuilt
// tool) still counts as its path.
func exeOf(pid int) string {
	exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	return strings.TrimSuffix(exe, " (deleted)")
}

// waitGone waits until none of pids exists, or the timeout.
func waitGone(pids []int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for _, pid := range pids {
		for time.Now().Before(deadline) && syscall.Kill(pid, 0) == nil && !zombie(pid) {
			time.Sleep(50 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func zombie(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(data), ") ")
	return strings.HasPrefix(rest, "Z")
}

// Leftovers lists the node's processes, mounts and cgroups that still exist;
// empty after a clean stop.
func Leftovers(bin string) []string {
	var left []string
	for _, pid := range allPIDs() {
		if exe := exeOf(pid); slices.Contains(nodePrograms(bin), exe) {
			left = append(left, fmt.Sprintf("process %d (%s)", pid, exe))
		}
	}
	for _, pid := range cgroupProcs(nil) {
		left = append(left, fmt.Sprintf("process %d in a pod cgroup", pid))
	}
	for _, m := range nodeMounts() {
		left = append(left, "mount "+m)
	}
	for _, c := range podCgroups() {
		left = append(left, "cgroup "+c)
	}
	if _, err := os.Stat(Root); err == nil {
		left = append(left, "folder "+Root)
	}
	return left
}
