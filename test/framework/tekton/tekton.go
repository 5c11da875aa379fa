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

// Package tekton runs Tekton's real pipeline controller against a test control
// plane, with kwok simulating a node and the pods of TaskRuns.
package tekton

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// Labels and annotations the kwok stages read on a TaskRun's pod; set them on a
// pipeline task's taskSpec.metadata.
const (
	LabelOutcome = "wfe.test/outcome" // "fail", "hang" or OutcomeUnschedulable
	// OutcomeUnschedulable: the pod is not bound; its PodScheduled condition
	// says what kube-scheduler says of a pod no node has room for
	// (UnschedulableMessage), until a test binds it (Bind).
	OutcomeUnschedulable = "unschedulable"
	UnschedulableMessage = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
	AnnotationDelay      = "wfe.test/delay" // a Go duration, default 500ms
	// systemNamespace is where Tekton's controller keeps its configuration.
	systemNamespace = "tekton-pipelines"
	nodeName        = "kwok-node-0"
)

//go:embed stages.yaml
var ownStages []byte

// Tekton is a running Tekton controller and kwok.
type Tekton struct {
	procs  []*process.Proc
	cancel context.CancelFunc
	done   chan struct{}
	// StartupTime is how long it took until Tekton's reconcilers led.
	StartupTime time.Duration
}

// Start needs a control plane started with controlplane.WithAllTektonCRDs. It
// installs Tekton's configuration and a fake node, and starts kwok, a
// binder for pending pods and Tekton's controller; logs go to dir. It returns
// once the controller's reconcilers have acquired their leases.
func Start(cp *controlplane.ControlPlane, dir string) (tk *Tekton, err error) {
	began := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	tk = &Tekton{cancel: cancel, done: make(chan struct{})}
	defer func() {
		if err != nil {
			tk.Stop()
		}
	}()
	if err := installConfig(ctx, cp.Client); err != nil {
		return tk, err
	}
	if err := createNode(ctx, cp); err != nil {
		return tk, err
	}
	stages, err := stagesFile(dir)
	if err != nil {
		return tk, err
	}
	// No --server-address: kwok's HTTP server is not needed, and kwok exits when
	// its port is taken, which would leave every pod running forever.
	if err := tk.run(dir, "kwok", nil, "--kubeconfig="+cp.Kubeconfig, "--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake", "--node-lease-duration-seconds=0",
		"--cidr=10.0.0.1/24", "--node-ip=10.0.0.1", "-c", stages); err != nil {
		return tk, err
	}
	go func() { defer close(tk.done); bindPending(ctx, cp) }()
	var ports [3]int
	for i := range ports {
		if ports[i], err = paths.FreePort(); err != nil {
			return tk, err
		}
	}
	// Nothing is pulled: kwok plays the pods, so the images are only names.
	images := Images{}
	for _, f := range []*string{&images.Entrypoint, &images.Nop, &images.SidecarLogResults, &images.WorkingDirInit, &images.Shell} {
		*f = "example.invalid/tekton/image"
	}
	if err := tk.startController(dir, "", cp.Kubeconfig, ports, images); err != nil {
		return tk, err
	}
	tk.StartupTime = time.Since(began)
	return tk, nil
}

// Images are the images Tekton's controller puts into TaskRun pods.
type Images struct {
	Entrypoint, Nop, SidecarLogResults, WorkingDirInit, Shell string
}

// StartOnNode installs Tekton's configuration and starts its controller for a
// cluster whose kubelet runs the pods for real, with images; the CRDs must be
// installed. The controller runs from the program at path, on fixed ports
// below the ephemeral range. It returns once the reconcilers lead.
func StartOnNode(c client.Client, path, kubeconfig, dir string, images Images) (tk *Tekton, err error) {
	began := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	tk = &Tekton{cancel: cancel, done: make(chan struct{})}
	close(tk.done)
	defer func() {
		if err != nil {
			tk.Stop()
		}
	}()
	if err := installConfig(ctx, c); err != nil {
		return tk, err
	}
	if err := tk.startController(dir, path, kubeconfig, [3]int{19090, 19008, 19080}, images); err != nil {
		return tk, err
	}
	tk.StartupTime = time.Since(began)
	return tk, nil
}

// startController runs Tekton's controller (bin/tekton-controller unless path
// is set) and waits until its reconcilers lead.
func (tk *Tekton) startController(dir, path, kubeconfig string, ports [3]int, images Images) error {
	env := []string{"KUBECONFIG=" + kubeconfig, "SYSTEM_NAMESPACE=" + systemNamespace, "KUBERNETES_MIN_VERSION=v1.28.0",
		"CONFIG_DEFAULTS_NAME=config-defaults", "CONFIG_LOGGING_NAME=config-logging", "CONFIG_OBSERVABILITY_NAME=config-observability",
		"CONFIG_FEATURE_FLAGS_NAME=feature-flags", "CONFIG_LEADERELECTION_NAME=config-leader-election-controller",
		"CONFIG_SPIRE=config-spire", "METRICS_DOMAIN=tekton.dev/pipeline",
		"METRICS_PROMETHEUS_PORT=" + strconv.Itoa(ports[0]), "PROFILING_PORT=" + strconv.Itoa(ports[1]), "PROBES_PORT=" + strconv.Itoa(ports[2])}
	args := []string{"-kube-api-qps", "50", "-kube-api-burst", "100",
		"-entrypoint-image", images.Entrypoint, "-nop-image", images.Nop, "-sidecarlogresults-image", images.SidecarLogResults,
		"-workingdirinit-image", images.WorkingDirInit, "-shell-image", images.Shell, "-shell-image-win", "example.invalid/tekton/shell-win"}
	if err := tk.runPath(dir, "tekton-controller", path, env, args...); err != nil {
		return err
	}
	return waitForLeases(filepath.Join(dir, "tekton-controller.log"), 60*time.Second)
}

// Stop ends Tekton's controller, kwok and the binder.
func (tk *Tekton) Stop() {
	tk.cancel()
	process.StopAll(10*time.Second, tk.procs...)
	tk.procs = nil
}

// run starts a tool from bin/ with its output in dir/<name>.log.
func (tk *Tekton) run(dir, name string, env []string, args ...string) error {
	return tk.runPath(dir, name, "", env, args...)
}

// runPath is run with the program at path, or bin/name when path is empty.
// The program dies with this process; one that exits before Stop is reported
// with the end of its log.
func (tk *Tekton) runPath(dir, name, path string, env []string, args ...string) error {
	if path == "" {
		var err error
		if path, err = paths.Binary(name); err != nil {
			return err
		}
	}
	p, err := process.Start(name, path, process.Options{Env: env, Log: filepath.Join(dir, name+".log")}, args...)
	if err != nil {
		return err
	}
	tk.procs = append(tk.procs, p)
	return nil
}

// installConfig creates Tekton's namespace and the module's ConfigMaps.
func installConfig(ctx context.Context, c client.Client) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: systemNamespace}}); err != nil {
		return fmt.Errorf("create %s: %w", systemNamespace, err)
	}
	dir, err := paths.TektonModuleDir()
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "config", "config-*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("find Tekton's ConfigMaps in %s: %v", dir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		cm := &corev1.ConfigMap{}
		if err := yaml.Unmarshal(data, cm); err != nil {
			return fmt.Errorf("decode %s: %w", f, err)
		}
		cm.Namespace = systemNamespace
		if err := c.Create(ctx, cm); err != nil {
			return fmt.Errorf("create ConfigMap %s: %w", cm.Name, err)
		}
	}
	return nil
}

// createNode registers a node kwok manages, without the not-ready taint the
// apiserver puts on a new node.
func createNode(ctx context.Context, cp *controlplane.ControlPlane) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods: resource.MustParse("110"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: nodeName, Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
			Labels: map[string]string{"type": "kwok"}},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if err := cp.Client.Create(ctx, node); err != nil {
		return fmt.Errorf("create node: %w", err)
	}
	var taints []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Key != corev1.TaintNodeNotReady {
			taints = append(taints, t)
		}
	}
	node.Spec.Taints = taints
	return cp.Client.Update(ctx, node)
}

// stagesFile writes our stages and kwok's own node and pod stages into one file.
func stagesFile(dir string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok")
	root, err := paths.RepoRoot()
	if err != nil {
		return "", err
	}
	cmd.Dir = filepath.Join(root, "hack", "tools", "kubernetes")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locate the kwok module: %w", err)
	}
	kwokDir := strings.TrimSpace(string(out))
	docs := [][]byte{ownStages}
	for _, f := range []string{"node/fast/node-initialize.yaml", "pod/fast/pod-ready.yaml", "pod/fast/pod-delete.yaml"} {
		data, err := os.ReadFile(filepath.Join(kwokDir, "kustomize", "stage", f))
		if err != nil {
			return "", fmt.Errorf("read kwok stage: %w", err)
		}
		docs = append(docs, data)
	}
	path := filepath.Join(dir, "kwok-stages.yaml")
	return path, os.WriteFile(path, bytes.Join(docs, []byte("\n---\n")), 0o600)
}

// bindPending binds every unscheduled pod to the kwok node, as kube-scheduler
// would (kwok does not schedule and none runs), except one labelled
// OutcomeUnschedulable: it is refused in the scheduler's words.
func bindPending(ctx context.Context, cp *controlplane.ControlPlane) {
	for ctx.Err() == nil {
		pods := &corev1.PodList{}
		if err := cp.Client.List(ctx, pods, client.MatchingFields{"spec.nodeName": ""}); err == nil {
			for i := range pods.Items {
				if pod := &pods.Items[i]; pod.Labels[LabelOutcome] == OutcomeUnschedulable {
					refuse(ctx, cp.Client, pod)
				} else {
					_ = Bind(ctx, cp.Client, pod)
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Bind binds a pod to the kwok node.
func Bind(ctx context.Context, c client.Client, pod *corev1.Pod) error {
	binding := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name},
		Target: corev1.ObjectReference{Kind: "Node", Name: nodeName}}
	return c.SubResource("binding").Create(ctx, pod, binding)
}

// refuse writes the scheduler's refusal on a pod, once.
func refuse(ctx context.Context, c client.Client, pod *corev1.Pod) {
	for _, cond := range pod.Status.Conditions {
		if cond.Type == corev1.PodScheduled {
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Reason: corev1.PodReasonUnschedulable, Message: UnschedulableMessage, LastTransitionTime: metav1.Now()})
	_ = c.Status().Update(ctx, pod)
}

// waitForLeases waits until Tekton's log says both reconcilers lead.
func waitForLeases(logPath string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(logPath)
		if bytes.Count(data, []byte("Successfully acquired lease")) >= 2 &&
			bytes.Contains(data, []byte("pipelinerun")) && bytes.Contains(data, []byte("taskrun")) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	data, _ := os.ReadFile(logPath)
	return fmt.Errorf("tekton controller not ready after %s; its first errors: %s", timeout, firstErrors(data, 3))
}

// firstErrors returns the messages of the first n distinct error lines of a log.
func firstErrors(log []byte, n int) string {
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(string(log), "\n") {
		var entry struct {
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Error    string `json:"error"`
		}
		if json.Unmarshal([]byte(line), &entry) != nil || (entry.Severity != "error" && entry.Severity != "fatal") {
			continue
		}
		m := entry.Message + ": " + entry.Error
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, " | ")
}
