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

package v1alpha1

import "strings"

// WaitingCause says why a started run's task has not begun executing: the
// closed list the TektonPipelineRunning message and the
// wfe_executions_waiting gauge use.
type WaitingCause string

// The waiting causes, in the order the docs list them.
const (
	// WaitingImagePull: a step's image cannot be pulled.
	WaitingImagePull WaitingCause = "ImagePull"
	// WaitingUnschedulable: no node can take the task's pod.
	WaitingUnschedulable WaitingCause = "Unschedulable"
	// WaitingQuota: a ResourceQuota refuses the task's pod.
	WaitingQuota WaitingCause = "Quota"
	// WaitingMount: a volume of the task's pod cannot be mounted.
	WaitingMount WaitingCause = "Mount"
	// WaitingOther: the pod's container waits for another named reason.
	WaitingOther WaitingCause = "Other"
)

// WaitingCauses lists every cause.
var WaitingCauses = []WaitingCause{WaitingImagePull, WaitingUnschedulable, WaitingQuota, WaitingMount, WaitingOther}

// MaxWaitingDetail bounds the detail a waiting cause carries.
const MaxWaitingDetail = 256

// waitingMarker joins a running PipelineRun's progress and its waiting cause
// in the TektonPipelineRunning message.
const waitingMarker = "; waiting: "

// WithWaiting is the TektonPipelineRunning message of a run whose task waits:
// progress, then the cause and its bounded detail, e.g. "…; waiting:
// ImagePull: task build: image "x" cannot be pulled".
func WithWaiting(progress string, cause WaitingCause, detail string) string {
	return progress + waitingMarker + string(cause) + ": " + Truncate(detail, MaxWaitingDetail)
}

// WaitingOf reads the cause and detail back from a TektonPipelineRunning
// message written by WithWaiting.
func WaitingOf(message string) (WaitingCause, string, bool) {
	_, rest, ok := strings.Cut(message, waitingMarker)
	if !ok {
		return "", "", false
	}
	cause, detail, ok := strings.Cut(rest, ": ")
	if !ok {
		return "", "", false
	}
	return WaitingCause(cause), detail, true
}
