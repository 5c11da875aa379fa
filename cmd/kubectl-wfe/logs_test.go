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
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Which container's log "kubectl wfe logs --failed" reads, and why it exits 3
// when there is none: the lookup alone, on a fake client.
func TestLogsFailedReadsTheFailedStepOrSaysWhyNot(t *testing.T) {
	failedWE := func() *wfev1.WorkflowExecution {
		we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "restart"}}
		we.MarkPipelineCreated(wfev1.PipelineRunReference{Name: "wfe-1", UID: "pr-uid"}, "created")
		we.MarkFailed("failed", wfev1.FailureDetails{Reason: wfev1.FailureReasonTaskFailed, FailedTaskName: "deploy", FailedStepName: "apply"})
		return we
	}
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "wfe-1", UID: "pr-uid"}}
	taskRun := func(task, pod string, owner types.UID) *tektonv1.TaskRun {
		tr := &tektonv1.TaskRun{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "wfe-1-" + task + "-" + string(owner),
			Labels:          map[string]string{"tekton.dev/pipelineRun": "wfe-1", "tekton.dev/pipelineTask": task},
			OwnerReferences: []metav1.OwnerReference{{Kind: "PipelineRun", Name: "wfe-1", UID: owner, Controller: new(bool)}}}}
		*tr.OwnerReferences[0].Controller = true
		tr.Status.PodName = pod
		return tr
	}
	podGone := apierrors.NewNotFound(corev1.Resource("pods"), "wfe-1-deploy-pod")
	tests := []struct {
		name    string
		objects []client.Object
		logErr  error
		code    int
		says    string
	}{
		{"the failed step's container of the failed task's pod is read",
			[]client.Object{failedWE(), pr, taskRun("build", "wfe-1-build-pod", "pr-uid"), taskRun("deploy", "wfe-1-deploy-pod", "pr-uid"),
				taskRun("deploy", "earlier-pod", "older-pr-uid")},
			nil, exitSucceeded, "team-a/wfe-1-deploy-pod/step-apply: applying"},
		{"a WorkflowExecution that does not exist", nil, nil, exitError, "workflowexecution/restart not found in namespace team-a"},
		{"a run that did not fail has no failed step",
			[]client.Object{func() *wfev1.WorkflowExecution {
				we := failedWE()
				we.Status.FailureDetails = nil
				we.MarkSucceeded("ok")
				return we
			}()}, nil, exitError, "has no failed step (phase Completed)"},
		{"a pruned run says its logs went with it", []client.Object{failedWE()}, nil, exitError,
			"PipelineRun team-a/wfe-1 of workflowexecution/restart was pruned or deleted"},
		{"a run retention pruned says when", []client.Object{func() *wfev1.WorkflowExecution {
			we := failedWE()
			we.Status.PipelineRunPrunedAt = &metav1.Time{Time: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
			return we
		}(), pr}, nil, exitError, "PipelineRun wfe-1 of workflowexecution/restart was pruned at 2026-01-01T12:00:00Z (retention)"},
		{"another PipelineRun under the same name is not this run's",
			[]client.Object{failedWE(), &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "wfe-1", UID: "other"}}},
			nil, exitError, "was pruned or deleted"},
		{"a pod gone says so", []client.Object{failedWE(), pr, taskRun("deploy", "wfe-1-deploy-pod", "pr-uid")}, podGone, exitError,
			"pod team-a/wfe-1-deploy-pod of the failed task deploy is gone"},
		{"a TaskRun gone says so", []client.Object{failedWE(), pr}, nil, exitError, "no TaskRun of the failed task deploy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fake.NewClientBuilder().WithScheme(pluginScheme(t)).WithObjects(tt.objects...).WithStatusSubresource(&wfev1.WorkflowExecution{}).Build()
			logs := func(_ context.Context, ns, pod, container string) (string, error) {
				return ns + "/" + pod + "/" + container + ": applying", tt.logErr
			}
			code, out := failedStepLogs(t.Context(), c, client.ObjectKey{Namespace: "team-a", Name: "restart"}, logs)
			assert.Equal(t, tt.code, code, out)
			assert.Contains(t, out, tt.says)
		})
	}
}
