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
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// fullPipelineRun is a PipelineRun as Tekton leaves it, with everything the
// cache trims.
func fullPipelineRun(succeeded corev1.ConditionStatus, reason string, done int) *tektonv1.PipelineRun {
	pr := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we-1a2b3c4d",
			Labels: map[string]string{wfev1.LabelWorkflowExecution: "we", wfev1.LabelSourceNamespace: "ns", wfev1.LabelWorkflowExecutionUID: "uid-1",
				"tekton.dev/pipeline": "restart", wfev1.LabelWorkflowID: "restart", "kubernaut.ai/padding-0001": strings.Repeat("x", 63)},
			Annotations:     map[string]string{"note": "x"},
			OwnerReferences: []metav1.OwnerReference{{Name: "we", UID: "uid-1"}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "tekton"}},
		},
		Spec: tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "restart"}},
	}
	pr.Status.StartTime, pr.Status.CompletionTime = &t0, &t1
	pr.Status.PipelineSpec = &tektonv1.PipelineSpec{Description: "resolved",
		Tasks:   []tektonv1.PipelineTask{{Name: "t0", TaskRef: &tektonv1.TaskRef{Name: "restart"}}, {Name: "t1"}, {Name: "t2"}},
		Finally: []tektonv1.PipelineTask{{Name: "notify", Params: tektonv1.Params{{Name: "to"}}}}}
	pr.Status.Results = []tektonv1.PipelineRunResult{{Name: "out"}}
	for i := 0; i <= done && i < 3; i++ {
		pr.Status.ChildReferences = append(pr.Status.ChildReferences, tektonv1.ChildStatusReference{
			TypeMeta: runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"}, Name: fmt.Sprintf("we-1a2b3c4d-t%d", i), PipelineTaskName: fmt.Sprintf("t%d", i), DisplayName: "Task"})
	}
	pr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: succeeded, Reason: reason,
		Message: fmt.Sprintf("Tasks Completed: %d (Failed: 0, Cancelled 0), Incomplete: %d, Skipped: 0", done, 3-done)}}
	return pr
}

func TestTrimmingAPipelineRunChangesNoDecision(t *testing.T) {
	tests := []struct {
		name   string
		status corev1.ConditionStatus
		reason string
		done   int
	}{
		{"a running PipelineRun keeps its progress", corev1.ConditionUnknown, "Running", 1},
		{"a succeeded PipelineRun keeps its times and counts", corev1.ConditionTrue, "Succeeded", 3},
		{"a failed PipelineRun keeps its reason", corev1.ConditionFalse, "Failed", 2},
		{"a timed-out PipelineRun stays a timeout", corev1.ConditionFalse, "PipelineRunTimeout", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full := fullPipelineRun(tt.status, tt.reason, tt.done)
			trimmedObj, err := TrimPipelineRun(full.DeepCopy())
			require.NoError(t, err)
			trimmed := trimmedObj.(*tektonv1.PipelineRun)

			fromFull, fromTrimmed := initialWE(), initialWE()
			var failure *taskFailure
			if tt.status == corev1.ConditionFalse {
				failure = &taskFailure{Name: "t1", Reason: "Failed"}
			}
			applyPipelineRun(fromFull, full, failure, nil)
			applyPipelineRun(fromTrimmed, trimmed, failure, nil)
			for _, we := range []*wfev1.WorkflowExecution{fromFull, fromTrimmed} {
				for i := range we.Status.Conditions {
					we.Status.Conditions[i].LastTransitionTime = metav1.Time{} // the clock, not the input
				}
			}
			assert.Equal(t, fromFull.Status, fromTrimmed.Status)

			we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we", UID: "uid-1"}}
			assert.True(t, belongsTo(trimmed, we), "the link labels stay")
			assert.Equal(t, workflowExecutionOf(t.Context(), full), workflowExecutionOf(t.Context(), trimmed))
			assert.NotContains(t, trimmed.Labels, "tekton.dev/pipeline")
			assert.Len(t, trimmed.Labels, 3, "only the three link labels, whatever else of our prefix a stranger adds")
			assert.Nil(t, trimmed.Annotations)
			assert.Nil(t, trimmed.OwnerReferences)
			assert.Nil(t, trimmed.ManagedFields)
			assert.Equal(t, &tektonv1.PipelineSpec{Tasks: []tektonv1.PipelineTask{{Name: "t0"}, {Name: "t1"}, {Name: "t2"}},
				Finally: []tektonv1.PipelineTask{{Name: "notify"}}}, trimmed.Status.PipelineSpec, "only the task order stays")
			assert.Nil(t, trimmed.Spec.PipelineRef)
			cancelled := full.DeepCopy()
			cancelled.Spec.Status = tektonv1.PipelineRunSpecStatusCancelled
			trimmedObj, err = TrimPipelineRun(cancelled)
			require.NoError(t, err)
			assert.EqualValues(t, tektonv1.PipelineRunSpecStatusCancelled, trimmedObj.(*tektonv1.PipelineRun).Spec.Status,
				"a cancel asked once is not asked again")
		})
	}
}

func TestTrimmingAWorkflowExecutionKeepsSpecAndStatus(t *testing.T) {
	we := initialWE()
	we.Labels = map[string]string{wfev1.LabelWorkflowID: "restart"}
	we.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}"}
	we.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	we.Spec.TargetResource = "ns/deployment/web"
	want := we.DeepCopy()
	want.Annotations, want.ManagedFields = nil, nil

	got, err := TrimWorkflowExecution(we)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestTrimmingAWorkflowExecutionKeepsTheCancelRequest(t *testing.T) {
	we := initialWE()
	we.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}",
		wfev1.AnnotationCancelRequestedBy: "oncall", wfev1.AnnotationCancelReason: "superseded"}
	got, err := TrimWorkflowExecution(we)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{wfev1.AnnotationCancelRequestedBy: "oncall", wfev1.AnnotationCancelReason: "superseded"},
		got.(*wfev1.WorkflowExecution).Annotations, "the reconciler reads the cancel request from the cache")
}
