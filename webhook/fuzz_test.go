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
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	kjson "sigs.k8s.io/json"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/webhook"
)

var fuzzSeeds = []string{
	we("", ""),
	we(`, "labels": {"`+wfev1.LabelWorkflowID+`": "x"}`, `, "status": {"phase": "Running"}`),
	we("", `, "status": {"conditions": [{"type": "AuditRecorded", "status": "True", "reason": "A", "message": "", "lastTransitionTime": "2026-01-02T03:04:05Z"}]}`),
	`{"metadata": {"labels": null}, "status": {"conditions": null}}`,
	`{}`, `[]`, `null`, `{"metadata": 1}`, `{"status": []}`,
}

// fuzzRequest wraps arbitrary bytes as the object of an admission request.
func fuzzRequest(op admissionv1.Operation, subResource string, object []byte) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:         "fuzz",
		Kind:        metav1.GroupVersionKind{Group: "workflowexecution.kubernaut.ai", Version: "v1alpha1", Kind: "WorkflowExecution"},
		Operation:   op,
		SubResource: subResource,
		Object:      runtime.RawExtension{Raw: object},
	}}
}

// applyPatches applies the response's patch to the object; the apiserver would
// reject a patch that does not apply, so one that does not is a bug.
func applyPatches(t *testing.T, object []byte, resp admission.Response) []byte {
	if len(resp.Patches) == 0 {
		return object
	}
	ops, err := json.Marshal(resp.Patches)
	if err != nil {
		t.Fatalf("marshal patch: %v", err)
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		t.Fatalf("decode patch: %v", err)
	}
	out, err := patch.Apply(object)
	if err != nil {
		t.Fatalf("the patch %s does not apply to %s: %v", ops, object, err)
	}
	return out
}

func FuzzCreateHandler(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, object []byte) {
		resp := webhook.CreateHandler{}.Handle(t.Context(), fuzzRequest(admissionv1.Create, "", object))
		if !resp.Allowed {
			if resp.Result == nil || resp.Result.Code != 400 || resp.Result.Message == "" {
				t.Fatalf("a refusal must be a clear 400, got %+v", resp.Result)
			}
			return
		}
		patched := applyPatches(t, object, resp)
		var before, after struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
		}
		_ = kjson.UnmarshalCaseSensitivePreserveInts(object, &before)
		if err := kjson.UnmarshalCaseSensitivePreserveInts(patched, &after); err != nil {
			t.Fatalf("patched object is not a WorkflowExecution: %v", err)
		}
		for k, v := range before.Metadata.Labels {
			if after.Metadata.Labels[k] != v {
				t.Fatalf("label %s changed from %q to %q", k, v, after.Metadata.Labels[k])
			}
		}
	})
}

func FuzzStatusHandler(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, object []byte) {
		resp := webhook.StatusHandler{}.Handle(t.Context(), fuzzRequest(admissionv1.Update, "status", object))
		if !resp.Allowed {
			if resp.Result == nil || resp.Result.Code != 400 || resp.Result.Message == "" {
				t.Fatalf("a refusal must be a clear 400, got %+v", resp.Result)
			}
			return
		}
		patched := applyPatches(t, object, resp)
		var before, after struct {
			Status struct {
				Conditions []json.RawMessage `json:"conditions"`
			} `json:"status"`
		}
		_ = kjson.UnmarshalCaseSensitivePreserveInts(object, &before)
		if err := kjson.UnmarshalCaseSensitivePreserveInts(patched, &after); err != nil {
			t.Fatalf("patched object is not a WorkflowExecution: %v", err)
		}
		types := map[string]bool{}
		for _, c := range after.Status.Conditions {
			var typed struct {
				Type string `json:"type"`
			}
			_ = json.Unmarshal(c, &typed)
			types[typed.Type] = true
		}
		for _, want := range wfev1.ConditionTypes {
			if !types[want] {
				t.Fatalf("an allowed status write carries all four condition types; %s is missing from %s", want, patched)
			}
		}
		for i, c := range before.Status.Conditions {
			// Compared as decoded JSON: re-encoding may escape characters
			// (& as \u0026) without changing the value.
			if !sameJSON(after.Status.Conditions[i], c) {
				t.Fatalf("condition %d changed from %s to %s", i, c, after.Status.Conditions[i])
			}
		}
	})
}

func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}
