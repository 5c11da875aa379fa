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

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	kjson "sigs.k8s.io/json"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// StatusHandler guarantees that every status write, whoever makes it, carries
// all four condition types: it adds each missing one as Unknown and never
// changes one that is present.
type StatusHandler struct{}

// statusFields is the part of a WorkflowExecution the /status path reads.
type statusFields struct {
	Metadata struct {
		Generation int64 `json:"generation"`
	} `json:"metadata"`
	Status *struct {
		// Only the types: decoding whole conditions (times, messages) was
		// most of the handler's cost.
		Conditions []struct {
			Type string `json:"type"`
		} `json:"conditions"`
	} `json:"status"`
}

// Handle implements admission.Handler.
func (StatusHandler) Handle(_ context.Context, req admission.Request) admission.Response {
	if r := checkRequest(req, admissionv1.Update, "status"); r != nil {
		return *r
	}
	var we statusFields
	if err := kjson.UnmarshalCaseSensitivePreserveInts(req.Object.Raw, &we); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode WorkflowExecution: %w", err))
	}
	var present []metav1.Condition
	if we.Status != nil {
		present = make([]metav1.Condition, len(we.Status.Conditions))
		for i, c := range we.Status.Conditions {
			present[i].Type = c.Type
		}
	}
	missing := wfev1.MissingConditions(present, we.Metadata.Generation)
	if len(missing) == 0 {
		return admission.Allowed("all conditions present")
	}
	// Add operations only: what the writer wrote stays exactly as written.
	var patches []jsonpatch.JsonPatchOperation
	switch {
	case we.Status == nil:
		patches = append(patches, jsonpatch.NewOperation("add", "/status", map[string]any{"conditions": missing}))
	case we.Status.Conditions == nil:
		patches = append(patches, jsonpatch.NewOperation("add", "/status/conditions", missing))
	default:
		for _, c := range missing {
			patches = append(patches, jsonpatch.NewOperation("add", "/status/conditions/-", c))
		}
	}
	return admission.Patched(fmt.Sprintf("added %d missing condition(s) as Unknown", len(missing)), patches...)
}
