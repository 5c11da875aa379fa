package reconciler

import (
	"context"
	"strings"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// SetupWithManager registers the reconciler: it watches WorkflowExecutions and
// the PipelineRuns labelled as theirs, in every namespace. Nothing polls.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		Named("workflowexecution").
		Watches(&wfev1.WorkflowExecution{}, newFirst()).
		Watches(&tektonv1.PipelineRun{}, handler.EnqueueRequestsFromMapFunc(workflowExecutionOf))
	if r.AuditResults != nil {
		b = b.WatchesRawSource(source.Channel(r.AuditResults, &handler.EnqueueRequestForObject{}))
	}
	return b.Complete(r)
}

// PriorityNew is the queue priority of a WorkflowExecution just created: its
// first status write is what a client waits for, so it goes ahead of the
// reconciles of older ones.
const PriorityNew = 10

// newFirst enqueues WorkflowExecutions like handler.EnqueueRequestForObject,
// but a newly created one (not one of the initial list) with PriorityNew.
func newFirst() handler.EventHandler {
	enqueue := func(o client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)})
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request])
			if !ok || e.IsInInitialList {
				enqueue(e.Object, q)
				return
			}
			pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(PriorityNew)}, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(e.Object)})
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q)
		},
		GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.Object, q)
		},
	}
}

// workflowExecutionOf maps a PipelineRun to the WorkflowExecution its labels name.
func workflowExecutionOf(_ context.Context, o client.Object) []reconcile.Request {
	l := o.GetLabels()
	name, ns := l[LabelWorkflowExecution], l[LabelSourceNamespace]
	if name == "" || ns == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}}
}

// labelPrefix starts every label this reconciler sets on a PipelineRun.
const labelPrefix = "kubernaut.ai/"

// PipelineRunSelector selects the PipelineRuns the cache holds: only ours.
func PipelineRunSelector() labels.Selector {
	req, err := labels.NewRequirement(LabelWorkflowExecution, selection.Exists, nil)
	if err != nil {
		panic(err) // a constant requirement
	}
	return labels.NewSelector().Add(*req)
}

// TrimPipelineRun drops from a cached PipelineRun what the reconciler never
// reads: managed fields, annotations, owner references, labels other than
// ours, the spec and most of the status. Caches hold every PipelineRun of
// ours, so each byte here is paid once per PipelineRun.
func TrimPipelineRun(obj any) (any, error) {
	pr, ok := obj.(*tektonv1.PipelineRun)
	if !ok {
		return obj, nil
	}
	pr.ManagedFields, pr.Annotations, pr.OwnerReferences, pr.Finalizers = nil, nil, nil, nil
	for k := range pr.Labels {
		if !strings.HasPrefix(k, labelPrefix) {
			delete(pr.Labels, k)
		}
	}
	pr.Spec = tektonv1.PipelineRunSpec{}
	st := &pr.Status
	st.PipelineSpec, st.Results, st.Provenance, st.SpanContext, st.SkippedTasks, st.Annotations = nil, nil, nil, nil, nil, nil
	for i := range st.ChildReferences {
		c := &st.ChildReferences[i]
		c.APIVersion, c.DisplayName, c.WhenExpressions = "", "", nil
	}
	return pr, nil
}

// TrimWorkflowExecution drops managed fields and annotations (kubectl's
// last-applied-configuration alone repeats the object) from a cached
// WorkflowExecution; the reconciler reads neither and patches only what it
// changes.
func TrimWorkflowExecution(obj any) (any, error) {
	if o, ok := obj.(client.Object); ok {
		o.SetManagedFields(nil)
		o.SetAnnotations(nil)
	}
	return obj, nil
}

// isQuotaError says whether a Forbidden error is a resource quota refusal.
func isQuotaError(err error) bool {
	return strings.Contains(err.Error(), "exceeded quota")
}
