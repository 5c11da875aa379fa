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
	"slices"
	"strings"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Tekton's reasons for a TaskRun whose pod has not begun executing
// (pkg/pod/status.go of Tekton v1.15): it keeps Succeeded Unknown until its
// image-pull back-off timeout or the run's timeout.
const (
	tektonPullImageFailed       = "PullImageFailed"
	tektonExceededResourceQuota = "ExceededResourceQuota"
	tektonExceededNodeResources = "ExceededNodeResources"
	tektonPodPending            = "Pending"
)

// taskWait is why an unfinished task has not begun executing.
type taskWait struct {
	Cause wfev1.WaitingCause
	// Task is the pipeline task's name; Text what holds it, e.g. `image
	// "x:v1" cannot be pulled`.
	Task, Text string
}

func newWait(cause wfev1.WaitingCause, task, text string) *taskWait {
	return &taskWait{Cause: cause, Task: task, Text: strings.Join(strings.Fields(text), " ")}
}

// Detail is what the message says after the cause: the task, then the text.
func (w *taskWait) Detail() string {
	return "task " + w.Task + ": " + w.Text
}

// steady keeps the wait the status already tells while the same task waits
// for the same cause: the kubelet's and scheduler's words change with every
// back-off and node count, and each change would be a status write.
func steady(told, found *taskWait) *taskWait {
	if told != nil && found != nil && told.Cause == found.Cause && told.Task == found.Task {
		return told
	}
	return found
}

// toldWait is the wait a TektonPipelineRunning message tells, or nil.
func toldWait(message string) *taskWait {
	cause, detail, ok := wfev1.WaitingOf(message)
	if !ok {
		return nil
	}
	task, text, ok := strings.Cut(strings.TrimPrefix(detail, "task "), ": ")
	if !ok {
		return nil
	}
	return &taskWait{Cause: cause, Task: task, Text: text}
}

// imageRef finds the image a kubelet pull message names, also as Tekton
// quotes it within its own message (with escaped quotes).
var imageRef = regexp.MustCompile(`image \\?"([^"\\]+)\\?"`)

// pullDetail names the image when the message does; the kubelet's own words
// change with every back-off (ErrImagePull, ImagePullBackOff), the image not.
func pullDetail(image, message string) string {
	if image == "" {
		if m := imageRef.FindStringSubmatch(message); m != nil {
			image = m[1]
		}
	}
	if image == "" {
		return message
	}
	return fmt.Sprintf("image %q cannot be pulled", image)
}

// taskRunWait reads a TaskRun's Succeeded condition, the first source:
// the cause when Tekton's reason says it, and whether its pod must be read
// (to tell an unschedulable pod, a mount or another wait from a slow start).
func taskRunWait(task string, tr *tektonv1.TaskRun) (w *taskWait, readPod bool) {
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	if c == nil || c.Status != corev1.ConditionUnknown {
		return nil, false
	}
	switch c.Reason {
	case tektonPullImageFailed:
		return newWait(wfev1.WaitingImagePull, task, pullDetail("", c.Message)), false
	case tektonExceededResourceQuota:
		detail := c.Message
		if i := strings.Index(detail, "exceeded quota"); i >= 0 {
			detail = detail[i:] // without the pod's generated name
		}
		return newWait(wfev1.WaitingQuota, task, detail), false
	case tektonExceededNodeResources:
		// The pod's scheduling condition says which resource.
		return newWait(wfev1.WaitingUnschedulable, task, c.Message), true
	case tektonPodPending:
		return nil, true
	}
	return nil, false
}

// imagePullReasons are the kubelet's waiting reasons of a container whose
// image cannot be pulled.
var imagePullReasons = []string{"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
	"RegistryUnavailable", "ImageInspectError", "SignatureValidationFailed"}

// podWait reads the pod of a pending TaskRun: unschedulable, an image, or a
// container waiting for another named reason; readEvents says the pod is
// scheduled and none of its containers started, which is how a volume that
// cannot be mounted shows (only the kubelet's Events name it).
func podWait(task string, pod *corev1.Pod) (w *taskWait, readEvents bool) {
	scheduled := false
	for _, c := range pod.Status.Conditions {
		if c.Type != corev1.PodScheduled {
			continue
		}
		if c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return newWait(wfev1.WaitingUnschedulable, task, c.Message), false
		}
		scheduled = c.Status == corev1.ConditionTrue
	}
	started := false
	for _, s := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		w := s.State.Waiting
		switch {
		case s.State.Running != nil || s.State.Terminated != nil:
			started = true
		case w == nil, w.Reason == "", w.Reason == "ContainerCreating", w.Reason == "PodInitializing":
		case slices.Contains(imagePullReasons, w.Reason):
			return newWait(wfev1.WaitingImagePull, task, pullDetail(s.Image, w.Message)), false
		default:
			return newWait(wfev1.WaitingOther, task, fmt.Sprintf("container %s: %s: %s", s.Name, w.Reason, w.Message)), false
		}
	}
	return nil, scheduled && !started
}

// mountReasons are the kubelet's Event reasons for a volume it cannot attach
// or mount; progressReasons those it tells once the volumes are set up.
var (
	mountReasons    = []string{"FailedMount", "FailedAttachVolume"}
	progressReasons = []string{"Pulling", "Pulled", "Created", "Started"}
)

// mountWait finds, among the Events of a scheduled pod none of whose
// containers started, the latest that says a volume cannot be mounted,
// unless the kubelet went on after it (a mount that failed once, then
// succeeded, before a slow pull).
func mountWait(task string, events []corev1.Event) *taskWait {
	var latest *corev1.Event
	var progressed time.Time
	for i := range events {
		e := &events[i]
		switch {
		case slices.Contains(mountReasons, e.Reason) && (latest == nil || !eventTime(e).Before(eventTime(latest))):
			latest = e
		case slices.Contains(progressReasons, e.Reason) && eventTime(e).After(progressed):
			progressed = eventTime(e)
		}
	}
	if latest == nil || !eventTime(latest).After(progressed) {
		return nil
	}
	return newWait(wfev1.WaitingMount, task, latest.Message)
}

// eventTime is when an Event last happened, whichever API wrote it.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil:
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
