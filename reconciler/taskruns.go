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
	"context"
	"errors"
	"fmt"
	"strings"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// failedTask finds the failed TaskRun among the PipelineRun's children. It reads
// the apiserver directly: TaskRuns are read once per failed run, not cached.
func (r *Reconciler) failedTask(ctx context.Context, pr *tektonv1.PipelineRun) (*taskFailure, error) {
	for _, ref := range pr.Status.ChildReferences {
		if ref.Kind != "TaskRun" {
			continue
		}
		tr, err := r.getTaskRun(ctx, pr.Namespace, ref.Name)
		if err != nil {
			return nil, err
		}
		if tr == nil {
			continue
		}
		c := tr.Status.GetCondition(apis.ConditionSucceeded)
		if c == nil || !c.IsFalse() {
			continue
		}
		ft := &taskFailure{Name: ref.PipelineTaskName, Reason: c.Reason, Message: strings.TrimSpace(c.Message)}
		for _, step := range tr.Status.Steps {
			if t := step.Terminated; t != nil && t.ExitCode != 0 {
				code := t.ExitCode
				ft.Step, ft.ExitCode = step.Name, &code
				break
			}
		}
		return ft, nil
	}
	return nil, errNoFailedTask
}

var errNoFailedTask = errors.New("no failed TaskRun found")

// getTaskRun reads a child TaskRun from the apiserver (TaskRuns are not
// cached); nil when it is gone.
func (r *Reconciler) getTaskRun(ctx context.Context, namespace, name string) (*tektonv1.TaskRun, error) {
	tr := &tektonv1.TaskRun{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, tr); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get TaskRun %s/%s: %w", namespace, name, err)
	}
	return tr, nil
}
