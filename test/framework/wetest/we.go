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

// Package wetest builds WorkflowExecutions for the suites and the bench, and waits
// on their conditions, so every suite reads one vocabulary of helpers.
package wetest

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Option changes a WorkflowExecution that New builds.
type Option func(*wfev1.WorkflowExecution)

// New is a valid WorkflowExecution in namespace: the restart-pods workflow
// from registry.example, for RemediationRequest rr-<name> in the same
// namespace, on deployment/web. Options change what a test cares about.
func New(namespace, name string, opts ...Option) *wfev1.WorkflowExecution {
	we := &wfev1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: wfev1.WorkflowExecutionSpec{
			RemediationRequestRef: corev1.ObjectReference{Kind: "RemediationRequest", Name: "rr-" + name, Namespace: namespace},
			WorkflowRef: wfev1.WorkflowRef{
				WorkflowID: "restart-pods", Version: "v1", ContainerImage: "registry.example/workflows/restart-pods:v1",
			},
			TargetResource: namespace + "/deployment/web",
		},
	}
	for _, o := range opts {
		o(we)
	}
	return we
}

// Pipeline runs the workflow (a Pipeline in the cluster, or a bundle under
// registry.example/workflows) named id.
func Pipeline(id string) Option {
	return func(we *wfev1.WorkflowExecution) {
		we.Spec.WorkflowRef.WorkflowID = id
		we.Spec.WorkflowRef.ContainerImage = "registry.example/workflows/" + id + ":v1"
	}
}

// Workflow sets the whole workflow reference: id, version and bundle.
func Workflow(id, version, bundle string) Option {
	return func(we *wfev1.WorkflowExecution) {
		we.Spec.WorkflowRef = wfev1.WorkflowRef{WorkflowID: id, Version: version, ContainerImage: bundle}
	}
}

// Bundle sets the OCI bundle the run resolves.
func Bundle(ref string) Option {
	return func(we *wfev1.WorkflowExecution) { we.Spec.WorkflowRef.ContainerImage = ref }
}

// Digest sets the bundle's digest field.
func Digest(digest string) Option {
	return func(we *wfev1.WorkflowExecution) { we.Spec.WorkflowRef.ContainerDigest = digest }
}

// ServiceAccount runs the PipelineRun as sa ("" leaves the policy's default).
func ServiceAccount(sa string) Option {
	return func(we *wfev1.WorkflowExecution) {
		if sa == "" {
			return
		}
		if we.Spec.ExecutionConfig == nil {
			we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{}
		}
		we.Spec.ExecutionConfig.ServiceAccountName = sa
	}
}

// RunIn records the namespace the run executes in, as the webhook would
// (spec.executionConfig.namespace); "" leaves it to the webhook.
func RunIn(namespace string) Option {
	return func(we *wfev1.WorkflowExecution) {
		if namespace == "" {
			return
		}
		if we.Spec.ExecutionConfig == nil {
			we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{}
		}
		we.Spec.ExecutionConfig.Namespace = namespace
	}
}

// Timeout sets executionConfig.timeout.
func Timeout(d metav1.Duration) Option {
	return func(we *wfev1.WorkflowExecution) {
		if we.Spec.ExecutionConfig == nil {
			we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{}
		}
		we.Spec.ExecutionConfig.Timeout = &d
	}
}

// Remediation names the RemediationRequest (the audit correlation id).
func Remediation(name string) Option {
	return func(we *wfev1.WorkflowExecution) { we.Spec.RemediationRequestRef.Name = name }
}

// Target sets targetResource.
func Target(target string) Option {
	return func(we *wfev1.WorkflowExecution) { we.Spec.TargetResource = target }
}

// Params sets the parameters passed to the PipelineRun.
func Params(params map[string]string) Option {
	return func(we *wfev1.WorkflowExecution) { we.Spec.Parameters = params }
}

// Analysis sets what the analysis that chose the workflow said.
func Analysis(confidence float64, rationale string) Option {
	return func(we *wfev1.WorkflowExecution) {
		we.Spec.Confidence = confidence
		we.Spec.Rationale = rationale
	}
}
