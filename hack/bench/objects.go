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
	"fmt"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// tasks is how many tasks the simulated pipeline runs in sequence.
const tasks = 3

// newWE is a WorkflowExecution as the remediation orchestrator creates one.
func newWE(ns, name string) *wfev1.WorkflowExecution {
	// Where and as whom are recorded here: the product's webhook is
	// registered only while admission is measured.
	return wetest.New(ns, name, wetest.RunIn(ns), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount),
		wetest.Workflow("increase-memory-and-restart", "v1.2.0", "quay.io/kubernaut/workflows/increase-memory-and-restart:v1.2.0"),
		wetest.Target(ns+"/deployment/payment-api"),
		wetest.Params(map[string]string{"TARGET_NAMESPACE": ns, "MEMORY_LIMIT": "1Gi"}),
		wetest.Analysis(0.92, "OOMKilled three times in ten minutes; memory limit below the working set"))
}

// running sets a PipelineRun's status as Tekton's controller writes it while
// task done+1 of the pipeline runs.
func running(pr *tektonv1.PipelineRun, done int, started time.Time) {
	st := metav1.NewTime(started)
	pr.Status.StartTime = &st
	pr.Status.ChildReferences = childRefs(pr, done+1)
	pr.Status.Conditions = duckv1.Conditions{{
		Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown, Reason: tektonv1.PipelineRunReasonRunning.String(),
		Message:            fmt.Sprintf("Tasks Completed: %d (Failed: 0, Cancelled 0), Incomplete: %d, Skipped: 0", done, tasks-done),
		LastTransitionTime: apis.VolatileTime{Inner: metav1.NewTime(time.Now())},
	}}
}

// finished sets a PipelineRun's final status: every task succeeded, or the
// last one failed.
func finished(pr *tektonv1.PipelineRun, succeeded bool) {
	now := metav1.NewTime(time.Now())
	pr.Status.CompletionTime = &now
	pr.Status.ChildReferences = childRefs(pr, tasks)
	c := apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue, Reason: tektonv1.PipelineRunReasonSuccessful.String(),
		Message: fmt.Sprintf("Tasks Completed: %d (Failed: 0, Cancelled 0), Skipped: 0", tasks), LastTransitionTime: apis.VolatileTime{Inner: now}}
	if !succeeded {
		c.Status, c.Reason = corev1.ConditionFalse, tektonv1.PipelineRunReasonFailed.String()
		c.Message = fmt.Sprintf("Tasks Completed: %d (Failed: 1, Cancelled 0), Skipped: 0", tasks)
	}
	pr.Status.Conditions = duckv1.Conditions{c}
}

func childRefs(pr *tektonv1.PipelineRun, n int) []tektonv1.ChildStatusReference {
	refs := make([]tektonv1.ChildStatusReference, n)
	for i := range refs {
		refs[i] = tektonv1.ChildStatusReference{
			TypeMeta:         runtimeTypeMeta,
			Name:             taskRunName(pr, i),
			PipelineTaskName: fmt.Sprintf("step-%d", i+1),
		}
	}
	return refs
}

var runtimeTypeMeta = runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"}

func taskRunName(pr *tektonv1.PipelineRun, i int) string {
	return fmt.Sprintf("%s-step-%d", pr.Name, i+1)
}

// failedTaskRun is the TaskRun of the failed last task, which the reconciler
// reads for failureDetails.
func failedTaskRun(pr *tektonv1.PipelineRun) *tektonv1.TaskRun {
	now := metav1.NewTime(time.Now())
	tr := &tektonv1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: pr.Namespace, Name: taskRunName(pr, tasks-1)},
		Spec:       tektonv1.TaskRunSpec{TaskSpec: &tektonv1.TaskSpec{Steps: []tektonv1.Step{{Name: "restart", Image: "registry.example/tools:1"}}}},
	}
	tr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse,
		Reason: "Failed", Message: `"step-restart" exited with code 1`, LastTransitionTime: apis.VolatileTime{Inner: now}}}
	tr.Status.Steps = []tektonv1.StepState{{Name: "restart", ContainerState: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
	return tr
}

// unrelatedPipelineRun is someone else's PipelineRun, as big as a real one.
func unrelatedPipelineRun(ns, name string) *tektonv1.PipelineRun {
	pr := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app.kubernetes.io/part-of": "ci"},
			Annotations: map[string]string{"ci.example/commit": "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"}},
		Spec: tektonv1.PipelineRunSpec{
			PipelineRef: &tektonv1.PipelineRef{Name: "build-and-test"},
			Params: tektonv1.Params{{Name: "revision", Value: *tektonv1.NewStructuredValues("main")},
				{Name: "repository", Value: *tektonv1.NewStructuredValues("https://git.example/app.git")}},
		},
	}
	running(pr, 1, time.Now())
	return pr
}
