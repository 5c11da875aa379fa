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
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// auditPolicy records every request of the manager's ServiceAccount, so a test
// can show that none was denied.
var auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Metadata
  users: ["` + wfev1.ControllerUsername(wfev1.InstallNamespace) + `"]
- level: None
`

// AuditLog is the apiserver's audit log of the manager's requests.
var AuditLog = filepath.Join(Root, "logs", "audit.log")

// startControlPlane starts etcd, containerd, kube-apiserver, the controller
// manager and the scheduler, and waits for the apiserver.
func (c *Cluster) startControlPlane(ctx context.Context, p nodePaths) error {
	etcd, err := placeBinary(c.Bin, "etcd")
	if err != nil {
		return err
	}
	apiserver, err := placeBinary(c.Bin, "kube-apiserver")
	if err != nil {
		return err
	}
	if err := c.start("etcd", etcd, nil, "--name=node", "--data-dir="+filepath.Join(p.State, "etcd"),
		"--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
		"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
		"--initial-cluster=node=http://127.0.0.1:2380", "--unsafe-no-fsync", "--log-level=warn"); err != nil {
		return err
	}
	// containerd starts meanwhile; its images are imported once it answers.
	if err := c.start("containerd", filepath.Join(c.Bin, "containerd"), nil, "--config="+filepath.Join(Root, "etc", "containerd.toml")); err != nil {
		return err
	}
	if err := poll(ctx, 30*time.Second, "etcd", func() bool { return httpOK("http://127.0.0.1:2379/health") }); err != nil {
		return err
	}
	policy := filepath.Join(Root, "etc", "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o644); err != nil {
		return err
	}
	k := func(name string) string { return filepath.Join(p.PKI, name) }
	if err := c.start("kube-apiserver", apiserver, nil, "--etcd-servers=http://127.0.0.1:2379",
		"--advertise-address="+c.NodeIP, "--bind-address=0.0.0.0", "--secure-port=6443",
		"--tls-cert-file="+k("apiserver.crt"), "--tls-private-key-file="+k("apiserver.key"), "--client-ca-file="+k("ca.crt"),
		"--service-cluster-ip-range="+serviceCIDR, "--authorization-mode=Node,RBAC", "--allow-privileged=true",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+k("sa.pub"), "--service-account-signing-key-file="+k("sa.key"),
		"--kubelet-client-certificate="+k("apiserver-kubelet-client.crt"), "--kubelet-client-key="+k("apiserver-kubelet-client.key"),
		// The node's name does not resolve: kubectl logs and exec go to its IP.
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		// Webhooks behind Services are reached at their endpoints.
		"--enable-aggregator-routing=true", "--enable-admission-plugins=NodeRestriction",
		"--audit-policy-file="+policy, "--audit-log-path="+AuditLog); err != nil {
		return err
	}
	if err := c.adminClient(p, controlplane.NewScheme()); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	if err := poll(ctx, 60*time.Second, "kube-apiserver", func() bool {
		_, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil
	}); err != nil {
		return fmt.Errorf("%w; its log ends:\n%s", err, Log("kube-apiserver", 20))
	}
	kcm, sched := k("kube-controller-manager.kubeconfig"), k("kube-scheduler.kubeconfig")
	if err := c.start("kube-controller-manager", filepath.Join(c.Bin, "kube-controller-manager"), nil,
		"--kubeconfig="+kcm, "--authentication-kubeconfig="+kcm, "--authorization-kubeconfig="+kcm,
		"--service-account-private-key-file="+k("sa.key"), "--root-ca-file="+k("ca.crt"), "--use-service-account-credentials=true",
		"--cluster-signing-cert-file="+k("ca.crt"), "--cluster-signing-key-file="+k("ca.key"),
		"--service-cluster-ip-range="+serviceCIDR, "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=10257"); err != nil {
		return err
	}
	return c.start("kube-scheduler", filepath.Join(c.Bin, "kube-scheduler"), nil,
		"--kubeconfig="+sched, "--authentication-kubeconfig="+sched, "--authorization-kubeconfig="+sched,
		"--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=10259")
}

// importImages imports image tarballs into containerd's Kubernetes namespace.
func (c *Cluster) importImages(ctx context.Context, p nodePaths, tars []string) error {
	ctr := func(args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, filepath.Join(c.Bin, "ctr"), append([]string{"--address", p.Socket, "--namespace", "k8s.io"}, args...)...)
	}
	if err := poll(ctx, 30*time.Second, "containerd", func() bool { return ctr("version").Run() == nil }); err != nil {
		return fmt.Errorf("%w; its log ends:\n%s", err, Log("containerd", 20))
	}
	for _, tar := range tars {
		if out, err := ctr("images", "import", tar).CombinedOutput(); err != nil {
			return fmt.Errorf("import %s: %w: %s", tar, err, out)
		}
	}
	return nil
}

// ImportImage imports one more image tarball, e.g. a new build of the manager.
func (c *Cluster) ImportImage(ctx context.Context, tar string) error {
	return c.importImages(ctx, newPaths(c.Bin), []string{tar})
}

// startNode starts the kubelet and kube-proxy, and waits until the node is
// Ready, the default ServiceAccount exists and kube-proxy serves.
func (c *Cluster) startNode(ctx context.Context, p nodePaths) error {
	if err := c.start("kubelet", filepath.Join(c.Bin, "kubelet"), nil,
		"--config="+filepath.Join(Root, "etc", "kubelet.yaml"), "--kubeconfig="+filepath.Join(p.PKI, "kubelet.kubeconfig"),
		"--root-dir="+filepath.Join(p.State, "kubelet"), "--hostname-override="+NodeName, "--node-ip="+c.NodeIP); err != nil {
		return err
	}
	if err := c.start("kube-proxy", filepath.Join(c.Bin, "kube-proxy"), nil, "--config="+filepath.Join(Root, "etc", "kube-proxy.yaml")); err != nil {
		return err
	}
	ready := func() bool {
		node := &corev1.Node{}
		if c.Client.Get(ctx, client.ObjectKey{Name: NodeName}, node) != nil {
			return false
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue
			}
		}
		return false
	}
	if err := poll(ctx, 90*time.Second, "node "+NodeName+" Ready", ready); err != nil {
		return fmt.Errorf("%w; the kubelet's log ends:\n%s", err, Log("kubelet", 20))
	}
	sa := func() bool {
		return c.Client.Get(ctx, client.ObjectKey{Namespace: "default", Name: "default"}, &corev1.ServiceAccount{}) == nil
	}
	if err := poll(ctx, 30*time.Second, "the default ServiceAccount", sa); err != nil {
		return err
	}
	return poll(ctx, 30*time.Second, "kube-proxy", func() bool { return httpOK("http://127.0.0.1:10256/healthz") })
}

// removePods stops the kubelet, so that it recreates nothing, and removes
// every pod sandbox through containerd, which tears down their networks.
func (c *Cluster) removePods() {
	for _, p := range c.procs {
		if p.Name == "kubelet" {
			stopProc(p, 10*time.Second)
		}
	}
	for _, p := range c.procs {
		if p.Name == "containerd" && p.Running() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_ = exec.CommandContext(ctx, filepath.Join(c.Bin, "crictl"), "--config="+filepath.Join(Root, "etc", "crictl.yaml"),
				"rmp", "--force", "--all").Run()
		}
	}
}

// poll calls ok every 200 ms until it returns true, or fails after timeout.
func poll(ctx context.Context, timeout time.Duration, what string, ok func() bool) error {
	return process.WaitUntil(ctx, 200*time.Millisecond, timeout, what, func() (bool, error) { return ok(), nil })
}

func httpOK(url string) bool {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
