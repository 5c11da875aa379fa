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

package gitops_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/gitops"
)

// The health scripts show, for every reason of the vocabulary that decides a
// WorkflowExecution's health, the health the vocabulary declares.
func TestTheHealthScriptsFollowTheVocabulary(t *testing.T) {
	script, err := gitops.ArgoScript()
	require.NoError(t, err)
	flux, err := gitops.FluxCheck()
	require.NoError(t, err)
	fluxOf := map[wfev1.Health]status.Status{
		wfev1.HealthHealthy: status.CurrentStatus, wfev1.HealthDegraded: status.FailedStatus, wfev1.HealthProgressing: status.InProgressStatus,
	}
	cond := func(typ string, s metav1.ConditionStatus, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: reason, Message: "m"}
	}
	for _, r := range wfev1.Vocabulary {
		if r.Health == "" {
			continue
		}
		t.Run(r.Condition+" "+string(r.Status)+" "+r.Name, func(t *testing.T) {
			// The other deciding condition says what keeps this one deciding.
			var o map[string]any
			switch r.Condition {
			case wfev1.ConditionTektonPipelineComplete:
				o = obj(t, 1, wfev1.PhaseRunning, cond(r.Condition, r.Status, r.Name),
					cond(wfev1.ConditionAuditRecorded, metav1.ConditionTrue, wfev1.ReasonAuditSucceeded))
			default:
				o = obj(t, 1, wfev1.PhaseCompleted, cond(r.Condition, r.Status, r.Name),
					cond(wfev1.ConditionTektonPipelineComplete, metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded))
			}
			h, err := gitops.RunHealthScript(script, o)
			require.NoError(t, err)
			assert.Equal(t, string(r.Health), h.Status, "Argo CD")
			s, err := flux.Status(o)
			require.NoError(t, err)
			assert.Equal(t, fluxOf[r.Health], s, "Flux")
		})
	}
}
