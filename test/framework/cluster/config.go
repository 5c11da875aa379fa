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
	"bytes"
	"os"
	"path/filepath"
	"text/template"
)

// configs are the node's configuration files, rendered with paths.
var configs = map[string]string{
	// Version 4 puts the socket addresses under the grpc plugin. The host's root
	// lacks CAP_SYS_RESOURCE, so oom_score_adj below 0 (kubelet asks -998 for
	// sandboxes) must be clamped or runc fails every sandbox.
	"etc/containerd.toml": `version = 4
root = "{{.State}}/containerd"
state = "{{.Run}}/containerd"

[plugins.'io.containerd.server.v1.grpc']
  address = "{{.Socket}}"

[plugins.'io.containerd.server.v1.ttrpc']
  address = "{{.Socket}}.ttrpc"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "{{.PauseImage}}"

[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "{{.Runc}}"
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["{{.CNIBin}}"]
    conf_dir = "{{.Root}}/cni/net.d"
`,
	"etc/crictl.yaml": `runtime-endpoint: unix://{{.Socket}}
image-endpoint: unix://{{.Socket}}
timeout: 30
`,
	"cni/net.d/10-wfe-node.conflist": `{
  "cniVersion": "1.0.0",
  "name": "wfe-node",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "{{.State}}/cni-ipam",
        "ranges": [[{"subnet": "{{.PodCIDR}}"}]], "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`,
	// cgroup v1 host: failCgroupV1 false; the cgroupfs driver (no systemd).
	// Eviction thresholds low: a test machine's disk may be fuller than a node's.
	"etc/kubelet.yaml": `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://{{.Socket}}
imageServiceEndpoint: unix://{{.Socket}}
address: 0.0.0.0
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: {{.PKI}}/ca.crt}
authorization:
  mode: Webhook
tlsCertFile: {{.PKI}}/kubelet-serving.crt
tlsPrivateKeyFile: {{.PKI}}/kubelet-serving.key
podCIDR: {{.PodCIDR}}
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
podLogsDir: {{.State}}/pod-logs
maxPods: 250
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
syncFrequency: 10s
nodeStatusUpdateFrequency: 5s
fileCheckFrequency: 5s
`,
	"etc/kube-proxy.yaml": `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: {{.PKI}}/kube-proxy.kubeconfig}
hostnameOverride: {{.NodeName}}
clusterCIDR: {{.PodCIDR}}
nodePortAddresses: [primary]
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false, syncPeriod: 10s, minSyncPeriod: 0s}
`,
}

// nodePaths are the values the configuration templates use.
type nodePaths struct {
	Root, State, Run, PKI, Socket, CNIBin, Runc, PauseImage, PodCIDR, NodeName string
}

func newPaths(bin string) nodePaths {
	return nodePaths{
		Root: Root, State: filepath.Join(Root, "state"), Run: filepath.Join(Root, "run"), PKI: filepath.Join(Root, "pki"),
		Socket: filepath.Join(Root, "run", "containerd.sock"), CNIBin: filepath.Join(bin, "cni"), Runc: "/usr/sbin/runc",
		PauseImage: PauseImage, PodCIDR: podCIDR, NodeName: NodeName,
	}
}

// writeConfigs renders every configuration file under Root.
func writeConfigs(p nodePaths) error {
	for name, text := range configs {
		var buf bytes.Buffer
		if err := template.Must(template.New(name).Parse(text)).Execute(&buf, p); err != nil {
			return err
		}
		path := filepath.Join(p.Root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
