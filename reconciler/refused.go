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
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// withheldMessage replaces a string from outside input when the apiserver
// refused the status write that carried it.
const withheldMessage = "(withheld: the apiserver refused a status write carrying this text; see the manager's log)"

// withholdOutsideInput replaces every string of the status that came from
// outside input (Tekton, TaskRuns, DataStorage) by a short placeholder, so that
// the conditions can still advance when such a string makes the write invalid.
// Statuses and reasons stay: they are ours.
func withholdOutsideInput(we *wfev1.WorkflowExecution) {
	for i := range we.Status.Conditions {
		we.Status.Conditions[i].Message = withheldMessage
	}
	if s := we.Status.PipelineRunStatus; s != nil {
		s.Message, s.Reason = withheldMessage, ""
	}
	if fd := we.Status.FailureDetails; fd != nil {
		fd.Message, fd.NaturalLanguageSummary = withheldMessage, withheldMessage
		fd.FailedTaskName, fd.FailedStepName = "", ""
	}
}

// refusals remembers which WorkflowExecutions had a status write refused as
// invalid, so that each is logged and told as an Event once per process.
type refusals struct {
	mu   sync.Mutex
	seen map[types.NamespacedName]bool
}

// first reports whether key had no refusal told yet, and marks it told.
func (r *refusals) first(key types.NamespacedName) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[key] {
		return false
	}
	if r.seen == nil {
		r.seen = map[types.NamespacedName]bool{}
	}
	r.seen[key] = true
	return true
}

func (r *refusals) forget(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.seen, key)
}

// reportRefusal logs, once per WorkflowExecution, which fields the apiserver
// refused, and tells it as a Warning Event.
func (r *Reconciler) reportRefusal(ctx context.Context, we *wfev1.WorkflowExecution, err error) {
	if !r.refused.first(types.NamespacedName{Namespace: we.Namespace, Name: we.Name}) {
		return
	}
	fields := refusedFields(err)
	log.FromContext(ctx).Error(err, "the apiserver refused a status write; writing it again with outside input withheld",
		"fields", fields)
	if r.Recorder != nil {
		r.Recorder.Eventf(we, nil, corev1.EventTypeWarning, wfev1.EventReasonStatusWriteRefused, "WriteStatus",
			"The apiserver refused a status write (%s); the conditions advance with the text from Tekton or DataStorage withheld",
			wfev1.Truncate(fields, 256))
	}
}

// refusedFields names the fields an Invalid error points at.
func refusedFields(err error) string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return "unknown field"
	}
	var fields []string
	for _, c := range status.Status().Details.Causes {
		if c.Field != "" {
			fields = append(fields, c.Field)
		}
	}
	if len(fields) == 0 {
		return "unknown field"
	}
	return strings.Join(fields, ", ")
}
