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

package v1alpha1_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// state is what a transition leaves: each Tekton condition as
// "Status/Reason" ("" when absent), and the phase.
type state struct {
	created, running, complete string
	phase                      wfev1.Phase
	failed                     bool
}

func stateOf(we *wfev1.WorkflowExecution) state {
	c := func(t string) string {
		if c := we.Condition(t); c != nil {
			return string(c.Status) + "/" + c.Reason
		}
		return ""
	}
	return state{c(wfev1.ConditionTektonPipelineCreated), c(wfev1.ConditionTektonPipelineRunning), c(wfev1.ConditionTektonPipelineComplete),
		we.Status.Phase, we.Status.FailureDetails != nil}
}

func TestEachTransitionSetsItsConditionsAndPhaseTogether(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	details := wfev1.FailureDetails{Reason: wfev1.FailureReasonUnknown}
	running := func() *wfev1.WorkflowExecution {
		we := &wfev1.WorkflowExecution{}
		we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "pr"}, "created")
		we.MarkStarted("1 of 2")
		we.MarkRunning("running")
		return we
	}
	tests := []struct {
		name string
		from func() *wfev1.WorkflowExecution
		mark func(*wfev1.WorkflowExecution)
		want state
	}{
		{"a created PipelineRun is recorded with its reference", func() *wfev1.WorkflowExecution { return &wfev1.WorkflowExecution{} },
			func(we *wfev1.WorkflowExecution) { we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "pr"}, "m") },
			state{created: "True/PipelineCreated"}},
		{"a retried creation stays Unknown", func() *wfev1.WorkflowExecution { return &wfev1.WorkflowExecution{} },
			func(we *wfev1.WorkflowExecution) { we.MarkCreationRetrying("m") }, state{created: "Unknown/PipelineCreationRetrying"}},
		{"a creation refused for good ends everything as failed", func() *wfev1.WorkflowExecution { return &wfev1.WorkflowExecution{} },
			func(we *wfev1.WorkflowExecution) { we.MarkCreationFailed("m", details, at) },
			state{"False/PipelineCreationFailed", "False/PipelineFailedToStart", "False/PipelineFailed", wfev1.PhaseFailed, true}},
		{"a cancel before the PipelineRun was created ends everything as cancelled", func() *wfev1.WorkflowExecution { return &wfev1.WorkflowExecution{} },
			func(we *wfev1.WorkflowExecution) { we.MarkCancelledBeforeCreation("m", details, at) },
			state{"False/PipelineCreationCancelled", "False/PipelineFailedToStart", "False/PipelineCancelled", wfev1.PhaseFailed, true}},
		{"a PipelineRun not started yet is pending", func() *wfev1.WorkflowExecution { return &wfev1.WorkflowExecution{} },
			func(we *wfev1.WorkflowExecution) { we.MarkPending("m") }, state{complete: "Unknown/Pending", phase: wfev1.PhasePending}},
		{"a started PipelineRun is running", func() *wfev1.WorkflowExecution { return &wfev1.WorkflowExecution{} },
			func(we *wfev1.WorkflowExecution) { we.MarkStarted("p"); we.MarkRunning("m") },
			state{running: "True/PipelineStarted", complete: "Unknown/PipelineRunning", phase: wfev1.PhaseRunning}},
		{"success clears failure details", running, func(we *wfev1.WorkflowExecution) {
			we.Status.FailureDetails = &details
			we.MarkSucceeded("m")
		}, state{"True/PipelineCreated", "True/PipelineStarted", "True/PipelineSucceeded", wfev1.PhaseCompleted, false}},
		{"a failure", running, func(we *wfev1.WorkflowExecution) { we.MarkFailed("m", details) },
			state{"True/PipelineCreated", "True/PipelineStarted", "False/PipelineFailed", wfev1.PhaseFailed, true}},
		{"a timeout", running, func(we *wfev1.WorkflowExecution) { we.MarkTimedOut("m", details) },
			state{"True/PipelineCreated", "True/PipelineStarted", "False/PipelineTimeout", wfev1.PhaseFailed, true}},
		{"a cancel", running, func(we *wfev1.WorkflowExecution) { we.MarkCancelled("m", details) },
			state{"True/PipelineCreated", "True/PipelineStarted", "False/PipelineCancelled", wfev1.PhaseFailed, true}},
		{"a run gone after it started keeps Running True", running, func(we *wfev1.WorkflowExecution) { we.MarkGone("m", details, at) },
			state{"True/PipelineCreated", "True/PipelineStarted", "False/PipelineFailed", wfev1.PhaseFailed, true}},
		{"a run gone before it started never ran", func() *wfev1.WorkflowExecution {
			we := &wfev1.WorkflowExecution{}
			we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "pr"}, "created")
			we.MarkPending("pending")
			return we
		}, func(we *wfev1.WorkflowExecution) { we.MarkGone("m", details, at) },
			state{"True/PipelineCreated", "False/PipelineFailedToStart", "False/PipelineFailed", wfev1.PhaseFailed, true}},
	}
	produced := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			we := tt.from()
			tt.mark(we)
			assert.Equal(t, tt.want, stateOf(we))
			for _, c := range we.Status.Conditions {
				require.True(t, inVocabulary(c), "%s %s/%s is in the vocabulary", c.Type, c.Status, c.Reason)
				produced[c.Type+"/"+c.Reason] = true
			}
		})
	}
	for _, r := range wfev1.Vocabulary {
		if r.Condition == wfev1.ConditionAuditRecorded || r.Initial != "" {
			continue // audit delivery and the initial state are not run transitions
		}
		assert.True(t, produced[r.Condition+"/"+r.Name], "no transition sets %s %s", r.Condition, r.Name)
	}
}

// inVocabulary says whether the vocabulary lists the condition's reason
// with its status.
func inVocabulary(c metav1.Condition) bool {
	for _, r := range wfev1.Vocabulary {
		if r.Condition == c.Type && r.Status == c.Status && r.Name == c.Reason {
			return true
		}
	}
	return false
}

func TestThePipelineRunKeyDefaultsToTheExecutionsNamespace(t *testing.T) {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "restart"}}
	_, ok := we.PipelineRunKey()
	assert.False(t, ok, "none recorded yet")
	we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "restart-1a2b"}, "created")
	key, ok := we.PipelineRunKey()
	assert.True(t, ok)
	assert.Equal(t, "team-a/restart-1a2b", key.String())
	we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "restart-1a2b", Namespace: "runs"}, "created")
	key, _ = we.PipelineRunKey()
	assert.Equal(t, "runs/restart-1a2b", key.String())
}
