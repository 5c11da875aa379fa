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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// hostState is what the node changes on the host, as it was before the node
// started. It is saved in Root, so a later Start can undo what a killed
// process left behind.
type hostState struct {
	// BootID tells whether the kernel state below is still this boot's.
	BootID  string            `json:"bootID"`
	Sysctls map[string]string `json:"sysctls"`
	// Tables are the nftables tables ("family name") with their rules:
	// kube-proxy, the kubelet and the CNI plugins add tables and chains.
	Tables  map[string]string `json:"tables"`
	Dirs    []string          `json:"dirs"`    // hostDirs that existed
	Links   []string          `json:"links"`   // network interfaces that existed
	NetNS   []string          `json:"netns"`   // entries of /run/netns that existed
	Cgroups []string          `json:"cgroups"` // pod cgroups that existed
}

// watchedSysctls are those the kubelet, kube-proxy and the bridge plugin set.
var watchedSysctls = []string{
	"vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops",
	"kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes", "net.ipv4.ip_forward",
	"net.ipv4.conf.all.route_localnet", "net.bridge.bridge-nf-call-iptables", "net.netfilter.nf_conntrack_max",
}

// hostDirs are folders outside Root that the node's programs create.
var hostDirs = []string{"/run/containerd", "/run/netns", "/var/lib/cni", "/var/lib/kubelet", "/var/log/containers", "/var/log/pods", "/etc/cni"}

// readHostState reads the host's current state of everything the node touches.
func readHostState() (*hostState, error) {
	s := &hostState{BootID: bootID(), Sysctls: map[string]string{}, Cgroups: podCgroups()}
	for _, k := range watchedSysctls {
		if v, err := os.ReadFile(sysctlPath(k)); err == nil {
			s.Sysctls[k] = strings.TrimSpace(string(v))
		}
	}
	var err error
	if s.Tables, err = nftTables(); err != nil {
		return nil, err
	}
	for _, d := range hostDirs {
		if _, err := os.Lstat(d); err == nil {
			s.Dirs = append(s.Dirs, d)
		}
	}
	if s.Links, err = links(); err != nil {
		return nil, err
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		s.NetNS = append(s.NetNS, e.Name())
	}
	return s, nil
}

func bootID() string {
	id, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(id))
}

// createdDirs are the hostDirs that exist now and did not before.
func (s *hostState) createdDirs() []string {
	var dirs []string
	for _, d := range hostDirs {
		if _, err := os.Lstat(d); err == nil && !slices.Contains(s.Dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

func sysctlPath(key string) string {
	return filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
}

func links() ([]string, error) {
	entries, err := os.ReadDir("/sys/class/net")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

func statePath() string { return filepath.Join(Root, "prestate.json") }

func saveHostState(s *hostState) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	// Written whole or not at all: a kill mid-write must not block every
	// later Start.
	tmp := statePath() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, statePath())
}

// loadHostState returns the state saved by an earlier Start, or nil.
func loadHostState() (*hostState, error) {
	data, err := os.ReadFile(statePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := &hostState{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("%s is damaged (remove it after checking the host by hand): %w", statePath(), err)
	}
	return s, nil
}

// Diff lists how the host differs from s, in words; empty when it is as before.
func (s *hostState) Diff() ([]string, error) {
	now, err := readHostState()
	if err != nil {
		return nil, err
	}
	var diffs []string
	for k, v := range s.Sysctls {
		if now.Sysctls[k] != v {
			diffs = append(diffs, fmt.Sprintf("sysctl %s is %q, was %q", k, now.Sysctls[k], v))
		}
	}
	for table, rules := range now.Tables {
		if old, ok := s.Tables[table]; !ok || old != rules {
			diffs = append(diffs, "nftables table "+table+" is new or changed:\n"+rules)
		}
	}
	for _, c := range now.Cgroups {
		if !slices.Contains(s.Cgroups, c) {
			diffs = append(diffs, "cgroup "+c+" is new")
		}
	}
	for _, d := range now.Dirs {
		if !slices.Contains(s.Dirs, d) {
			diffs = append(diffs, "folder "+d+" is new")
		}
	}
	for _, l := range now.Links {
		if !slices.Contains(s.Links, l) {
			diffs = append(diffs, "interface "+l+" is new")
		}
	}
	for _, n := range now.NetNS {
		if !slices.Contains(s.NetNS, n) {
			diffs = append(diffs, "network namespace "+n+" is new")
		}
	}
	return diffs, nil
}
