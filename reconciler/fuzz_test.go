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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// FuzzApplyPipelineRun feeds arbitrary Tekton conditions, messages and child
// counts through the mapping, twice in a row, and checks the invariants:
// four conditions, stamped with the generation, no regression, a phase that
// agrees with TektonPipelineComplete.
func FuzzApplyPipelineRun(f *testing.F) {
	f.Add("Unknown", "Running", "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0", 1, true, "True", "Succeeded", "", 3)
	f.Add("False", "CouldntGetPipeline", "", 0, true, "False", "Failed", "x", 0)
	f.Add("", "", "", 0, false, "Unknown", "PipelineRunPending", "", 0)
	f.Fuzz(func(t *testing.T, s1, r1, m1 string, kids1 int, started1 bool, s2, r2, m2 string, kids2 int) {
		we := initialWE()
		prev := we.DeepCopy()
		for _, obs := range []struct {
			status, reason, msg string
			kids                int
			started             bool
		}{{s1, r1, m1, kids1, started1}, {s2, r2, m2, kids2, true}} {
			var opts []prOpt
			if obs.started {
				opts = append(opts, started)
			}
			for i := 0; i < obs.kids%8 && obs.kids > 0; i++ {
				opts = append(opts, withChildren("t"))
			}
			pr := pipelineRun(corev1.ConditionStatus(obs.status), obs.reason, obs.msg, opts...)
			applyPipelineRun(we, pr, nil, nil)
			checkInvariants(t, prev, we)
			prev = we.DeepCopy()
		}
	})
}

func checkInvariants(t *testing.T, before, after *wfev1.WorkflowExecution) {
	t.Helper()
	if len(after.Status.Conditions) != 4 {
		t.Fatalf("want 4 conditions, got %d", len(after.Status.Conditions))
	}
	for _, c := range after.Status.Conditions {
		if c.ObservedGeneration != after.Generation || c.Reason == "" {
			t.Fatalf("condition %s: generation %d, reason %q", c.Type, c.ObservedGeneration, c.Reason)
		}
	}
	status := func(we *wfev1.WorkflowExecution, typ string) metav1.ConditionStatus { return we.Condition(typ).Status }
	if status(before, wfev1.ConditionTektonPipelineRunning) == metav1.ConditionTrue && status(after, wfev1.ConditionTektonPipelineRunning) != metav1.ConditionTrue {
		t.Fatal("TektonPipelineRunning went back from True")
	}
	if b := before.Condition(wfev1.ConditionTektonPipelineComplete); b.Status != metav1.ConditionUnknown {
		if a := after.Condition(wfev1.ConditionTektonPipelineComplete); a.Status != b.Status || a.Reason != b.Reason {
			t.Fatalf("a finished TektonPipelineComplete changed from %s/%s to %s/%s", b.Status, b.Reason, a.Status, a.Reason)
		}
	}
	want := map[metav1.ConditionStatus]wfev1.Phase{metav1.ConditionTrue: wfev1.PhaseCompleted, metav1.ConditionFalse: wfev1.PhaseFailed}
	if p, ok := want[status(after, wfev1.ConditionTektonPipelineComplete)]; ok && after.Status.Phase != p {
		t.Fatalf("phase %s disagrees with TektonPipelineComplete", after.Status.Phase)
	}
}

// FuzzTheStatusIsValidAgainstTheCRD builds a status from arbitrary Tekton,
// TaskRun and DataStorage input, the way the reconciler does, and checks it
// against the generated CRD's schema and CEL rules, its size and the
// uniqueness of condition types: no input may make our own write invalid.
func FuzzTheStatusIsValidAgainstTheCRD(f *testing.F) {
	f.Add("False", "Failed", "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0", "deploy", "apply", "Failed", "exit 1", "DataStorage answered 503", true)
	f.Add("True", "Succeeded", "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0", "", "", "", "", "", false)
	f.Add("Unknown", "Running", strings.Repeat("ü", 20_000), "", "", "", "", strings.Repeat("x", 40_000), false)
	f.Add("False", "PipelineRunTimeout", strings.Repeat("\xff", 40_000), strings.Repeat("t", 300), "s", "TaskRunTimeout", strings.Repeat("m", 40_000), "", true)
	f.Fuzz(func(t *testing.T, status, reason, message, task, step, taskReason, taskMessage, deliveryErr string, final bool) {
		old := validWE()
		we := old.DeepCopy()
		pr := pipelineRun(corev1.ConditionStatus(status), reason, message, started, finished,
			withChildren("build", "deploy"), withPipeline([]string{"build", "deploy"}, []string{"notify"}))
		var failure *taskFailure
		if task != "" {
			code := int32(3)
			failure = &taskFailure{Name: task, Step: step, ExitCode: &code, Reason: taskReason, Message: taskMessage}
		}
		applyPipelineRun(we, pr, failure, nil)
		due := []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}
		c := auditCondition(true, due, due[:1], auditDelivery{queued: true, err: deliveryErr, final: final})
		we.SetAuditRecorded(c.Status, c.Reason, c.Message)
		we.Status.AuditedEvents = due[:1]
		assertValidStatus(t, old, we)

		refused := we.DeepCopy()
		withholdOutsideInput(refused)
		assertValidStatus(t, old, refused)
	})
}

// validWE is a WorkflowExecution the apiserver accepts, with its first status.
func validWE() *wfev1.WorkflowExecution {
	we := initialWE()
	we.UID = "uid-1"
	we.Spec = wfev1.WorkflowExecutionSpec{
		RemediationRequestRef: corev1.ObjectReference{Name: "rr-1"},
		WorkflowRef:           wfev1.WorkflowRef{WorkflowID: "restart", Version: "1", ContainerImage: "registry.example/restart:1"},
		TargetResource:        "ns/deployment/web",
	}
	return we
}
