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

package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestTheExitCodeFollowsTheRun(t *testing.T) {
	we := func(status metav1.ConditionStatus, reason string) *wfev1.WorkflowExecution {
		w := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Name: "we", Generation: 1}}
		w.Status.ObservedGeneration = 1
		wfev1.EnsureConditions(&w.Status, 1)
		if status != "" {
			w.SetTektonPipelineComplete(status, reason, "m")
		}
		return w
	}
	tests := []struct {
		name string
		we   *wfev1.WorkflowExecution
		code int
		done bool
	}{
		{"a succeeded run exits 0", we(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded), exitSucceeded, true},
		{"a failed run exits 1", we(metav1.ConditionFalse, wfev1.ReasonPipelineFailed), exitFailed, true},
		{"a timed-out run exits 1", we(metav1.ConditionFalse, wfev1.ReasonPipelineTimeout), exitFailed, true},
		{"a cancelled run exits 1", we(metav1.ConditionFalse, wfev1.ReasonPipelineCancelled), exitFailed, true},
		{"a run whose PipelineRun could not be created exits 1", we(metav1.ConditionFalse, wfev1.ReasonPipelineFailed), exitFailed, true},
		{"a running run is not over", we(metav1.ConditionUnknown, wfev1.ReasonPipelineRunning), 0, false},
		{"a run without conditions yet is not over", &wfev1.WorkflowExecution{}, 0, false},
		{"a verdict of an older generation is not trusted", func() *wfev1.WorkflowExecution {
			w := we(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded)
			w.Generation = 2
			return w
		}(), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, done := outcome(tt.we)
			assert.Equal(t, tt.done, done)
			assert.Equal(t, tt.code, code)
		})
	}
}

func TestUsageErrorsExit3(t *testing.T) {
	for _, args := range [][]string{nil, {"wait"}, {"describe"}, {"prune", "x"}, {"wait", "a", "b"}, {"--no-such-flag"}, {"logs", "x"}} {
		var out, errOut bytes.Buffer
		assert.Equal(t, exitError, run(args, &out, &errOut), "%v", args)
		assert.Contains(t, errOut.String(), "usage: kubectl wfe wait NAME", "%v", args)
	}
}
