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
	"os"
	"os/exec"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// The manager's Deployment and webhook Service as the overlays name them.
const (
	Deployment     = "wfe-conditions-controller-manager"
	WebhookService = "wfe-conditions-webhook-service"
)

// MakeImage runs `make image IMG=image` and returns the tarball it wrote.
func MakeImage(image string) (string, error) {
	root, err := paths.RepoRoot()
	if err != nil {
		return "", err
	}
	if out, err := makeTarget(root, "", "image", "IMG="+image); err != nil {
		return "", fmt.Errorf("make image: %w: %s", err, out)
	}
	return filepath.Join(root, "bin", "images", "wfe-conditions.tar"), nil
}

// Deploy installs the product as the README says, `make deploy
// OVERLAY=self-managed IMG=image`, then adds args to the manager as an
// operator would (e.g. --pipeline-source=cluster: no registry serves bundles
// here), and waits until two replicas of that template are Ready.
func (c *Cluster) Deploy(ctx context.Context, image string, args ...string) error {
	root, err := paths.RepoRoot()
	if err != nil {
		return err
	}
	if out, err := makeTarget(root, c.Kubeconfig, "deploy", "OVERLAY=self-managed", "IMG="+image); err != nil {
		return fmt.Errorf("make deploy: %w: %s", err, out)
	}
	if len(args) > 0 {
		if err := c.UpdateDeployment(ctx, func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.Containers[0].Args = append(d.Spec.Template.Spec.Containers[0].Args, args...)
		}); err != nil {
			return err
		}
	}
	return c.WaitRolledOut(ctx, 3*time.Minute)
}

// UpdateDeployment changes the manager's Deployment, again on a conflict with
// the Deployment controller's own writes.
func (c *Cluster) UpdateDeployment(ctx context.Context, change func(*appsv1.Deployment)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d := &appsv1.Deployment{}
		if err := c.Client.Get(ctx, client.ObjectKey{Namespace: wfev1.InstallNamespace, Name: Deployment}, d); err != nil {
			return err
		}
		change(d)
		return c.Client.Update(ctx, d)
	})
}

// makeTarget runs `make target vars...` in the repository, with kubeconfig.
func makeTarget(root, kubeconfig, target string, vars ...string) ([]byte, error) {
	cmd := exec.Command("make", append([]string{"-s", "--no-print-directory", target}, vars...)...)
	cmd.Dir = root
	cmd.Env = os.Environ()
	if kubeconfig != "" {
		cmd.Env = append(cmd.Env, "KUBECONFIG="+kubeconfig)
	}
	return cmd.CombinedOutput()
}

// WaitRolledOut waits until the manager's current template runs on exactly
// two Ready pods, none terminating, and the webhook Service's endpoints are
// exactly those two: until then the apiserver may call a pod that is gone,
// and the webhook (failurePolicy Ignore) is skipped.
func (c *Cluster) WaitRolledOut(ctx context.Context, timeout time.Duration) error {
	key := client.ObjectKey{Namespace: wfev1.InstallNamespace, Name: Deployment}
	done := func() bool {
		d := &appsv1.Deployment{}
		return c.Client.Get(ctx, key, d) == nil && d.Status.ObservedGeneration == d.Generation &&
			d.Status.UpdatedReplicas == 2 && d.Status.ReadyReplicas == 2 && d.Status.Replicas == 2 && c.twoReadyPods(ctx)
	}
	if err := poll(ctx, timeout, "the manager's two replicas", done); err != nil {
		pods, _ := c.ManagerPods(ctx)
		var states []string
		for _, p := range pods {
			states = append(states, fmt.Sprintf("%s %s %+v", p.Name, p.Status.Phase, p.Status.ContainerStatuses))
		}
		return fmt.Errorf("%w; pods: %v; the kubelet's log ends:\n%s", err, states, Log("kubelet", 10))
	}
	return nil
}

func (c *Cluster) twoReadyPods(ctx context.Context) bool {
	pods, err := c.ManagerPods(ctx)
	if err != nil || len(pods) != 2 {
		return false
	}
	ips := map[string]bool{}
	for _, p := range pods {
		if p.DeletionTimestamp != nil || len(p.Status.ContainerStatuses) != 1 || !p.Status.ContainerStatuses[0].Ready {
			return false
		}
		ips[p.Status.PodIP] = true
	}
	slices := &discoveryv1.EndpointSliceList{}
	if c.Client.List(ctx, slices, client.InNamespace(wfev1.InstallNamespace),
		client.MatchingLabels{discoveryv1.LabelServiceName: WebhookService}) != nil {
		return false
	}
	n := 0
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			for _, a := range e.Addresses {
				if !ips[a] || e.Conditions.Ready == nil || !*e.Conditions.Ready {
					return false
				}
				n++
			}
		}
	}
	return n == len(ips)
}

// ManagerPods lists the manager's pods.
func (c *Cluster) ManagerPods(ctx context.Context) ([]corev1.Pod, error) {
	pods := &corev1.PodList{}
	err := c.Client.List(ctx, pods, client.InNamespace(wfev1.InstallNamespace),
		client.MatchingLabels{"app.kubernetes.io/name": "wfe-conditions", "app.kubernetes.io/component": "manager"})
	return pods.Items, err
}
