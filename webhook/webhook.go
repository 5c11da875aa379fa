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

// Package webhook holds the mutating admission handlers for WorkflowExecutions
// and their registration with the webhook server.
package webhook

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Paths the webhook server serves; the markers below generate the
// MutatingWebhookConfiguration that points at them.
const (
	CreatePath = "/mutate-workflowexecution"
	StatusPath = "/mutate-workflowexecution-status"
)

// SystemNamespaces are the namespaces whose WorkflowExecutions the webhook
// never intercepts (the install adds the controller's own namespace): the
// registration's namespaceSelector lists them, and a test checks that the
// kustomize manifests agree.
var SystemNamespaces = []string{"kube-system", "kube-node-lease"}

// +kubebuilder:webhook:path=/mutate-workflowexecution,mutating=true,failurePolicy=ignore,sideEffects=None,groups=workflowexecution.kubernaut.ai,resources=workflowexecutions,verbs=create,versions=v1alpha1,name=create.workflowexecution.kubernaut.ai,admissionReviewVersions=v1,timeoutSeconds=3,matchPolicy=Equivalent
// +kubebuilder:webhook:path=/mutate-workflowexecution-status,mutating=true,failurePolicy=ignore,sideEffects=None,groups=workflowexecution.kubernaut.ai,resources=workflowexecutions/status,verbs=update,versions=v1alpha1,name=status.workflowexecution.kubernaut.ai,admissionReviewVersions=v1,timeoutSeconds=3,matchPolicy=Equivalent

// Register adds both handlers to the webhook server, behind the limits of
// limits.go (body size, decoding budget, deadlines), which they share.
func Register(server webhook.Server, policy PolicySource) {
	for path, h := range handlers(newLimiter(defaultLimits()), policy) {
		server.Register(path, h)
	}
}

// handlers returns the server's handlers by path, behind one limiter.
func handlers(lim *limiter, policy PolicySource) map[string]http.Handler {
	return map[string]http.Handler{
		CreatePath: lim.wrap(&admission.Webhook{Handler: counted{CreatePath, CreateHandler{Policy: policy}}}),
		StatusPath: lim.wrap(&admission.Webhook{Handler: counted{StatusPath, StatusHandler{}}}),
	}
}

// checkRequest returns an error response when the request is not the one the
// handler is registered for, so that a misrouted request gets a clear answer.
func checkRequest(req admission.Request, op admissionv1.Operation, subResource string) *admission.Response {
	gk := req.Kind
	if gk.Group != wfev1.GroupVersion.Group || gk.Kind != wfev1.Kind {
		r := admission.Errored(http.StatusBadRequest,
			fmt.Errorf("expected a %s WorkflowExecution, got %s %q", wfev1.GroupVersion.Group, gk.Group, gk.Kind))
		return &r
	}
	if req.Operation != op || req.SubResource != subResource {
		r := admission.Allowed(fmt.Sprintf("nothing to do for %s on subresource %q", req.Operation, req.SubResource))
		return &r
	}
	raw := bytes.TrimSpace(req.Object.Raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		r := admission.Errored(http.StatusBadRequest, fmt.Errorf("the admission request carries no object"))
		return &r
	}
	if raw[0] != '{' {
		r := admission.Errored(http.StatusBadRequest, fmt.Errorf("decode WorkflowExecution: the object is not a JSON object"))
		return &r
	}
	return nil
}

// PolicySource reads the execution policy the create handler defaults from:
// the manager's cached copy of the admission policy that enforces it.
type PolicySource interface {
	ExecutionPolicy(ctx context.Context) (wfev1.ExecutionPolicy, error)
}

// The handlers are functions of the request and, on create, of the
// execution policy: no client, no state.
var _ admission.Handler = CreateHandler{}
var _ admission.Handler = StatusHandler{}
