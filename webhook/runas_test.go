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
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/webhook"
)

type staticPolicy struct {
	p   wfev1.ExecutionPolicy
	err error
}

func (s staticPolicy) ExecutionPolicy(context.Context) (wfev1.ExecutionPolicy, error) {
	return s.p, s.err
}

func TestTheCreateHandlerRecordsWhereAndAsWhomARunExecutes(t *testing.T) {
	shared := wfev1.ExecutionPolicy{ExecutionNamespace: "kubernaut-workflows", DefaultServiceAccount: "runner"}
	tests := []struct {
		name            string
		policy          wfev1.ExecutionPolicy
		executionConfig string // JSON, "" for none
		want            map[string]any
	}{
		{name: "nothing set: the WE's own namespace and Tekton's default ServiceAccount",
			want: map[string]any{"namespace": "default", "serviceAccountName": "default"}},
		{name: "nothing set in execution-namespace mode: the policy's namespace and default ServiceAccount", policy: shared,
			want: map[string]any{"namespace": "kubernaut-workflows", "serviceAccountName": "runner"}},
		{name: "a ServiceAccount the creator named is kept", policy: shared, executionConfig: `{"serviceAccountName": "mine", "timeout": "1h"}`,
			want: map[string]any{"namespace": "kubernaut-workflows", "serviceAccountName": "mine", "timeout": "1h"}},
		{name: "a namespace the creator named is kept, for the admission policy to judge", policy: shared,
			executionConfig: `{"namespace": "elsewhere"}`,
			want:            map[string]any{"namespace": "elsewhere", "serviceAccountName": "runner"}},
		{name: "empty values count as absent", executionConfig: `{"namespace": "", "serviceAccountName": ""}`,
			want: map[string]any{"namespace": "default", "serviceAccountName": "default"}},
		{name: "a null executionConfig is replaced", executionConfig: `null`,
			want: map[string]any{"namespace": "default", "serviceAccountName": "default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			object := `{"metadata": {"labels": {}}, "spec": {"workflowRef": {"workflowId": "wf"}}}`
			if tt.executionConfig != "" {
				object = `{"metadata": {"labels": {}}, "spec": {"workflowRef": {"workflowId": "wf"}, "executionConfig": ` + tt.executionConfig + `}}`
			}
			h := webhook.CreateHandler{Policy: staticPolicy{p: tt.policy}}
			resp := handle(t, h, review("CREATE", "", "WorkflowExecution", object))
			require.True(t, resp.Allowed, resp.Result)
			spec := applied(t, object, resp)["spec"].(map[string]any)
			assert.Equal(t, tt.want, spec["executionConfig"])
		})
	}
}

func TestTheCreateHandlerRefusesWhatItCannotRecord(t *testing.T) {
	h := webhook.CreateHandler{Policy: staticPolicy{err: errors.New("ValidatingAdmissionPolicy wfe-conditions-execution not found")}}
	resp := handle(t, h, review("CREATE", "", "WorkflowExecution", we("", "")))
	require.False(t, resp.Allowed)
	assert.Contains(t, resp.Result.Message, "cannot record where and as whom this WorkflowExecution runs")
	assert.Contains(t, resp.Result.Message, "not found")

	set := `{"metadata": {}, "spec": {"workflowRef": {"workflowId": "wf"}, "executionConfig": {"namespace": "default", "serviceAccountName": "x"}}}`
	resp = handle(t, h, review("CREATE", "", "WorkflowExecution", set))
	assert.True(t, resp.Allowed, "a creator who recorded both needs no policy from us")
}
