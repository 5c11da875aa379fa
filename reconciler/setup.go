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
	"fmt"
	"strings"
	"unique"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"knative.dev/pkg/apis"
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
// the PipelineRuns labelled as theirs, in every namespace. Nothing polls the
// apiserver; only the overdue gauge recounts the cache now and then.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		Named("workflowexecution").
		WithLogConstructor(requestLogger(mgr.GetLogger())).
		Watches(&wfev1.WorkflowExecution{}, r.markCreated(newFirst(r.forgetAudit))).
		Watches(&tektonv1.PipelineRun{}, r.markPipelineRunChanged(handler.EnqueueRequestsFromMapFunc(workflowExecutionOf)))
	if r.AuditResults != nil {
		b = b.WatchesRawSource(source.Channel(r.AuditResults, &handler.EnqueueRequestForObject{}))
	}
	if err := mgr.Add(overdueGauge{reader: mgr.GetClient(), auditing: r.Audit != nil}); err != nil {
		return fmt.Errorf("add the overdue gauge: %w", err)
	}
	return b.Complete(r)
}

// priorityNew is the queue priority of a WorkflowExecution just created: its
// first status write is what a client waits for, so it goes ahead of the
// reconciles of older ones.
const priorityNew = 10

// newFirst enqueues WorkflowExecutions like handler.EnqueueRequestForObject,
// but a newly created one (not one of the initial list) with priorityNew. It
// tells deleted the UID of each WorkflowExecution deleted.
func newFirst(deleted func(types.UID)) handler.EventHandler {
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
			pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(priorityNew)}, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(e.Object)})
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			deleted(e.Object.GetUID())
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
	name, ns := l[wfev1.LabelWorkflowExecution], l[wfev1.LabelSourceNamespace]
	if name == "" || ns == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}}
}

// PipelineRunSelector selects the PipelineRuns the cache holds: only ours.
func PipelineRunSelector() labels.Selector {
	req, err := labels.NewRequirement(wfev1.LabelWorkflowExecution, selection.Exists, nil)
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
	// Only the three labels that link a PipelineRun to its WorkflowExecution:
	// anyone may add labels of our prefix to a PipelineRun, and the cache
	// holds PipelineRuns cluster-wide.
	labels := make(map[string]string, 3)
	for k, v := range pr.Labels {
		switch k {
		case wfev1.LabelSourceNamespace:
			labels[wfev1.LabelSourceNamespace] = intern(v)
		case wfev1.LabelWorkflowExecution, wfev1.LabelWorkflowExecutionUID:
			labels[intern(k)] = v
		}
	}
	pr.Labels = labels
	pr.Namespace = intern(pr.Namespace)
	// Of the spec only whether it was cancelled: a cancel is asked once.
	pr.Spec = tektonv1.PipelineRunSpec{Status: pr.Spec.Status}
	st := &pr.Status
	// Of the resolved Pipeline only the task order stays: failureDetails
	// names the failed task's position in it.
	if ps := st.PipelineSpec; ps != nil {
		st.PipelineSpec = &tektonv1.PipelineSpec{Tasks: taskNames(ps.Tasks), Finally: taskNames(ps.Finally)}
	}
	st.Results, st.Provenance, st.SpanContext, st.SkippedTasks, st.Annotations = nil, nil, nil, nil, nil
	for i := range st.ChildReferences {
		c := &st.ChildReferences[i]
		c.APIVersion, c.DisplayName, c.WhenExpressions = "", "", nil
		c.Kind = intern(c.Kind)
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type, c.Status, c.Reason = apis.ConditionType(intern(string(c.Type))), corev1.ConditionStatus(intern(string(c.Status))), intern(c.Reason)
	}
	return pr, nil
}

// taskNames keeps only the names of the tasks, in order.
func taskNames(tasks []tektonv1.PipelineTask) []tektonv1.PipelineTask {
	if len(tasks) == 0 {
		return nil
	}
	out := make([]tektonv1.PipelineTask, len(tasks))
	for i, t := range tasks {
		out[i].Name = t.Name
	}
	return out
}

// intern returns the one shared copy of a string that many cached objects
// repeat (label keys, namespaces, condition types, reasons and statuses):
// each decoded object would otherwise hold its own.
func intern(s string) string { return unique.Make(s).Value() }

// TrimWorkflowExecution drops managed fields and annotations (kubectl's
// last-applied-configuration alone repeats the object) but the cancel
// request's from a cached WorkflowExecution, and shares its repeated strings;
// the reconciler reads nothing else of them and patches only what it changes.
func TrimWorkflowExecution(obj any) (any, error) {
	we, ok := obj.(*wfev1.WorkflowExecution)
	if !ok {
		return obj, nil
	}
	var kept map[string]string
	for _, k := range []string{wfev1.AnnotationCancelRequestedBy, wfev1.AnnotationCancelReason} {
		if v, ok := we.Annotations[k]; ok {
			if kept == nil {
				kept = map[string]string{}
			}
			kept[k] = v
		}
	}
	we.ManagedFields, we.Annotations = nil, kept
	we.Namespace = intern(we.Namespace)
	if len(we.Labels) > 0 {
		labels := make(map[string]string, len(we.Labels))
		for k, v := range we.Labels {
			labels[intern(k)] = v
		}
		we.Labels = labels
	}
	st := &we.Status
	st.Phase = wfev1.Phase(intern(string(st.Phase)))
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type, c.Status, c.Reason = intern(c.Type), metav1.ConditionStatus(intern(string(c.Status))), intern(c.Reason)
	}
	return we, nil
}

// isQuotaError says whether a Forbidden error is a resource quota refusal.
func isQuotaError(err error) bool {
	return strings.Contains(err.Error(), "exceeded quota")
}
