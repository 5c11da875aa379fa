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
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// outcome is the exit code a WorkflowExecution's status calls for, and
// whether its run is over.
func outcome(we *wfev1.WorkflowExecution) (int, bool) {
	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	switch {
	case c == nil || we.Status.ObservedGeneration != we.Generation && we.Status.ObservedGeneration != 0:
		return 0, false // no verdict, or a stale one
	case c.Status == metav1.ConditionTrue:
		return exitSucceeded, true
	case c.Status == metav1.ConditionFalse:
		return exitFailed, true
	}
	return 0, false
}

// summary is the line printed with the verdict.
func summary(we *wfev1.WorkflowExecution) string {
	c := we.Condition(wfev1.ConditionTektonPipelineComplete)
	return fmt.Sprintf("workflowexecution/%s %s: %s", we.Name, c.Reason, c.Message)
}

// wait watches the WorkflowExecution until its run is over or ctx ends.
func wait(ctx context.Context, c client.WithWatch, key client.ObjectKey) (int, string) {
	for {
		we := &wfev1.WorkflowExecution{}
		if err := c.Get(ctx, key, we); err != nil {
			if apierrors.IsNotFound(err) {
				return exitError, fmt.Sprintf("workflowexecution/%s not found in namespace %s", key.Name, key.Namespace)
			}
			if ctx.Err() != nil {
				return exitTimeout, fmt.Sprintf("workflowexecution/%s: timed out waiting for the run to finish", key.Name)
			}
			return exitError, fmt.Sprintf("get workflowexecution/%s: %v", key.Name, err)
		}
		if code, done := outcome(we); done {
			return code, summary(we)
		}
		w, err := c.Watch(ctx, &wfev1.WorkflowExecutionList{}, client.InNamespace(key.Namespace),
			&client.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", key.Name), Raw: &metav1.ListOptions{ResourceVersion: we.ResourceVersion}})
		if err != nil {
			if ctx.Err() != nil {
				return exitTimeout, fmt.Sprintf("workflowexecution/%s: timed out waiting for the run to finish", key.Name)
			}
			return exitError, fmt.Sprintf("watch workflowexecution/%s: %v", key.Name, err)
		}
		code, msg, done := follow(ctx, w, key)
		w.Stop()
		if done {
			return code, msg
		}
		// The watch ended (a timeout of the apiserver's): read again.
	}
}

// follow reads watch events until the run is over, ctx ends or the watch
// closes (done false: start over).
func follow(ctx context.Context, w watch.Interface, key client.ObjectKey) (int, string, bool) {
	for {
		select {
		case <-ctx.Done():
			return exitTimeout, fmt.Sprintf("workflowexecution/%s: timed out waiting for the run to finish", key.Name), true
		case e, ok := <-w.ResultChan():
			if !ok {
				return 0, "", false
			}
			switch e.Type {
			case watch.Deleted:
				return exitError, fmt.Sprintf("workflowexecution/%s was deleted before its run finished", key.Name), true
			case watch.Error:
				return 0, "", false
			}
			we, ok := e.Object.(*wfev1.WorkflowExecution)
			if !ok {
				continue
			}
			if code, done := outcome(we); done {
				return code, summary(we), true
			}
		}
	}
}
