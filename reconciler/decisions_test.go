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
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Each condition is decided by its own function from the observation alone:
// TektonPipelineRunning never depends on what setComplete wrote, nor the other
// way round.
func TestEachConditionIsDecidedOnItsOwnFromTheObservation(t *testing.T) {
	tests := []struct {
		name              string
		observed          observation
		running, complete string
		phase             wfev1.Phase
	}{
		{"a run Tekton has not reported on is pending and not started",
			observationOf(&wfev1.WorkflowExecution{}, pipelineRun(corev1.ConditionUnknown, "PipelineRunPending", ""), nil, nil),
			"", "Unknown/Pending", wfev1.PhasePending},
		{"a started run is running",
			observationOf(&wfev1.WorkflowExecution{}, pipelineRun(corev1.ConditionUnknown, "Running", "", started, withChildren("a")), nil, nil),
			"True/PipelineStarted", "Unknown/PipelineRunning", wfev1.PhaseRunning},
		{"a run that succeeded started and succeeded",
			observationOf(&wfev1.WorkflowExecution{}, pipelineRun(corev1.ConditionTrue, "Succeeded", "", started, finished), nil, nil),
			"True/PipelineStarted", "True/PipelineSucceeded", wfev1.PhaseCompleted},
		{"a run that ended before starting failed to start and failed",
			observationOf(&wfev1.WorkflowExecution{}, pipelineRun(corev1.ConditionFalse, "CouldntGetPipeline", "", finished), nil, nil),
			"False/PipelineFailedToStart", "False/PipelineFailed", wfev1.PhaseFailed},
		{"a run the WorkflowExecution saw start counts as started even if Tekton's record no longer shows it",
			observationOf(func() *wfev1.WorkflowExecution { we := &wfev1.WorkflowExecution{}; we.MarkStarted("p"); return we }(),
				pipelineRun(corev1.ConditionFalse, "Cancelled", "", finished), nil, nil),
			"True/PipelineStarted", "False/PipelineCancelled", wfev1.PhaseFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			running, complete := &wfev1.WorkflowExecution{}, &wfev1.WorkflowExecution{}
			setRunning(running, tt.observed)
			setComplete(complete, tt.observed)
			assert.Equal(t, tt.running, statusReason(running, wfev1.ConditionTektonPipelineRunning), "setRunning")
			assert.Nil(t, running.Condition(wfev1.ConditionTektonPipelineComplete), "setRunning writes only its condition")
			assert.Equal(t, tt.complete, statusReason(complete, wfev1.ConditionTektonPipelineComplete), "setComplete")
			assert.Nil(t, complete.Condition(wfev1.ConditionTektonPipelineRunning), "setComplete writes only its condition")
			assert.Equal(t, tt.phase, complete.Status.Phase)
		})
	}
}

func statusReason(we *wfev1.WorkflowExecution, conditionType string) string {
	if c := we.Condition(conditionType); c != nil {
		return string(c.Status) + "/" + c.Reason
	}
	return ""
}

func TestACancelRequestedThroughTheAnnotationsNamesWhoAndWhy(t *testing.T) {
	requested := func() *wfev1.WorkflowExecution {
		we := &wfev1.WorkflowExecution{}
		we.Annotations = map[string]string{wfev1.AnnotationCancelRequestedBy: "alice", wfev1.AnnotationCancelReason: "superseded by rr-2"}
		return we
	}
	we := requested()
	we.MarkStarted("p")
	// Tekton cancelled its TaskRun too: the lookup finds it "failed".
	applyPipelineRun(we, pipelineRun(corev1.ConditionFalse, "Cancelled", `PipelineRun "x" was cancelled`, started, finished),
		&taskFailure{Name: "wait", Reason: "TaskRunCancelled", Message: "TaskRun was cancelled"}, nil)
	complete := we.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Equal(t, "False/PipelineCancelled", statusReason(we, wfev1.ConditionTektonPipelineComplete))
	assert.True(t, strings.HasPrefix(complete.Message, "Cancelled by alice: superseded by rr-2; Tekton PipelineRun "), complete.Message)
	assert.Equal(t, "Cancelled by alice: superseded by rr-2", we.Status.FailureDetails.Message, "the failed audit event's message")
	assert.Equal(t, wfev1.FailureReasonUnknown, we.Status.FailureDetails.Reason, "a cancelled task did not fail; the enum has no cancelled")

	someoneElse := &wfev1.WorkflowExecution{}
	someoneElse.MarkStarted("p")
	applyPipelineRun(someoneElse, pipelineRun(corev1.ConditionFalse, "Cancelled", `PipelineRun "x" was cancelled`, started, finished), nil, nil)
	assert.NotContains(t, someoneElse.Condition(wfev1.ConditionTektonPipelineComplete).Message, "Cancelled by",
		"a cancel on the PipelineRun itself names no requester")

	before := requested()
	msg, _ := before.CancelRequest()
	applyCancelledBeforeCreation(before, msg, metav1.Now())
	assert.Equal(t, "False/PipelineCreationCancelled", statusReason(before, wfev1.ConditionTektonPipelineCreated))
	assert.Equal(t, "False/PipelineCancelled", statusReason(before, wfev1.ConditionTektonPipelineComplete))
	assert.Equal(t, "Cancelled by alice: superseded by rr-2; no Tekton PipelineRun was created",
		before.Condition(wfev1.ConditionTektonPipelineComplete).Message)
}
