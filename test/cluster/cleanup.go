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
// were not there before. It goes on after an error and returns them all.
func undo(s *hostState, bin string) error {
	var errs []error
	stopRecorded()
	killNodeProcesses(bin)
	errs = append(errs, unmountAll()...)
	for _, n := range listDir("/run/netns") {
		if !slices.Contains(s.NetNS, n) {
			errs = append(errs, os.Remove(filepath.Join("/run/netns", n)))
		}
	}
	removeCgroups()
	now, _ := links()
	for _, l := range now {
		if !slices.Contains(s.Links, l) && (l == "cni0" || strings.HasPrefix(l, "veth")) {
			errs = append(errs, run("ip", "link", "delete", l))
		}
	}
	errs = append(errs, restoreRuleset(s.Ruleset))
	for k, v := range s.Sysctls {
		if cur, err := os.ReadFile(sysctlPath(k)); err == nil && strings.TrimSpace(string(cur)) != v {
			errs = append(errs, os.WriteFile(sysctlPath(k), []byte(v), 0o644))
		}
	}
	for _, d := range hostDirs {
		if !slices.Contains(s.Dirs, d) {
			errs = append(errs, os.RemoveAll(d))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return os.RemoveAll(Root)
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
func killNodeProcesses(bin string) {
	var pids []int
	for _, pid := range cgroupProcs() {
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

// cgroupProcs lists the processes in the kubelet's and containerd's cgroups.
func cgroupProcs() []int {
	var pids []int
	for _, top := range cgroupRoots() {
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

// cgroupRoots are the node's cgroups in every mounted v1 hierarchy.
func cgroupRoots() []string {
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

// removeCgroups removes the node's cgroups, deepest first; a cgroup is removed
// with rmdir once empty.
func removeCgroups() {
	for _, top := range cgroupRoots() {
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

// nodeMounts lists mount points the node made: under Root, the kubelet's
// folder and network namespace pins; deepest first.
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
		if strings.HasPrefix(p, Root+"/") || strings.HasPrefix(p, "/var/lib/kubelet/") || strings.HasPrefix(p, "/run/netns/cni-") ||
			strings.HasPrefix(p, "/run/containerd/") {
			points = append(points, p)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	return points
}

func unmountAll() []error {
	var errs []error
	for _, p := range nodeMounts() {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errs
}

// restoreRuleset replaces the nftables ruleset with the saved text.
func restoreRuleset(saved string) error {
	now, err := exec.Command("nft", "list", "ruleset").Output()
	if err != nil || string(now) == saved {
		return err
	}
	if err := run("nft", "flush", "ruleset"); err != nil {
		return err
	}
	if strings.TrimSpace(saved) == "" {
		return nil
	}
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(saved)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restore the nftables ruleset: %w: %s", err, out)
	}
	return nil
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

func exeOf(pid int) string {
	exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	return exe
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
	for _, pid := range cgroupProcs() {
		left = append(left, fmt.Sprintf("process %d in a node cgroup", pid))
	}
	for _, m := range nodeMounts() {
		left = append(left, "mount "+m)
	}
	for _, c := range cgroupRoots() {
		left = append(left, "cgroup "+c)
	}
	if _, err := os.Stat(Root); err == nil {
		left = append(left, "folder "+Root)
	}
	return left
}
