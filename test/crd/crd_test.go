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

// Package crd_test proves the CRD's schema, CEL rules and printer columns on a real kube-apiserver.
package crd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crd-test-")
	if err != nil {
		panic(err)
	}
	cp, err = controlplane.StartE(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start control plane:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop control plane:", err)
		code = 1
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func validWE(name string) *wfev1.WorkflowExecution {
	return &wfev1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: wfev1.WorkflowExecutionSpec{
			RemediationRequestRef: corev1.ObjectReference{Kind: "RemediationRequest", Name: "rr-1", Namespace: "default"},
			WorkflowRef: wfev1.WorkflowRef{
				WorkflowID: "restart-pods", Version: "v1", ContainerImage: "quay.io/example/restart-pods:v1",
			},
			TargetResource: "default/deployment/web",
			Parameters:     map[string]string{"TARGET_NAMESPACE": "default"},
			ExecutionConfig: &wfev1.ExecutionConfig{
				Timeout: &metav1.Duration{Duration: 5 * time.Minute},
			},
		},
	}
}

func TestSampleAppliesAndPrintsColumns(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	sample := filepath.Join(root, "config", "samples", "workflowexecution_v1alpha1_workflowexecution.yaml")

	out := cp.MustKubectl(t, "apply", "-n", "default", "-f", sample)
	assert.Contains(t, out, "workflowexecution.workflowexecution.kubernaut.ai/restart-payment-api created")

	header := strings.Fields(strings.SplitN(cp.MustKubectl(t, "get", "wfe", "-n", "default"), "\n", 2)[0])
	assert.Equal(t, []string{"NAME", "PHASE", "COMPLETE", "REASON", "AGE"}, header)

	wide := strings.Fields(strings.SplitN(cp.MustKubectl(t, "get", "wfe", "-n", "default", "-o", "wide"), "\n", 2)[0])
	assert.Equal(t, []string{"NAME", "PHASE", "COMPLETE", "REASON", "AGE", "WORKFLOWID", "TARGET"}, wide)

	row := cp.MustKubectl(t, "get", "wfe", "restart-payment-api", "-n", "default", "-o", "wide", "--no-headers")
	assert.Contains(t, row, "increase-memory-and-restart")
	assert.Contains(t, row, "payment/deployment/payment-api")
}

func TestTheAPIServerRejectsBadSpecs(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*wfev1.WorkflowExecution)
		message string
	}{
		{"a missing workflow reference is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.WorkflowRef = wfev1.WorkflowRef{} }, "spec.workflowRef.workflowId"},
		{"a missing container image is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.WorkflowRef.ContainerImage = "" }, "spec.workflowRef.containerImage"},
		{"a missing target resource is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.TargetResource = "" }, "spec.targetResource"},
		{"a target resource without kind/name is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.TargetResource = "web" }, "spec.targetResource"},
		{"a lower-case parameter name is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.Parameters = map[string]string{"namespace": "x"} }, "UPPER_SNAKE_CASE"},
		{"a confidence above 1 is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.Confidence = 1.5 }, "spec.confidence"},
		{"a RemediationRequest reference without a name is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.RemediationRequestRef.Name = "" },
			"remediationRequestRef.name is required"},
		{"a digest that is not sha256 and 64 hex digits is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.WorkflowRef.ContainerDigest = "md5:0123" },
			"spec.workflowRef.containerDigest"},
		{"a service account name that is not a DNS subdomain is rejected", func(we *wfev1.WorkflowExecution) { we.Spec.ExecutionConfig.ServiceAccountName = "Pipeline_Runner" },
			"spec.executionConfig.serviceAccountName"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			we := validWE(fmt.Sprintf("bad-spec-%d", i))
			tt.mutate(we)
			err := cp.Client.Create(t.Context(), we)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.message)
		})
	}
}

// overBound sets one spec field one character past its bound.
type overBound struct {
	name    string
	mutate  func(*wfev1.WorkflowExecution)
	message string
}

// specBounds lists every bound on a spec string: each case sets one field one
// character past its bound, and the message names that field.
var specBounds = []overBound{
	{"a workflow version over 128 characters is refused", func(we *wfev1.WorkflowExecution) { we.Spec.WorkflowRef.Version = strings.Repeat("1", 129) },
		"spec.workflowRef.version: Too long: may not be more than 128"},
	{"a container image over 512 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.WorkflowRef.ContainerImage = "quay.io/" + strings.Repeat("a", 505)
	}, "spec.workflowRef.containerImage: Too long: may not be more than 512"},
	{"a container digest over 71 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.WorkflowRef.ContainerDigest = "sha256:" + strings.Repeat("a", 65)
	}, "spec.workflowRef.containerDigest: Too long: may not be more than 71"},
	{"a rationale over 4096 characters is refused", func(we *wfev1.WorkflowExecution) { we.Spec.Rationale = strings.Repeat("r", 4097) },
		"spec.rationale: Too long: may not be more than 4096"},
	{"a service account name over 253 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.ExecutionConfig.ServiceAccountName = strings.Repeat("a", 254)
	}, "spec.executionConfig.serviceAccountName: Too long: may not be more than 253"},
	{"a parameter name over 63 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.Parameters = map[string]string{"P" + strings.Repeat("A", 63): "x"}
	}, "spec.parameters: Invalid value: parameter names must be at most 63 characters"},
	{"a parameter value over 4096 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.Parameters = map[string]string{"TARGET_NAMESPACE": strings.Repeat("v", 4097)}
	}, "spec.parameters: Invalid value: parameter values must be at most 4096 characters"},
	{"a RemediationRequest namespace over 63 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.RemediationRequestRef.Namespace = strings.Repeat("n", 64)
	}, "spec.remediationRequestRef.namespace: Invalid value: remediationRequestRef.namespace must be at most 63 characters"},
	{"a RemediationRequest kind over 63 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.RemediationRequestRef.Kind = strings.Repeat("K", 64)
	}, "spec.remediationRequestRef.kind: Invalid value: remediationRequestRef.kind must be at most 63 characters"},
	{"a RemediationRequest apiVersion over 317 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.RemediationRequestRef.APIVersion = strings.Repeat("g", 315) + "/v1"
	}, "spec.remediationRequestRef.apiVersion: Invalid value: remediationRequestRef.apiVersion must be at most 317 characters"},
	{"a RemediationRequest uid over 128 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.RemediationRequestRef.UID = types.UID(strings.Repeat("u", 129))
	}, "spec.remediationRequestRef.uid: Invalid value: remediationRequestRef.uid must be at most 128 characters"},
	{"a RemediationRequest resourceVersion over 128 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.RemediationRequestRef.ResourceVersion = strings.Repeat("1", 129)
	}, "spec.remediationRequestRef.resourceVersion: Invalid value: remediationRequestRef.resourceVersion must be at most 128 characters"},
	{"parameters over 32768 characters in all are refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.Parameters = map[string]string{}
		for i := range 8 {
			we.Spec.Parameters[fmt.Sprintf("P%d", i)] = strings.Repeat("v", 4096)
		}
	}, "parameters must total at most 32768 characters"},
	{"a RemediationRequest fieldPath over 512 characters is refused", func(we *wfev1.WorkflowExecution) {
		we.Spec.RemediationRequestRef.FieldPath = strings.Repeat("f", 513)
	}, "spec.remediationRequestRef.fieldPath: Invalid value: remediationRequestRef.fieldPath must be at most 512 characters"},
}

func TestASpecFieldOverItsBoundIsRefusedWithAMessageNamingIt(t *testing.T) {
	for i, tt := range specBounds {
		t.Run(tt.name, func(t *testing.T) {
			we := validWE(fmt.Sprintf("over-bound-%d", i))
			tt.mutate(we)
			err := cp.Client.Create(t.Context(), we)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.message)
		})
	}
}

// The Go type cannot carry a long timeout (a time.Duration prints in at most
// 32 characters), so this one goes through an unstructured object.
func TestATimeoutOver64CharactersIsRefusedWithAMessageNamingIt(t *testing.T) {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(validWE("over-bound-timeout"))
	require.NoError(t, err)
	we := &unstructured.Unstructured{Object: raw}
	we.SetGroupVersionKind(wfev1.GroupVersion.WithKind(wfev1.Kind))
	require.NoError(t, unstructured.SetNestedField(we.Object, strings.Repeat("1", 64)+"s", "spec", "executionConfig", "timeout"))
	err = cp.Client.Create(t.Context(), we)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.executionConfig.timeout: Invalid value: ")
	assert.Contains(t, err.Error(), "executionConfig.timeout must be at most 64 characters")
}

func TestASpecAtEveryBoundIsAccepted(t *testing.T) {
	we := validWE("at-every-bound")
	we.Spec.WorkflowRef.Version = strings.Repeat("1", 128)
	// The longest reference: a name of 255 characters and a tag of 128.
	we.Spec.WorkflowRef.ContainerImage = "quay.io/" + strings.Repeat("a", 247) + ":" + strings.Repeat("t", 128)
	we.Spec.WorkflowRef.ContainerDigest = "sha256:" + strings.Repeat("a", 64)
	we.Spec.Rationale = strings.Repeat("r", 4096)
	we.Spec.ExecutionConfig.ServiceAccountName = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
	we.Spec.RemediationRequestRef = corev1.ObjectReference{
		Kind: strings.Repeat("K", 63), Namespace: strings.Repeat("n", 63), Name: strings.Repeat("r", 253),
		APIVersion: strings.Repeat("g", 314) + "/v1", UID: types.UID(strings.Repeat("u", 128)),
		ResourceVersion: strings.Repeat("1", 128), FieldPath: strings.Repeat("f", 512),
	}
	we.Spec.Parameters = map[string]string{}
	// 128 names of 63 characters, and values up to the 32768 characters
	// names and values may total: six of 4096, one of 128, the rest empty.
	for i := range 128 {
		size := 0
		switch {
		case i < 6:
			size = 4096
		case i == 6:
			size = 32768 - 128*63 - 6*4096
		}
		we.Spec.Parameters[fmt.Sprintf("P%062d", i)] = strings.Repeat("v", size)
	}
	require.NoError(t, cp.Client.Create(t.Context(), we), "every field at its bound at once is a valid WorkflowExecution")
	we.Labels = map[string]string{"touched": "yes"}
	require.NoError(t, cp.Client.Update(t.Context(), we), "the immutability rule compares a maximal spec within the CEL cost budget")
	assert.Len(t, we.Spec.WorkflowRef.ContainerImage, 384)
	assert.Len(t, we.Spec.ExecutionConfig.ServiceAccountName, 253)
}

func TestANameLongerThanALabelValueIsRejected(t *testing.T) {
	we := validWE(strings.Repeat("a", 64))
	err := cp.Client.Create(t.Context(), we)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "metadata.name must be at most 63 characters")
	require.NoError(t, cp.Client.Create(t.Context(), validWE(strings.Repeat("a", 63))))
}

func TestTheSpecIsImmutable(t *testing.T) {
	ctx := t.Context()
	we := validWE("immutable")
	require.NoError(t, cp.Client.Create(ctx, we))

	we.Spec.TargetResource = "default/deployment/other"
	err := cp.Client.Update(ctx, we)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec is immutable")
	assert.Equal(t, int64(1), we.Generation, "one WE is one execution")
}

func TestTheAPIServerRejectsBadStatus(t *testing.T) {
	tests := []struct {
		name    string
		status  wfev1.WorkflowExecutionStatus
		message string
	}{
		{"a phase outside the enum is rejected", wfev1.WorkflowExecutionStatus{Phase: "Skipped"}, "status.phase"},
		{"a condition type with spaces is rejected", wfev1.WorkflowExecutionStatus{Conditions: []metav1.Condition{{
			Type: "Not A Type", Status: metav1.ConditionTrue, Reason: "Fine", LastTransitionTime: metav1.Now(),
		}}}, "status.conditions[0].type"},
		{"a condition reason that is not CamelCase is rejected", wfev1.WorkflowExecutionStatus{Conditions: []metav1.Condition{{
			Type: wfev1.ConditionTektonPipelineCreated, Status: metav1.ConditionTrue, Reason: "not a reason", LastTransitionTime: metav1.Now(),
		}}}, "status.conditions[0].reason"},
		{"a condition status outside True/False/Unknown is rejected", wfev1.WorkflowExecutionStatus{Conditions: []metav1.Condition{{
			Type: wfev1.ConditionTektonPipelineCreated, Status: "Maybe", Reason: "Fine", LastTransitionTime: metav1.Now(),
		}}}, "status.conditions[0].status"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			we := validWE(fmt.Sprintf("bad-status-%d", i))
			require.NoError(t, cp.Client.Create(ctx, we))
			we.Status = tt.status
			err := cp.Client.Status().Update(ctx, we)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.message)
		})
	}
}

func TestStatusIsDroppedOnCreate(t *testing.T) {
	ctx := t.Context()
	we := validWE("status-on-create")
	we.Status.Phase = wfev1.PhaseRunning
	require.NoError(t, cp.Client.Create(ctx, we))
	assert.Empty(t, we.Status.Phase, "the apiserver drops status on CREATE for a CRD with the status subresource")
}
