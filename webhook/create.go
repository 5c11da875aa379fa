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

package webhook

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	kjson "sigs.k8s.io/json"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// CreateHandler labels a new WorkflowExecution with its workflow id and its
// correlation id (the RemediationRequest's name), and records where and as
// whom it runs (spec.executionConfig.namespace and serviceAccountName) when
// the creator left them out, from the execution policy: the admission policy
// authorises exactly those values and the reconciler runs them verbatim, so
// a later policy edit never changes who an admitted run executes as. It never
// overwrites what the creator set.
type CreateHandler struct {
	// Policy is the execution policy; nil is the default policy.
	Policy PolicySource
}

// createFields is the part of a WorkflowExecution the CREATE path reads.
type createFields struct {
	Metadata *struct {
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec *struct {
		RemediationRequestRef struct {
			Name string `json:"name"`
		} `json:"remediationRequestRef"`
		WorkflowRef struct {
			WorkflowID string `json:"workflowId"`
		} `json:"workflowRef"`
		ExecutionConfig *map[string]any `json:"executionConfig"`
	} `json:"spec"`
}

// Handle implements admission.Handler.
func (h CreateHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if r := checkRequest(req, admissionv1.Create, ""); r != nil {
		return *r
	}
	var we createFields
	if err := kjson.UnmarshalCaseSensitivePreserveInts(req.Object.Raw, &we); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode WorkflowExecution: %w", err))
	}
	patches, warnings := labelPatches(&we)
	if we.Spec != nil && req.Namespace != "" {
		// Without a spec the apiserver refuses the object anyway.
		runAs, err := h.runAsPatches(ctx, req.Namespace, we.Spec.ExecutionConfig)
		if err != nil {
			return admission.Errored(http.StatusServiceUnavailable, err)
		}
		patches = append(patches, runAs...)
	}
	if len(patches) == 0 {
		return admission.Allowed("labels and run-as already present").WithWarnings(warnings...)
	}
	return admission.Patched("added selection labels and run-as", patches...).WithWarnings(warnings...)
}

// labelPatches adds the selection labels that are missing and valid, with a
// warning for each value that is not a valid label value.
func labelPatches(we *createFields) ([]jsonpatch.JsonPatchOperation, []string) {
	var patches []jsonpatch.JsonPatchOperation
	var want []struct{ key, value string }
	if we.Spec != nil {
		want = []struct{ key, value string }{
			{wfev1.LabelWorkflowID, we.Spec.WorkflowRef.WorkflowID},
			{wfev1.LabelCorrelationID, we.Spec.RemediationRequestRef.Name},
		}
	}
	var labels map[string]string
	if we.Metadata != nil {
		labels = we.Metadata.Labels
	}
	added := map[string]string{}
	var warnings []string
	for _, l := range want {
		if _, ok := labels[l.key]; ok || l.value == "" {
			continue // never overwrite; nothing to add
		}
		if errs := validation.IsValidLabelValue(l.value); len(errs) > 0 {
			warnings = append(warnings, fmt.Sprintf("label %s not added: %q is not a valid label value", l.key, l.value))
			continue
		}
		added[l.key] = l.value
	}
	switch {
	case len(added) == 0:
	case we.Metadata == nil:
		patches = append(patches, jsonpatch.NewOperation("add", "/metadata", map[string]any{"labels": added}))
	case labels == nil:
		patches = append(patches, jsonpatch.NewOperation("add", "/metadata/labels", added))
	default:
		for _, l := range want {
			if v, ok := added[l.key]; ok {
				patches = append(patches, jsonpatch.NewOperation("add", "/metadata/labels/"+escapePointer(l.key), v))
			}
		}
	}
	return patches, warnings
}

// runAsPatches adds spec.executionConfig's namespace and serviceAccountName
// where absent or empty.
func (h CreateHandler) runAsPatches(ctx context.Context, namespace string, ec *map[string]any) ([]jsonpatch.JsonPatchOperation, error) {
	var set map[string]any
	if ec != nil {
		set = *ec
	}
	missing := map[string]bool{}
	for _, k := range []string{"namespace", "serviceAccountName"} {
		if v, ok := set[k].(string); !ok || v == "" {
			missing[k] = true
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	policy := wfev1.ExecutionPolicy{}
	if h.Policy != nil {
		p, err := h.Policy.ExecutionPolicy(ctx)
		if err != nil {
			return nil, fmt.Errorf("cannot record where and as whom this WorkflowExecution runs: %w", err)
		}
		policy = p
	}
	values := map[string]string{"namespace": policy.RunNamespace(namespace), "serviceAccountName": policy.DefaultRunAs()}
	if set == nil {
		added := map[string]any{}
		for k := range missing {
			added[k] = values[k]
		}
		return []jsonpatch.JsonPatchOperation{jsonpatch.NewOperation("add", "/spec/executionConfig", added)}, nil
	}
	var ops []jsonpatch.JsonPatchOperation
	for _, k := range []string{"namespace", "serviceAccountName"} {
		if missing[k] {
			ops = append(ops, jsonpatch.NewOperation("add", "/spec/executionConfig/"+k, values[k]))
		}
	}
	return ops, nil
}

// escapePointer escapes a JSON object key for use in a JSON pointer (RFC 6901).
func escapePointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}
