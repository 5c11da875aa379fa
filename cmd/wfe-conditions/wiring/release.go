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

package wiring

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/reconciler"
)

// ReleaseCommand is the subcommand an uninstall runs (the chart's pre-delete
// hook): stop the manager, then release what it would have released.
const ReleaseCommand = "release-finalizers"

// ReleaseOptions configure the release-finalizers subcommand.
type ReleaseOptions struct {
	// Namespace and Deployment name the manager to stop first: a running one
	// would put its finalizers back.
	Namespace, Deployment string
	// ExecutionPolicy names the admission policy that says the execution
	// namespace, whose PipelineRuns of ours are deleted.
	ExecutionPolicy string
	// StopTimeout bounds the wait for the manager's pods to go.
	StopTimeout time.Duration
}

// BindFlags registers the subcommand's flags.
func (o *ReleaseOptions) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Namespace, "namespace", cmp.Or(os.Getenv("POD_NAMESPACE"), wfev1.InstallNamespace),
		"The manager's namespace (default: $POD_NAMESPACE, else "+wfev1.InstallNamespace+").")
	fs.StringVar(&o.Deployment, "deployment", "wfe-conditions-controller-manager",
		"The manager's Deployment, scaled to zero first; empty: the manager is already stopped.")
	fs.StringVar(&o.ExecutionPolicy, "execution-policy-name", wfev1.ExecutionPolicyName,
		"The ValidatingAdmissionPolicy holding the execution policy.")
	fs.DurationVar(&o.StopTimeout, "stop-timeout", 2*time.Minute, "How long to wait for the manager's pods to go.")
}

// The uninstall hook's own rights (granted only while it runs, by the
// chart's hook Role): stop the manager's Deployment and see its pods go.

// Release stops the manager and releases our finalizers and PipelineRuns.
func Release(ctx context.Context, cfg *rest.Config, o ReleaseOptions, log logr.Logger) error {
	scheme, err := Scheme()
	if err != nil {
		return fmt.Errorf("build scheme: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	// The policy first: an error there leaves the manager running.
	var namespaces []string
	switch policy, err := getPolicy(ctx, c, o.ExecutionPolicy); {
	case err == nil:
		namespaces = pipelineRunNamespaces(policy)
	case apierrors.IsNotFound(err):
		log.Info("no execution policy: no execution namespace to clean", "name", o.ExecutionPolicy)
	default:
		return err
	}
	if o.Deployment != "" {
		if err := stopManager(ctx, c, o); err != nil {
			return err
		}
		log.Info("manager stopped", "deployment", o.Namespace+"/"+o.Deployment)
	}
	rec := reconciler.NewRecorder(c, scheme, "wfe-conditions", 10000, log.WithName("events"))
	done, err := reconciler.ReleaseFinalizers(ctx, c, rec, namespaces)
	// Bounded: Events are best effort, the Job has a deadline.
	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rec.Flush(flushCtx)
	log.Info("released", "workflowExecutions", done.WorkflowExecutions, "pipelineRunsDeleted", done.PipelineRuns,
		"namespaces", namespaces, "auditEventsAbandoned", done.AbandonedEvents)
	return err
}

// pipelineRunNamespaces are where PipelineRuns of ours live without an owner
// to delete them with their WorkflowExecution: the execution namespace and
// the previous ones still watched ("*", the WorkflowExecutions' own
// namespaces, holds owned ones).
func pipelineRunNamespaces(p wfev1.ExecutionPolicy) []string {
	var out []string
	if p.ExecutionNamespace != "" {
		out = append(out, p.ExecutionNamespace)
	}
	for _, ns := range p.PreviousExecutionNamespaces {
		if ns != "*" && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	return out
}

// stopManager scales the manager to zero and waits until none of its pods
// remains, terminating ones included.
func stopManager(ctx context.Context, c client.Client, o ReleaseOptions) error {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Deployment}}
	if err := c.Get(ctx, client.ObjectKeyFromObject(d), d); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("get Deployment %s/%s: %w", o.Namespace, o.Deployment, err)
	}
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return fmt.Errorf("selector of Deployment %s/%s: %w", o.Namespace, o.Deployment, err)
	}
	if err := c.Patch(ctx, d, client.RawPatch(client.Merge.Type(), []byte(`{"spec":{"replicas":0}}`))); err != nil {
		return fmt.Errorf("scale Deployment %s/%s to zero: %w", o.Namespace, o.Deployment, err)
	}
	var left int
	err = wait.PollUntilContextTimeout(ctx, time.Second, o.StopTimeout, true, func(ctx context.Context) (bool, error) {
		pods := &corev1.PodList{}
		if err := c.List(ctx, pods, client.InNamespace(o.Namespace), client.MatchingLabelsSelector{Selector: selector}); err != nil {
			return false, err
		}
		left = len(pods.Items)
		return left == 0, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the %d pods of Deployment %s/%s to go: %w", left, o.Namespace, o.Deployment, err)
	}
	return nil
}
