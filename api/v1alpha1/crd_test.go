package v1alpha1_test

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

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/controlplane"
)

var cp *controlplane.ControlPlane

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "api-test-")
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
	root, err := controlplane.RepoRoot()
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
