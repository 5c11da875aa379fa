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

package webhook_test

import (
	"encoding/json"
	"fmt"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/webhook"
)

// review builds the raw AdmissionReview JSON the apiserver would send.
func review(op, subResource, kind, object string) []byte {
	return []byte(fmt.Sprintf(`{
  "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
  "request": {
    "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
    "kind": {"group": "workflowexecution.kubernaut.ai", "version": "v1alpha1", "kind": %q},
    "resource": {"group": "workflowexecution.kubernaut.ai", "version": "v1alpha1", "resource": "workflowexecutions"},
    "subResource": %q, "namespace": "default", "operation": %q,
    "userInfo": {"username": "admin"},
    "object": %s
  }
}`, kind, subResource, op, object))
}

// handle decodes a raw AdmissionReview and runs the handler on it.
func handle(t *testing.T, h admission.Handler, raw []byte) admission.Response {
	t.Helper()
	ar := admissionv1.AdmissionReview{}
	require.NoError(t, json.Unmarshal(raw, &ar))
	return h.Handle(t.Context(), admission.Request{AdmissionRequest: *ar.Request})
}

// applied returns the object after the response's patch, as the apiserver stores it.
func applied(t *testing.T, object string, resp admission.Response) map[string]any {
	t.Helper()
	doc := []byte(object)
	if len(resp.Patches) > 0 {
		ops, err := json.Marshal(resp.Patches)
		require.NoError(t, err)
		patch, err := jsonpatch.DecodePatch(ops)
		require.NoError(t, err)
		doc, err = patch.Apply(doc)
		require.NoError(t, err)
	}
	out := map[string]any{}
	require.NoError(t, json.Unmarshal(doc, &out))
	return out
}

const realisticWE = `{
  "apiVersion": "workflowexecution.kubernaut.ai/v1alpha1", "kind": "WorkflowExecution",
  "metadata": {"name": "restart-payment-api", "namespace": "payment", "generation": 1 %s},
  "spec": {
    "remediationRequestRef": {"kind": "RemediationRequest", "name": "rr-payment-api-oomkilled", "namespace": "payment"},
    "workflowRef": {"workflowId": "increase-memory-and-restart", "version": "v1.2.0",
      "containerImage": "quay.io/kubernaut/workflows/increase-memory-and-restart:v1.2.0"},
    "targetResource": "payment/deployment/payment-api",
    "parameters": {"TARGET_NAMESPACE": "payment", "MEMORY_LIMIT": "1Gi"},
    "confidence": 0.92
  } %s
}`

func we(metadataExtra, statusPart string) string {
	return fmt.Sprintf(realisticWE, metadataExtra, statusPart)
}

func labelsOf(obj map[string]any) map[string]any {
	md := obj["metadata"].(map[string]any)
	l, _ := md["labels"].(map[string]any)
	return l
}

func TestCreateHandler(t *testing.T) {
	tests := []struct {
		name   string
		object string
		want   map[string]any
	}{
		{
			name:   "a WE without labels gets both selection labels",
			object: we("", ""),
			want:   map[string]any{wfev1.LabelWorkflowID: "increase-memory-and-restart", wfev1.LabelCorrelationID: "rr-payment-api-oomkilled"},
		},
		{
			name:   "existing labels are kept and the caller's value wins",
			object: we(`, "labels": {"team": "payments", "`+wfev1.LabelWorkflowID+`": "mine"}`, ""),
			want:   map[string]any{"team": "payments", wfev1.LabelWorkflowID: "mine", wfev1.LabelCorrelationID: "rr-payment-api-oomkilled"},
		},
		{
			name:   "a WE with generateName and no name is labelled",
			object: `{"metadata": {"generateName": "restart-"}, "spec": {"workflowRef": {"workflowId": "wf"}}}`,
			want:   map[string]any{wfev1.LabelWorkflowID: "wf"},
		},
		{
			name:   "a value that is not a valid label value is skipped, not rejected",
			object: `{"metadata": {}, "spec": {"workflowRef": {"workflowId": "not valid!"}, "remediationRequestRef": {"name": "rr-1"}}}`,
			want:   map[string]any{wfev1.LabelCorrelationID: "rr-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := handle(t, webhook.CreateHandler{}, review("CREATE", "", "WorkflowExecution", tt.object))
			require.True(t, resp.Allowed, resp.Result)
			assert.Equal(t, tt.want, labelsOf(applied(t, tt.object, resp)))
		})
	}
}

func TestCreateHandlerWarnsAboutAnInvalidLabelValue(t *testing.T) {
	object := `{"metadata": {}, "spec": {"workflowRef": {"workflowId": "not valid!"}, "executionConfig": {"namespace": "default", "serviceAccountName": "runner"}}}`
	resp := handle(t, webhook.CreateHandler{}, review("CREATE", "", "WorkflowExecution", object))
	require.True(t, resp.Allowed)
	assert.Empty(t, resp.Patches)
	require.Len(t, resp.Warnings, 1)
	assert.Contains(t, resp.Warnings[0], "not a valid label value")
}

func conditionsOf(obj map[string]any) []map[string]any {
	status, _ := obj["status"].(map[string]any)
	list, _ := status["conditions"].([]any)
	out := make([]map[string]any, len(list))
	for i, c := range list {
		out[i] = c.(map[string]any)
	}
	return out
}

func TestStatusHandler(t *testing.T) {
	foreign := `{"type": "AuditRecorded", "status": "False", "reason": "Mine", "message": "as written", "observedGeneration": 1, "lastTransitionTime": "2026-01-02T03:04:05Z"}`
	tests := []struct {
		name      string
		status    string
		wantTypes []string
		wantFirst map[string]any
	}{
		{"a status without conditions gets all four", `, "status": {"phase": "Pending"}`,
			[]string{"TektonPipelineCreated", "TektonPipelineRunning", "TektonPipelineComplete", "AuditRecorded"}, nil},
		{"an object without status gets all four", ``,
			[]string{"TektonPipelineCreated", "TektonPipelineRunning", "TektonPipelineComplete", "AuditRecorded"}, nil},
		{"a present condition is kept exactly and the others are appended", `, "status": {"conditions": [` + foreign + `]}`,
			[]string{"AuditRecorded", "TektonPipelineCreated", "TektonPipelineRunning", "TektonPipelineComplete"},
			map[string]any{"type": "AuditRecorded", "status": "False", "reason": "Mine", "message": "as written", "observedGeneration": float64(1), "lastTransitionTime": "2026-01-02T03:04:05Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			object := we("", tt.status)
			resp := handle(t, webhook.StatusHandler{}, review("UPDATE", "status", "WorkflowExecution", object))
			require.True(t, resp.Allowed, resp.Result)
			conds := conditionsOf(applied(t, object, resp))
			var types []string
			for _, c := range conds {
				types = append(types, c["type"].(string))
				if c["reason"] != "Mine" {
					assert.Equal(t, "Unknown", c["status"])
					assert.Equal(t, float64(1), c["observedGeneration"], "stamped with the generation")
					assert.NotEmpty(t, c["lastTransitionTime"])
				}
			}
			assert.Equal(t, tt.wantTypes, types)
			if tt.wantFirst != nil {
				assert.Equal(t, tt.wantFirst, conds[0])
			}
		})
	}
}

func TestStatusHandlerLeavesACompleteStatusAlone(t *testing.T) {
	var conds []string
	for _, c := range []string{"TektonPipelineCreated", "TektonPipelineRunning", "TektonPipelineComplete", "AuditRecorded"} {
		conds = append(conds, fmt.Sprintf(`{"type": %q, "status": "True", "reason": "Done", "message": "", "lastTransitionTime": "2026-01-02T03:04:05Z"}`, c))
	}
	object := we("", `, "status": {"conditions": [`+conds[0]+","+conds[1]+","+conds[2]+","+conds[3]+`]}`)
	resp := handle(t, webhook.StatusHandler{}, review("UPDATE", "status", "WorkflowExecution", object))
	assert.True(t, resp.Allowed)
	assert.Empty(t, resp.Patches)
}

func TestUnexpectedRequestsGetAClearAnswer(t *testing.T) {
	tests := []struct {
		name    string
		handler admission.Handler
		raw     []byte
		allowed bool
		code    int32
		message string
	}{
		{"another kind is an error", webhook.CreateHandler{}, review("CREATE", "", "Pod", we("", "")), false, 400, `expected a workflowexecution.kubernaut.ai WorkflowExecution, got workflowexecution.kubernaut.ai "Pod"`},
		{"an object that is not JSON is an error", webhook.StatusHandler{}, review("UPDATE", "status", "WorkflowExecution", `"just a string"`), false, 400, "decode WorkflowExecution"},
		{"a request without an object is an error", webhook.CreateHandler{}, review("CREATE", "", "WorkflowExecution", `null`), false, 400, "carries no object"},
		{"a DELETE is a no-op", webhook.CreateHandler{}, review("DELETE", "", "WorkflowExecution", we("", "")), true, 200, "nothing to do"},
		{"a main-resource UPDATE on the status path is a no-op", webhook.StatusHandler{}, review("UPDATE", "", "WorkflowExecution", we("", "")), true, 200, "nothing to do"},
		{"conditions of the wrong shape are an error", webhook.StatusHandler{}, review("UPDATE", "status", "WorkflowExecution", `{"status": {"conditions": {"type": "x"}}}`), false, 400, "decode WorkflowExecution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := handle(t, tt.handler, tt.raw)
			assert.Equal(t, tt.allowed, resp.Allowed)
			require.NotNil(t, resp.Result)
			assert.Equal(t, tt.code, resp.Result.Code)
			assert.Contains(t, resp.Result.Message, tt.message)
		})
	}
}
