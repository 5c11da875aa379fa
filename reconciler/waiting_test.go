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
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func taskRunSaying(status corev1.ConditionStatus, reason, message string) *tektonv1.TaskRun {
	tr := &tektonv1.TaskRun{}
	tr.Status.Conditions = duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: message}}
	return tr
}

func TestATaskRunSaysWhyItWaitsOrThatItsPodMustBeRead(t *testing.T) {
	tests := []struct {
		name    string
		tr      *tektonv1.TaskRun
		want    string // "Cause: detail", "" for none
		readPod bool
	}{
		{"an image Tekton cannot pull is named, not the kubelet's changing words", taskRunSaying(corev1.ConditionUnknown, "PullImageFailed",
			`build step "step-apply" is pending with reason "Back-off pulling image \"127.0.0.1:1/missing:v1\": ErrImagePull: failed to pull"`),
			`ImagePull: task build: image "127.0.0.1:1/missing:v1" cannot be pulled`, false},
		{"a pull message without an image is kept as it is", taskRunSaying(corev1.ConditionUnknown, "PullImageFailed", "pull failed"),
			"ImagePull: task build: pull failed", false},
		{"a quota refusal is told without the pod's generated name", taskRunSaying(corev1.ConditionUnknown, "ExceededResourceQuota",
			`TaskRun Pod exceeded available resources: pods "pr-x-build-pod" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0`),
			"Quota: task build: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0", false},
		{"a pod beyond every node's resources is unschedulable, and its pod says which", taskRunSaying(corev1.ConditionUnknown, "ExceededNodeResources",
			"TaskRun Pod exceeded available resources"), "Unschedulable: task build: TaskRun Pod exceeded available resources", true},
		{"a pending pod is read", taskRunSaying(corev1.ConditionUnknown, "Pending", `pod status "Initialized":"False"`), "", true},
		{"an executing task does not wait", taskRunSaying(corev1.ConditionUnknown, "Running", "Not all Steps in the Task have finished executing"), "", false},
		{"a finished task does not wait", taskRunSaying(corev1.ConditionFalse, "TaskRunImagePullFailed", "gave up"), "", false},
		{"a task Tekton has not reported on does not wait yet", &tektonv1.TaskRun{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, readPod := taskRunWait("build", tt.tr)
			assert.Equal(t, tt.want, waitString(w))
			assert.Equal(t, tt.readPod, readPod)
		})
	}
}

func waitString(w *taskWait) string {
	if w == nil {
		return ""
	}
	return string(w.Cause) + ": " + w.Detail()
}

func pendingPod(scheduled corev1.PodCondition, statuses ...corev1.ContainerStatus) *corev1.Pod {
	pod := &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{scheduled}}}
	pod.Status.InitContainerStatuses = statuses[:1]
	pod.Status.ContainerStatuses = statuses[1:]
	return pod
}

func waiting(name, reason, message string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Image: "127.0.0.1:1/missing:v1", State: corev1.ContainerState{
		Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}}
}

func TestAPendingPodSaysWhyItWaitsOrThatOnlyItsEventsCan(t *testing.T) {
	scheduled := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}
	unschedulable := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		Message: "0/1 nodes are available: 1 Insufficient cpu."}
	initDone := corev1.ContainerStatus{Name: "prepare", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}
	tests := []struct {
		name       string
		pod        *corev1.Pod
		want       string
		readEvents bool
	}{
		{"a pod no node takes is unschedulable, in the scheduler's words", pendingPod(unschedulable, waiting("prepare", "", "")),
			"Unschedulable: task build: 0/1 nodes are available: 1 Insufficient cpu.", false},
		{"a step whose image cannot be pulled names the image", pendingPod(scheduled, initDone, waiting("step-apply", "ImagePullBackOff", "Back-off")),
			`ImagePull: task build: image "127.0.0.1:1/missing:v1" cannot be pulled`, false},
		{"a container waiting for another named reason is Other", pendingPod(scheduled, initDone, waiting("step-apply", "CreateContainerError", "no such file")),
			"Other: task build: container step-apply: CreateContainerError: no such file", false},
		{"a scheduled pod none of whose containers started may be waiting for a volume", pendingPod(scheduled,
			waiting("prepare", "PodInitializing", ""), waiting("step-apply", "PodInitializing", "")), "", true},
		{"a pod whose init containers ran has its volumes", pendingPod(scheduled, initDone, waiting("step-apply", "ContainerCreating", "")), "", false},
		{"a pod not yet scheduled or refused waits for the scheduler", pendingPod(corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionUnknown},
			waiting("prepare", "", "")), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, readEvents := podWait("build", tt.pod)
			assert.Equal(t, tt.want, waitString(w))
			assert.Equal(t, tt.readEvents, readEvents)
		})
	}
}

func TestTheLatestMountFailureOfAPodIsItsWait(t *testing.T) {
	at := func(s int) metav1.Time { return metav1.NewTime(time.Unix(1_800_000_000+int64(s), 0)) }
	events := []corev1.Event{
		{Reason: "Scheduled", Message: "Successfully assigned", LastTimestamp: at(0)},
		{Reason: "FailedMount", Message: `MountVolume.SetUp failed for volume "cfg" : configmap "old" not found`, LastTimestamp: at(1)},
		{Reason: "FailedMount", Message: `MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found`, LastTimestamp: at(9)},
	}
	assert.Equal(t, `Mount: task build: MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found`, waitString(mountWait("build", events)))
	assert.Nil(t, mountWait("build", events[:1]), "a pod without a mount failure does not wait for one")
	pulling := append(events, corev1.Event{Reason: "Pulling", Message: `Pulling image "big:v1"`, LastTimestamp: at(12)})
	assert.Nil(t, mountWait("build", pulling), "a mount that failed, then succeeded before a slow pull, is no wait")
}

func TestAWaitingRunIsLookedAtAgainAndCountedByCause(t *testing.T) {
	var w waits
	now := time.Unix(1_800_000_000, 0)
	a, b := types.NamespacedName{Namespace: "ns", Name: "a"}, types.NamespacedName{Namespace: "ns", Name: "b"}
	w.set(a, waitLook{progress: now, next: now.Add(waitingAfter), wait: &taskWait{Cause: wfev1.WaitingImagePull}})
	w.set(b, waitLook{progress: now})
	assert.Equal(t, waitingAfter, w.recheckIn(a, now))
	assert.Equal(t, time.Second, w.recheckIn(a, now.Add(time.Hour)), "an overdue look is soon, not in the past")
	assert.Zero(t, w.recheckIn(b, now), "a run whose tasks execute is not looked at again before its PipelineRun changes")
	assert.Equal(t, 1.0, testutil.ToFloat64(metricWaiting.WithLabelValues(string(wfev1.WaitingImagePull))))
	w.forget(a)
	assert.Zero(t, testutil.ToFloat64(metricWaiting.WithLabelValues(string(wfev1.WaitingImagePull))), "a forgotten run no longer counts")
	assert.Zero(t, w.recheckIn(a, now))
}

func TestTheRunningMessageNamesTheWaitingCause(t *testing.T) {
	we := &wfev1.WorkflowExecution{}
	pr := pipelineRun(corev1.ConditionUnknown, "Running", "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0", started, withChildren("build"))
	applyPipelineRun(we, pr, nil, &taskWait{Cause: wfev1.WaitingQuota, Task: "build", Text: "exceeded quota: q"})
	msg := we.Condition(wfev1.ConditionTektonPipelineRunning).Message
	assert.True(t, strings.HasSuffix(msg, "(0 of 1 complete); waiting: Quota: task build: exceeded quota: q"), msg)
	cause, _, ok := wfev1.WaitingOf(msg)
	assert.True(t, ok)
	assert.Equal(t, wfev1.WaitingQuota, cause)
	assert.Equal(t, "Unknown/PipelineRunning", statusReason(we, wfev1.ConditionTektonPipelineComplete), "waiting is no new state")

	applyPipelineRun(we, pr, nil, nil)
	_, _, ok = wfev1.WaitingOf(we.Condition(wfev1.ConditionTektonPipelineRunning).Message)
	assert.False(t, ok, "the cause goes once the task no longer waits")
}

func TestAToldWaitIsKeptWhileTheSameTaskWaitsForTheSameCause(t *testing.T) {
	told := toldWait(wfev1.WithWaiting("progress", wfev1.WaitingQuota, "task build: exceeded quota: q, requested: pods=1, used: pods=3"))
	require.NotNil(t, told)
	assert.Equal(t, taskWait{Cause: wfev1.WaitingQuota, Task: "build", Text: "exceeded quota: q, requested: pods=1, used: pods=3"}, *told)
	tests := []struct {
		name  string
		found *taskWait
		want  *taskWait
	}{
		{"the same task and cause in other words keeps what is told", newWait(wfev1.WaitingQuota, "build", "exceeded quota: q, requested: pods=1, used: pods=4"), told},
		{"another cause is told anew", newWait(wfev1.WaitingImagePull, "build", `image "x" cannot be pulled`), newWait(wfev1.WaitingImagePull, "build", `image "x" cannot be pulled`)},
		{"another task is told anew", newWait(wfev1.WaitingQuota, "test", "exceeded quota: q"), newWait(wfev1.WaitingQuota, "test", "exceeded quota: q")},
		{"no wait any more clears it", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, steady(told, tt.found))
		})
	}
	assert.Nil(t, toldWait("Tekton PipelineRun ns/pr is executing task build (0 of 1 complete)"))
}

// A reader that counts its reads: the looks' memory is what is tested.
type countingReader struct {
	client.Reader
	reads int
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.reads++
	return c.Reader.Get(ctx, key, obj, opts...)
}

func TestAWaitingTaskIsLookedAtOnScheduleAndItsCauseKeptOrCleared(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, tektonv1.AddToScheme(scheme))
	require.NoError(t, corev1.AddToScheme(scheme))
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	tr := taskRunSaying(corev1.ConditionUnknown, "PullImageFailed", `build step "step-run" is pending with reason "Back-off pulling image \"x:v1\""`)
	tr.Namespace, tr.Name, tr.CreationTimestamp = "ns", "pr-build", metav1.NewTime(start)
	reader := &countingReader{Reader: fake.NewClientBuilder().WithScheme(scheme).WithObjects(tr).WithStatusSubresource(tr).Build()}
	now := start
	r := &Reconciler{APIReader: reader, Now: func() time.Time { return now }}
	pr := pipelineRun(corev1.ConditionUnknown, "Running", "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0", started, withChildren("build"))
	pr.Status.Conditions[0].LastTransitionTime = apis.VolatileTime{Inner: metav1.NewTime(start)}
	we := initialWE()
	key := client.ObjectKeyFromObject(we)
	t.Cleanup(func() { r.waits.forget(key) })

	now = start.Add(5 * time.Second)
	assert.Nil(t, r.waitingOf(t.Context(), we, pr), "not before 10 s without progress")
	assert.Zero(t, reader.reads)
	assert.Equal(t, 5*time.Second, r.waits.recheckIn(key, now), "it comes back when the 10 s are up")

	now = start.Add(11 * time.Second)
	w := r.waitingOf(t.Context(), we, pr)
	assert.Equal(t, `ImagePull: task build: image "x:v1" cannot be pulled`, waitString(w))
	assert.Equal(t, 1, reader.reads, "the TaskRun alone tells a pull failure")
	applyPipelineRun(we, pr, nil, w)

	now = start.Add(15 * time.Second)
	assert.Equal(t, w, r.waitingOf(t.Context(), we, pr), "within 10 s of a look, its finding")
	assert.Equal(t, 1, reader.reads)

	// The kubelet's words change; the same task still waits for its image.
	tr.Status.Conditions[0].Message = `build step "step-run" is pending with reason "failed to pull and unpack image \"docker.io/library/x:v1\""`
	require.NoError(t, reader.Reader.(client.Client).Status().Update(t.Context(), tr))
	now = start.Add(22 * time.Second)
	assert.Equal(t, `ImagePull: task build: image "x:v1" cannot be pulled`, waitString(r.waitingOf(t.Context(), we, pr)), "what is told is kept: no write")

	tr.Status.Conditions[0].Reason, tr.Status.Conditions[0].Message = "Running", "Not all Steps in the Task have finished executing"
	require.NoError(t, reader.Reader.(client.Client).Status().Update(t.Context(), tr))
	now = start.Add(33 * time.Second)
	assert.Nil(t, r.waitingOf(t.Context(), we, pr), "an executing task clears the cause")
	assert.Zero(t, r.waits.recheckIn(key, now), "nothing to look at before the PipelineRun changes")
	reads := reader.reads
	now = start.Add(5 * time.Minute)
	assert.Nil(t, r.waitingOf(t.Context(), we, pr))
	assert.Equal(t, reads, reader.reads, "a visit meanwhile reads nothing")

	// A task that may be retried gets a new pod, which may wait, in the same
	// TaskRun: looked at each minute.
	tr.Spec.Retries = 1
	require.NoError(t, reader.Reader.(client.Client).Update(t.Context(), tr))
	pr.Status.Conditions[0].LastTransitionTime = apis.VolatileTime{Inner: metav1.NewTime(now.Add(-waitingAfter))}
	assert.Nil(t, r.waitingOf(t.Context(), we, pr))
	assert.Equal(t, retryRecheck, r.waits.recheckIn(key, now))
	assert.Zero(t, testutil.ToFloat64(metricWaiting.WithLabelValues(string(wfev1.WaitingImagePull))))
}
