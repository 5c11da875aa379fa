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

package reconciler

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestWithholdingOutsideInputKeepsStatusesAndReasons(t *testing.T) {
	we := initialWE()
	we.SetTektonPipelineComplete(metav1.ConditionFalse, wfev1.ReasonPipelineFailed, "Tekton said something the apiserver refused")
	we.Status.PipelineRunStatus = &wfev1.PipelineRunStatusSummary{Status: metav1.ConditionFalse, Reason: "Failed", Message: "long"}
	we.Status.FailureDetails = &wfev1.FailureDetails{Reason: wfev1.FailureReasonTaskFailed, Message: "long", NaturalLanguageSummary: "long",
		FailedTaskName: "deploy", FailedStepName: "apply"}

	withholdOutsideInput(we)

	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Equal(t, metav1.ConditionFalse, c.Status, "the condition still advances")
	assert.Equal(t, wfev1.ReasonPipelineFailed, c.Reason)
	for _, c := range we.Status.Conditions {
		assert.Equal(t, withheldMessage, c.Message, c.Type)
	}
	assert.Equal(t, withheldMessage, we.Status.PipelineRunStatus.Message)
	assert.Equal(t, wfev1.FailureReasonTaskFailed, we.Status.FailureDetails.Reason)
	assert.Equal(t, withheldMessage, we.Status.FailureDetails.Message)
	assert.Empty(t, we.Status.FailureDetails.FailedTaskName)
}

func TestRefusedFieldsNamesTheFieldsOfAnInvalidError(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: wfev1.GroupVersion.Group, Kind: wfev1.Kind}, "we", field.ErrorList{
		field.TooLong(field.NewPath("status", "conditions").Index(2).Child("message"), "", 32768),
	})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"an Invalid error names its fields", invalid, "status.conditions[2].message"},
		{"a wrapped Invalid error names its fields", fmt.Errorf("write: %w", invalid), "status.conditions[2].message"},
		{"another error says the field is unknown", fmt.Errorf("boom"), "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, refusedFields(tt.err))
		})
	}
}

func TestARefusalIsToldOncePerWorkflowExecution(t *testing.T) {
	var r refusals
	key := types.NamespacedName{Namespace: "ns", Name: "we"}
	assert.True(t, r.first(key))
	assert.False(t, r.first(key), "the second refusal is not told again")
	r.forget(key)
	assert.True(t, r.first(key), "a WorkflowExecution created again under the same name is told again")
}
