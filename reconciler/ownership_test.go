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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/pod"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestOnlyThePipelineRunWeCreatedIsFollowed(t *testing.T) {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we", UID: "uid-we"},
		Spec: wfev1.WorkflowExecutionSpec{
			WorkflowRef:    wfev1.WorkflowRef{WorkflowID: "restart", Version: "v1", ContainerImage: "quay.io/team/restart:v1"},
			TargetResource: "ns/deployment/web", Parameters: map[string]string{"A": "1"},
		}}
	opts := PipelineRunOptions{PipelineSource: PipelineSourceBundle}
	built := func() *tektonv1.PipelineRun { return opts.buildPipelineRun(we, wfev1.ExecutionPolicy{}) }
	stored := func(uid types.UID, mutate func(*tektonv1.PipelineRun)) *tektonv1.PipelineRun {
		pr := built()
		pr.UID = uid
		if mutate != nil {
			mutate(pr)
		}
		return pr
	}
	recorded := func(uid types.UID) *wfev1.PipelineRunReference {
		return &wfev1.PipelineRunReference{Name: PipelineRunName(we), UID: uid}
	}
	tests := []struct {
		name   string
		ref    *wfev1.PipelineRunReference
		pr     *tektonv1.PipelineRun
		ours   bool
		reason string
	}{
		{"the PipelineRun whose UID is recorded is ours", recorded("uid-pr"), stored("uid-pr", nil), true, ""},
		{"another UID under our name and labels is an impostor", recorded("uid-pr"), stored("uid-other", nil), false,
			"is not the one this WorkflowExecution created (uid uid-pr): it was replaced by an impostor"},
		{"a reference from v0.1.0 without a UID adopts on the labels", &wfev1.PipelineRunReference{Name: PipelineRunName(we)},
			stored("uid-old", func(pr *tektonv1.PipelineRun) { pr.Spec = tektonv1.PipelineRunSpec{} }), true, ""},
		{"before a UID is recorded, the spec we build is ours", nil, stored("uid-pr", nil), true, ""},
		{"before a UID is recorded, the spec we build defaulted by Tekton is ours", nil, stored("uid-pr", func(pr *tektonv1.PipelineRun) {
			pr.Spec.Timeouts = &tektonv1.TimeoutFields{Pipeline: &metav1.Duration{Duration: time.Hour}}
			pr.Spec.TaskRunTemplate.ServiceAccountName = "default"
		}), true, ""},
		{"before a UID is recorded, another bundle is an impostor", nil, stored("uid-pr", func(pr *tektonv1.PipelineRun) {
			pr.Spec.PipelineRef.Params[0].Value = *tektonv1.NewStructuredValues("quay.io/evil/restart:v1")
		}), false, "a spec this WorkflowExecution did not build: an impostor"},
		{"before a UID is recorded, another ServiceAccount is an impostor", nil, stored("uid-pr", func(pr *tektonv1.PipelineRun) {
			pr.Spec.TaskRunTemplate.ServiceAccountName = "powerful"
		}), false, "did not build"},
		{"before a UID is recorded, an added pod template is an impostor", nil, stored("uid-pr", func(pr *tektonv1.PipelineRun) {
			pr.Spec.TaskRunTemplate.PodTemplate = &pod.PodTemplate{HostNetwork: true}
		}), false, "did not build"},
		{"labels of another WorkflowExecution are never ours", recorded("uid-pr"), stored("uid-pr", func(pr *tektonv1.PipelineRun) {
			pr.Labels[wfev1.LabelWorkflowExecutionUID] = "another-uid"
		}), false, "belongs to another WorkflowExecution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := we.DeepCopy()
			w.Status.PipelineRunRef = tt.ref
			var b *tektonv1.PipelineRun
			if tt.ref == nil {
				b = built()
			}
			ok, why := claim(w, tt.pr, b)
			assert.Equal(t, tt.ours, ok, why)
			assert.Contains(t, why, tt.reason)
		})
	}
}

func TestAReplacedPipelineRunEndsTheRunNamingTheImpostor(t *testing.T) {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we", Generation: 1}}
	wfev1.EnsureConditions(&we.Status, 1)
	applyCreated(we, "ns", "we-1a2b3c4d", "uid-pr")
	applyPipelineRunReplaced(we, "PipelineRun ns/we-1a2b3c4d (uid uid-x) is not the one this WorkflowExecution created", metav1.Now())
	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	assert.Equal(t, metav1.ConditionFalse, c.Status)
	assert.Equal(t, wfev1.ReasonPipelineFailed, c.Reason)
	assert.Contains(t, c.Message, "uid-x")
	assert.Equal(t, wfev1.PhaseFailed, we.Status.Phase)
	assert.Equal(t, types.UID("uid-pr"), we.Status.PipelineRunRef.UID, "the record keeps what we created")
}

func TestNoRunGoesToTheControllersNamespace(t *testing.T) {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "we"},
		Spec: wfev1.WorkflowExecutionSpec{WorkflowRef: wfev1.WorkflowRef{ContainerImage: "quay.io/team/restart:v1"},
			ExecutionConfig: &wfev1.ExecutionConfig{Namespace: "team-a", ServiceAccountName: "runner"}}}
	_, err := checkRun(wfev1.ExecutionPolicy{}, "wfe-conditions-system", we)
	assert.NoError(t, err)
	we.Spec.ExecutionConfig.Namespace = "wfe-conditions-system"
	_, err = checkRun(wfev1.ExecutionPolicy{ExecutionNamespace: "wfe-conditions-system"}, "wfe-conditions-system", we)
	assert.ErrorContains(t, err, "may not run in namespace wfe-conditions-system, the controller's own")
	we.Namespace = "wfe-conditions-system"
	class, err := checkRun(wfev1.ExecutionPolicy{}, "wfe-conditions-system", we)
	assert.Error(t, err)
	assert.Equal(t, wfev1.FailureReasonForbidden, class)
}

func TestARunStaysWhereAdmissionRecordedIt(t *testing.T) {
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "we"},
		Spec: wfev1.WorkflowExecutionSpec{WorkflowRef: wfev1.WorkflowRef{ContainerImage: "quay.io/team/restart:v1"},
			ExecutionConfig: &wfev1.ExecutionConfig{Namespace: "shared-a", ServiceAccountName: "runner"}}}
	cases := []struct {
		name   string
		policy wfev1.ExecutionPolicy
		err    string
	}{
		{name: "the policy that admitted it runs it", policy: wfev1.ExecutionPolicy{ExecutionNamespace: "shared-a"}},
		{name: "a changed default ServiceAccount changes nothing",
			policy: wfev1.ExecutionPolicy{ExecutionNamespace: "shared-a", DefaultServiceAccount: "powerful"}},
		{name: "another execution namespace refuses it, naming both fields",
			policy: wfev1.ExecutionPolicy{ExecutionNamespace: "shared-b"},
			err:    "admission recorded spec.executionConfig.namespace shared-a and spec.executionConfig.serviceAccountName runner, but the execution policy now runs WorkflowExecutions of namespace team-a in shared-b"},
		{name: "own-namespace mode refuses it too", policy: wfev1.ExecutionPolicy{}, err: "now runs WorkflowExecutions of namespace team-a in team-a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			class, err := checkRun(tc.policy, "wfe-conditions-system", we)
			if tc.err == "" {
				require.NoError(t, err)
				pr := PipelineRunOptions{ExecutionNamespace: tc.policy.ExecutionNamespace}.buildPipelineRun(we, tc.policy)
				assert.Equal(t, "shared-a", pr.Namespace)
				assert.Equal(t, "runner", pr.Spec.TaskRunTemplate.ServiceAccountName, "verbatim, whatever the policy's default")
				return
			}
			require.ErrorContains(t, err, tc.err)
			assert.Equal(t, wfev1.FailureReasonForbidden, class)
		})
	}
}
