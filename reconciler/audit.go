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
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

// auditQueueFullRetry is when events refused by a full audit queue are offered again.
const auditQueueFullRetry = 2 * time.Second

// msgAuditDisabled explains AuditRecorded when the manager runs without DataStorage.
const msgAuditDisabled = "Auditing is disabled: the manager runs without --datastorage-url"

// initialAuditRecorded is AuditRecorded as every status starts: it stands
// until the PipelineRun starts and makes the first lifecycle event due.
var initialAuditRecorded = *meta.FindStatusCondition(wfev1.MissingConditions(nil, 0), wfev1.ConditionAuditRecorded)

// Auditor is the audit delivery as the reconciler uses it; nil disables auditing.
type Auditor interface {
	Offer(we *wfev1.WorkflowExecution, pending []string) bool
	State(uid types.UID) audit.State
	Recorded(uid types.UID, recorded []string)
	Forget(uid types.UID)
}

// NotifyChannel turns delivery results into reconcile requests: the callback
// goes through the reconciler's queue, never straight to the status.
func NotifyChannel(ch chan<- event.GenericEvent) func(types.NamespacedName) {
	return func(key types.NamespacedName) {
		ch <- event.GenericEvent{Object: &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}}
	}
}

// observeAudit records acknowledged lifecycle events in the status, offers the
// unacknowledged ones for delivery and sets AuditRecorded from auditCondition.
// It returns when to look again, if the audit queue was full.
func (r *Reconciler) observeAudit(we *wfev1.WorkflowExecution) time.Duration {
	if r.Audit == nil {
		c := auditCondition(false, nil, nil, auditDelivery{})
		we.SetAuditRecorded(c.Status, c.Reason, c.Message)
		return 0
	}
	// Forget acknowledgements only once a read shows them recorded: a stale
	// cached read must still see them, or it would send them again.
	r.Audit.Recorded(we.UID, we.Status.AuditedEvents)
	st := r.Audit.State(we.UID)
	due := audit.DueEvents(we)
	for _, t := range due {
		if slices.Contains(st.Acknowledged, t) && !slices.Contains(we.Status.AuditedEvents, t) {
			we.Status.AuditedEvents = append(we.Status.AuditedEvents, t)
		}
	}
	pending := audit.Pending(we)
	d := auditDelivery{queued: len(pending) == 0 || r.Audit.Offer(we, pending)}
	if st.Err != nil {
		d.err, d.final = st.Err.Message, st.Final
	}
	c := auditCondition(true, due, we.Status.AuditedEvents, d)
	we.SetAuditRecorded(c.Status, c.Reason, c.Message)
	if !d.queued {
		return auditQueueFullRetry
	}
	return 0
}

// auditDelivery is what the delivery says of one WorkflowExecution's events.
type auditDelivery struct {
	// queued: every pending event is in the delivery queue (or none is pending).
	queued bool
	// err is the latest failure, until a later delivery succeeds; final says
	// it is not retried in this process.
	err   string
	final bool
}

// auditCondition decides AuditRecorded: True only when every due lifecycle
// event is acknowledged, so the status version that makes a new event due
// (the transition to Running, Succeeded or Failed) says Unknown/AuditPending
// in the same write, never the earlier True.
func auditCondition(enabled bool, due, acknowledged []string, d auditDelivery) metav1.Condition {
	cond := func(status metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: wfev1.ConditionAuditRecorded, Status: status, Reason: reason, Message: msg}
	}
	if !enabled {
		return cond(metav1.ConditionUnknown, wfev1.ReasonAuditDisabled, msgAuditDisabled)
	}
	var pending []string
	for _, t := range due {
		if !slices.Contains(acknowledged, t) {
			pending = append(pending, t)
		}
	}
	list := strings.Join(pending, ", ")
	switch {
	case len(due) == 0:
		return cond(initialAuditRecorded.Status, initialAuditRecorded.Reason, initialAuditRecorded.Message)
	case len(pending) == 0:
		return cond(metav1.ConditionTrue, wfev1.ReasonAuditSucceeded,
			fmt.Sprintf("DataStorage acknowledged every lifecycle audit event; latest: %s", due[len(due)-1]))
	case d.err != "" && d.final:
		return cond(metav1.ConditionFalse, wfev1.ReasonAuditFailed,
			fmt.Sprintf("DataStorage refused %s for good: %s", list, d.err))
	case d.err != "":
		return cond(metav1.ConditionFalse, wfev1.ReasonAuditFailed,
			fmt.Sprintf("Delivering %s failed and is retried with backoff: %s", list, d.err))
	case !d.queued:
		return cond(metav1.ConditionUnknown, wfev1.ReasonAuditPending,
			fmt.Sprintf("%s wait(s) unacknowledged: the audit queue is full; offered again shortly", list))
	default:
		return cond(metav1.ConditionUnknown, wfev1.ReasonAuditPending,
			fmt.Sprintf("Waiting for DataStorage to acknowledge %s", list))
	}
}
