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
	"errors"
	"fmt"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// podLogs returns a container's log; the plugin reads it through the
// apiserver (client-go), tests give their own.
type podLogs func(ctx context.Context, namespace, pod, container string) (string, error)

// failedStepLogs finds the failed step's container, the pod of the failed
// task's TaskRun, and returns its log. Each way of not getting there exits 3
// with what is missing: nothing failed, the run is pruned, the pod is gone.
func failedStepLogs(ctx context.Context, c client.Client, key client.ObjectKey, logs podLogs) (int, string) {
	we, pr, msg := failedRun(ctx, c, key)
	if msg != "" {
		return exitError, msg
	}
	fd, ns := we.Status.FailureDetails, pr.Namespace
	pod, err := failedPod(ctx, c, pr, fd.FailedTaskName)
	if err != nil {
		return exitError, err.Error()
	}
	container := "step-" + fd.FailedStepName
	out, err := logs(ctx, ns, pod, container)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return exitError, fmt.Sprintf("pod %s/%s of the failed task %s is gone: its logs went with it", ns, pod, fd.FailedTaskName)
		}
		return exitError, fmt.Sprintf("logs of %s/%s container %s: %v", ns, pod, container, err)
	}
	return exitSucceeded, out
}

// failedRun reads the failed WorkflowExecution and its PipelineRun, or says
// why it cannot.
func failedRun(ctx context.Context, c client.Client, key client.ObjectKey) (*wfev1.WorkflowExecution, *tektonv1.PipelineRun, string) {
	we, msg := getExecution(ctx, c, key)
	if we == nil {
		return nil, nil, msg
	}
	fd := we.Status.FailureDetails
	if fd == nil || fd.FailedTaskName == "" || fd.FailedStepName == "" {
		return nil, nil, fmt.Sprintf("workflowexecution/%s has no failed step (phase %s): nothing to show", key.Name, orDash(string(we.Status.Phase)))
	}
	ref := we.Status.PipelineRunRef
	if ref == nil {
		return nil, nil, fmt.Sprintf("workflowexecution/%s has no PipelineRun", key.Name)
	}
	if at := we.Status.PipelineRunPrunedAt; at != nil {
		return nil, nil, fmt.Sprintf("PipelineRun %s of workflowexecution/%s was pruned at %s (retention): its TaskRuns, pods and logs went with it "+
			"(the failure stays in the WorkflowExecution's status: kubectl wfe describe %s)", ref.Name, key.Name, at.UTC().Format(time.RFC3339), key.Name)
	}
	prKey, _ := we.PipelineRunKey()
	pr := &tektonv1.PipelineRun{}
	err := c.Get(ctx, prKey, pr)
	switch {
	case apierrors.IsNotFound(err) || (err == nil && ref.UID != "" && pr.UID != ref.UID):
		return nil, nil, fmt.Sprintf("PipelineRun %s of workflowexecution/%s was pruned or deleted: its TaskRuns, pods and logs went with it "+
			"(the failure stays in the WorkflowExecution's status: kubectl wfe describe %s)", prKey, key.Name, key.Name)
	case err != nil:
		return nil, nil, fmt.Sprintf("get PipelineRun %s: %v", prKey, err)
	}
	return we, pr, ""
}

// getExecution reads the WorkflowExecution, or says why it cannot.
func getExecution(ctx context.Context, c client.Client, key client.ObjectKey) (*wfev1.WorkflowExecution, string) {
	we := &wfev1.WorkflowExecution{}
	if err := c.Get(ctx, key, we); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Sprintf("workflowexecution/%s not found in namespace %s", key.Name, key.Namespace)
		}
		return nil, fmt.Sprintf("get workflowexecution/%s: %v", key.Name, err)
	}
	return we, ""
}

// failedPod is the pod of the PipelineRun's TaskRun for the named task.
func failedPod(ctx context.Context, c client.Client, pr *tektonv1.PipelineRun, task string) (string, error) {
	list := &tektonv1.TaskRunList{}
	if err := c.List(ctx, list, client.InNamespace(pr.Namespace),
		client.MatchingLabels{"tekton.dev/pipelineRun": pr.Name, "tekton.dev/pipelineTask": task}); err != nil {
		return "", fmt.Errorf("list TaskRuns of PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	for i := range list.Items {
		if tr := &list.Items[i]; ownedBy(tr, pr.UID) {
			if tr.Status.PodName == "" {
				return "", fmt.Errorf("TaskRun %s/%s of the failed task %s has no pod", tr.Namespace, tr.Name, task)
			}
			return tr.Status.PodName, nil
		}
	}
	return "", errors.New("no TaskRun of the failed task " + task + " in PipelineRun " + pr.Namespace + "/" + pr.Name + " (pruned or deleted)")
}
