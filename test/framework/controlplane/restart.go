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

package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// RestartAPIServer stops kube-apiserver and starts it again with the same
// arguments, certificates and port, while etcd keeps running: clients see
// their connections drop and the same server come back. Stop stops the
// restarted process.
func (cp *ControlPlane) RestartAPIServer(ctx context.Context, down time.Duration) error {
	pid, args, err := cp.apiServerProcess()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop kube-apiserver: %w", err)
	}
	for process.Alive(pid) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(down)
	log := filepath.Join(filepath.Dir(cp.Kubeconfig), fmt.Sprintf("kube-apiserver-%d.log", len(cp.restarted)+1))
	p, err := process.Start("kube-apiserver", args[0], process.Options{Log: log}, args[1:]...)
	if err != nil {
		return fmt.Errorf("start kube-apiserver again: %w", err)
	}
	cp.restarted = append(cp.restarted, p)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		// Back means the custom resources are served again, not only /healthz.
		if cp.Client.List(ctx, &corev1.NamespaceList{}) == nil && cp.Client.List(ctx, &wfev1.WorkflowExecutionList{}) == nil &&
			cp.Client.List(ctx, &tektonv1.PipelineRunList{}) == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("kube-apiserver did not come back within 60s")
}

// apiServerProcess finds the kube-apiserver this process runs and its arguments.
func (cp *ControlPlane) apiServerProcess() (int, []string, error) {
	for _, p := range process.Children(os.Getpid()) {
		if p.Name != "kube-apiserver" {
			continue
		}
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/cmdline")
		if err != nil {
			return 0, nil, err
		}
		if !strings.Contains(string(raw), cp.Config.Host[strings.LastIndex(cp.Config.Host, ":")+1:]) {
			continue // another control plane's
		}
		return p.PID, strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00"), nil
	}
	return 0, nil, errors.New("no kube-apiserver child process found")
}
