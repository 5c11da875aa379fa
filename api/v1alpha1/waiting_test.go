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
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestAWaitingCauseIsReadBackFromTheMessageThatCarriesIt(t *testing.T) {
	progress := "Tekton PipelineRun ns/pr is executing task build (0 of 1 complete)"
	for _, cause := range wfev1.WaitingCauses {
		msg := wfev1.WithWaiting(progress, cause, `task build: image "x:v1" cannot be pulled`)
		assert.True(t, strings.HasPrefix(msg, progress), msg)
		got, detail, ok := wfev1.WaitingOf(msg)
		assert.True(t, ok, msg)
		assert.Equal(t, cause, got)
		assert.Equal(t, `task build: image "x:v1" cannot be pulled`, detail)
	}
	_, _, ok := wfev1.WaitingOf(progress)
	assert.False(t, ok, "a run that does not wait has no cause")

	long := wfev1.WithWaiting(progress, wfev1.WaitingOther, strings.Repeat("x", 5000))
	_, detail, _ := wfev1.WaitingOf(long)
	assert.LessOrEqual(t, len(detail), wfev1.MaxWaitingDetail, "the detail is bounded")
}
