package reconciler

import (
	"fmt"
	"slices"
	"strings"
	"time"

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

// Auditor is the audit delivery as the reconciler uses it; nil disables auditing.
type Auditor interface {
	Offer(we *wfev1.WorkflowExecution, pending []string) bool
	State(key types.NamespacedName) audit.State
	Recorded(key types.NamespacedName, recorded []string)
	Forget(key types.NamespacedName)
}

// NotifyChannel turns delivery results into reconcile requests: the callback
// goes through the reconciler's queue, never straight to the status.
func NotifyChannel(ch chan<- event.GenericEvent) func(types.NamespacedName) {
	return func(key types.NamespacedName) {
		ch <- event.GenericEvent{Object: &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}}
	}
}

// observeAudit records acknowledged lifecycle events in the status, offers the
// unacknowledged ones for delivery and sets AuditRecorded. It returns when to
// look again, if the audit queue was full.
func (r *Reconciler) observeAudit(we *wfev1.WorkflowExecution) time.Duration {
	if r.Audit == nil {
		we.SetAuditRecorded(metav1.ConditionUnknown, wfev1.ReasonAuditDisabled, msgAuditDisabled)
		return 0
	}
	key := types.NamespacedName{Namespace: we.Namespace, Name: we.Name}
	// Forget acknowledgements only once a read shows them recorded: a stale
	// cached read must still see them, or it would send them again.
	r.Audit.Recorded(key, we.Status.AuditedEvents)
	st := r.Audit.State(key)
	due := audit.DueEvents(we)
	for _, t := range due {
		if slices.Contains(st.Acknowledged, t) && !slices.Contains(we.Status.AuditedEvents, t) {
			we.Status.AuditedEvents = append(we.Status.AuditedEvents, t)
		}
	}
	pending := audit.Pending(we)
	queued := len(pending) == 0 || r.Audit.Offer(we, pending)
	switch {
	case st.Err != nil && st.Final:
		we.SetAuditRecorded(metav1.ConditionFalse, wfev1.ReasonAuditFailed,
			fmt.Sprintf("DataStorage refused a lifecycle audit event: %s", st.Err.Message))
	case st.Err != nil && len(pending) > 0:
		we.SetAuditRecorded(metav1.ConditionFalse, wfev1.ReasonAuditFailed,
			fmt.Sprintf("Delivering %s failed and is retried with backoff: %s", strings.Join(pending, ", "), st.Err.Message))
	case len(due) == 0:
		// Nothing to record yet; the initial Unknown stands.
	case len(pending) == 0:
		we.SetAuditRecorded(metav1.ConditionTrue, wfev1.ReasonAuditSucceeded,
			fmt.Sprintf("DataStorage acknowledged every lifecycle audit event; latest: %s", due[len(due)-1]))
	case !queued:
		we.SetAuditRecorded(metav1.ConditionUnknown, wfev1.ReasonAuditPending,
			fmt.Sprintf("%s wait(s) unacknowledged: the audit queue is full; offered again shortly", strings.Join(pending, ", ")))
		return auditQueueFullRetry
	}
	return 0
}
