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
	"fmt"
	"regexp"
	"strconv"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// observation is what the reconciler read of its PipelineRun, gathered once:
// each condition's decision (decisions.go) reads only this.
type observation struct {
	pr *tektonv1.PipelineRun
	// name is namespace/name, for messages.
	name string
	// succeeded is Tekton's Succeeded condition, nil before Tekton's first word.
	succeeded *apis.Condition
	// started: the run began executing (or the WorkflowExecution already said so).
	started bool
	// completed and total tasks, when Tekton's message counts them (counted).
	completed, total int
	counted          bool
	// failed names the failed task, when the caller looked it up.
	failed *taskFailure
	// wait says why a task of the running run waits, when one does.
	wait *taskWait
	// cancel says who asked to cancel the run and why ("" when nobody did).
	cancel string
}

func observationOf(we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun, failed *taskFailure, wait *taskWait) observation {
	o := observation{pr: pr, name: pr.Namespace + "/" + pr.Name, succeeded: pr.Status.GetCondition(apis.ConditionSucceeded), failed: failed, wait: wait,
		started: hasStarted(pr) || isTrue(we, wfev1.ConditionTektonPipelineRunning)}
	if o.succeeded != nil {
		o.completed, o.total, o.counted = taskCounts(o.succeeded.Message)
	}
	o.cancel, _ = we.CancelRequest()
	return o
}

// finished says whether Tekton's Succeeded condition is final.
func (o observation) finished() bool {
	return o.succeeded != nil && o.succeeded.Status != corev1.ConditionUnknown
}

// taskFailure is what the failed TaskRun of a PipelineRun says.
type taskFailure struct {
	// Name is the pipeline task's name.
	Name string
	// Step is the failed step, when known.
	Step string
	// ExitCode of the failed step, when known.
	ExitCode *int32
	// Reason and Message of the TaskRun's Succeeded condition.
	Reason, Message string
}

// notStartedReasons are Tekton's Unknown reasons of a PipelineRun that has not
// begun executing its pipeline.
var notStartedReasons = map[string]bool{
	tektonv1.PipelineRunReasonPending.String():              true,
	tektonv1.PipelineRunReasonResolvingPipelineRef.String(): true,
}

// hasStarted says whether the PipelineRun began executing: Tekton reports it
// running (startTime with an Unknown reason other than pending or resolving),
// it created a TaskRun, or it succeeded. Tekton stamps startTime before
// resolving the pipeline, so a resolution failure alone is no start.
func hasStarted(pr *tektonv1.PipelineRun) bool {
	if len(pr.Status.ChildReferences) > 0 {
		return true
	}
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case c == nil:
		return false
	case c.Status == corev1.ConditionTrue:
		return true
	case c.Status == corev1.ConditionUnknown:
		return pr.Status.StartTime != nil && !notStartedReasons[c.Reason]
	default:
		return false
	}
}

// tasksMessage matches Tekton's progress message, e.g. "Tasks Completed: 1
// (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0".
var tasksMessage = regexp.MustCompile(`Tasks Completed: (\d+) \(Failed: (\d+), Cancelled:? (\d+)\)(?:, Incomplete: (\d+))?, Skipped: (\d+)`)

// taskCounts returns completed and total tasks from Tekton's message, or ok
// false when the message does not report them.
func taskCounts(message string) (completed, total int, ok bool) {
	m := tasksMessage.FindStringSubmatch(message)
	if m == nil {
		return 0, 0, false
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	completed = n(m[1])
	return completed, completed + n(m[4]) + n(m[5]), true
}

// progress describes a running PipelineRun for the TektonPipelineRunning message.
func progress(pr *tektonv1.PipelineRun, completed, total int, counted bool) string {
	name := pr.Namespace + "/" + pr.Name
	if !counted {
		return fmt.Sprintf("Tekton PipelineRun %s has started", name)
	}
	inFlight := len(pr.Status.ChildReferences) - completed
	switch {
	case inFlight == 1:
		last := pr.Status.ChildReferences[len(pr.Status.ChildReferences)-1]
		return fmt.Sprintf("Tekton PipelineRun %s is executing task %s (%d of %d complete)", name, last.PipelineTaskName, completed, total)
	case inFlight > 1:
		return fmt.Sprintf("Tekton PipelineRun %s is executing %d tasks (%d of %d complete)", name, inFlight, completed, total)
	default:
		return fmt.Sprintf("Tekton PipelineRun %s is running (%d of %d tasks complete)", name, completed, total)
	}
}
