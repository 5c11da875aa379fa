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

// Package cluster runs a real single-node Kubernetes on this machine: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, containerd with
// runc, a kubelet, kube-proxy and a bridge network, all built into bin/, with
// images built here and imported (nothing is pulled). Pods run for real.
//
// The node uses fixed host resources (ports 6443, 2379-2380, 10248-10259, the
// cni0 bridge, nftables, sysctls), so one runs per machine: Start waits for
// the node lock. Stop undoes every change; a Start after a killed test undoes
// what that one left. It needs root.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
	"kubernaut.ai/wfe-conditions/test/framework/tekton"
)

const (
	// Root holds the node's state, configuration, logs and PIDs.
	Root = "/var/lib/wfe-conditions-node"
	// NodeName is the node's name.
	NodeName = "wfe-node"
	// OptOut is the environment variable that, set to "off", leaves the real-node layer out on
	// machines without root; docs/testing.md says what is then untested.
	OptOut              = "REAL_NODE"
	podCIDR             = "10.244.0.0/24"
	serviceCIDR         = "10.96.0.0/24"
	kubernetesServiceIP = "10.96.0.1"
	lockPath            = "/var/lib/wfe-conditions-node.lock"
	cgroup2Magic        = 0x63677270
)

// Cluster is a running node.
type Cluster struct {
	// Kubeconfig is an administrator's kubeconfig; Config and Client use it.
	Kubeconfig string
	Config     *rest.Config
	Client     client.Client
	// NodeIP is the host's primary IPv4 address, the node's InternalIP.
	NodeIP string
	// Bin is the repository's bin/ folder.
	Bin string
	// StartupTime is how long Start took.
	StartupTime time.Duration

	before *hostState
	procs  []*process.Proc
	tekton *tekton.Tekton
	unlock func()
}

// CanRun says why this host cannot run the real node, or nil. Where it
// cannot, make leaves the node's packages out (hack/preflight.sh); run
// directly there, they fail with this reason rather than skip.
func CanRun() error {
	if os.Getenv(OptOut) == "off" {
		return errors.New("the real-node layer is opted out (" + OptOut + "=off): make leaves its packages out")
	}
	if os.Geteuid() != 0 {
		return errors.New("the real-node tests need root (they run containerd, a kubelet and kube-proxy); " +
			"run as root, or set " + OptOut + "=off to leave them out (docs/testing.md says what that leaves untested)")
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs("/sys/fs/cgroup", &fs); err == nil && fs.Type == cgroup2Magic {
		return errors.New("the real node is written for cgroup v1 hosts (its cleanup walks v1 hierarchies); this host has cgroup v2: set " +
			OptOut + "=off, or extend test/framework/cluster")
	}
	return nil
}

// Start brings the node up and returns once it is Ready, its ServiceAccounts
// exist and kube-proxy serves. images are further image tarballs to import.
func Start(ctx context.Context, images ...string) (c *Cluster, err error) {
	began := time.Now()
	root, err := paths.RepoRoot()
	if err != nil {
		return nil, err
	}
	c = &Cluster{Bin: filepath.Join(root, "bin")}
	if err := CanRun(); err != nil {
		return nil, err
	}
	if c.unlock, err = lock(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.Stop())
		}
	}()
	if err := c.up(ctx, root, images); err != nil {
		return c, err
	}
	c.StartupTime = time.Since(began)
	return c, nil
}

// up prepares the host and starts every program of the node.
func (c *Cluster) up(ctx context.Context, root string, images []string) (err error) {
	if err := recoverEarlierRun(c.Bin); err != nil {
		return fmt.Errorf("undo what an earlier node left: %w", err)
	}
	if c.before, err = prepareHost(); err != nil {
		return err
	}
	tars, err := buildImages(root, c.Bin)
	if err != nil {
		return err
	}
	if c.NodeIP, err = primaryIPv4(); err != nil {
		return err
	}
	p := newPaths(c.Bin)
	if err := writePKI(p.PKI, c.NodeIP); err != nil {
		return err
	}
	if err := writeConfigs(p); err != nil {
		return err
	}
	if err := c.startControlPlane(ctx, p); err != nil {
		return err
	}
	if err := c.importImages(ctx, p, append(tars, images...)); err != nil {
		return err
	}
	return c.startNode(ctx, p)
}

// prepareHost saves the host's state, before any change, and makes Root.
func prepareHost() (*hostState, error) {
	before, err := readHostState()
	if err != nil {
		return nil, err
	}
	if len(before.Cgroups) > 0 {
		return nil, fmt.Errorf("pod cgroups %v exist: another kubelet runs on this host, and the node would share them", before.Cgroups)
	}
	for _, d := range []string{"bin", "logs", "pids", "pki", "state/etcd", "state/kubelet", "run"} {
		if err := os.MkdirAll(filepath.Join(Root, d), 0o755); err != nil {
			return before, err
		}
	}
	return before, saveHostState(before)
}

// Stop removes the pods, stops every program and undoes every host change.
func (c *Cluster) Stop() error {
	if c.unlock == nil {
		return nil
	}
	defer func() { c.unlock(); c.unlock = nil }()
	if c.tekton != nil {
		c.tekton.Stop()
		c.tekton = nil
	}
	c.removePods()
	for i := len(c.procs) - 1; i >= 0; i-- {
		stopProc(c.procs[i], 2*time.Second)
	}
	c.procs = nil
	if c.before == nil {
		return nil
	}
	return undo(c.before, c.Bin)
}

// Leftovers lists what of the node is still on the host: processes, mounts,
// cgroups, interfaces, rules, sysctls and folders. Empty after Stop.
func (c *Cluster) Leftovers() ([]string, error) {
	left := Leftovers(c.Bin)
	diff, err := c.before.Diff()
	return append(left, diff...), err
}

// binDir is the repository's bin/ folder.
func binDir() (string, error) {
	root, err := paths.RepoRoot()
	return filepath.Join(root, "bin"), err
}

// recoverEarlierRun undoes the host changes of a node whose process was killed
// before its Stop ran.
func recoverEarlierRun(bin string) error {
	s, err := loadHostState()
	if err != nil {
		return err
	}
	if s != nil {
		return undo(s, bin)
	}
	if _, err := os.Stat(Root); err == nil {
		// Killed before it saved the state: its programs and mounts can still go.
		stopRecorded()
		// No pod ran before the state was saved: cgroups and network
		// namespaces there now are not the node's.
		fresh := &hostState{Cgroups: podCgroups(), NetNS: listDir("/run/netns")}
		killNodeProcesses(bin, fresh)
		if errs := unmountAll(fresh); len(errs) > 0 || len(nodeMounts()) > 0 {
			return fmt.Errorf("%s is still mounted, kept: %v", Root, errors.Join(errs...))
		}
		return os.RemoveAll(Root)
	}
	return nil
}

// primaryIPv4 is the source address of the default route: the node's
// InternalIP, where pods reach the apiserver through the kubernetes Service.
func primaryIPv4() (string, error) {
	conn, err := net.Dial("udp4", "1.1.1.1:53") // a route lookup: no packet is sent
	if err != nil {
		return "", fmt.Errorf("find the primary IPv4 address (a default route is needed): %w", err)
	}
	defer func() { _ = conn.Close() }()
	return conn.LocalAddr().(*net.UDPAddr).IP.String(), nil
}

// adminClient builds the administrator's client.
func (c *Cluster) adminClient(p nodePaths, scheme *runtime.Scheme) error {
	c.Kubeconfig = filepath.Join(p.PKI, "admin.kubeconfig")
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 100, 200
	c.Config = cfg
	c.Client, err = client.New(cfg, client.Options{Scheme: scheme})
	return err
}

// Log returns the end of a node program's log, for a failure message.
func Log(name string, lines int) string {
	data, _ := os.ReadFile(filepath.Join(Root, "logs", name+".log"))
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}
