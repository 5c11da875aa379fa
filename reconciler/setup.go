package reconciler

import (
	"context"
	"strings"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// SetupWithManager registers the reconciler: it watches WorkflowExecutions and
// the PipelineRuns labelled as theirs, in every namespace. Nothing polls.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&wfev1.WorkflowExecution{}).
		Watches(&tektonv1.PipelineRun{}, handler.EnqueueRequestsFromMapFunc(workflowExecutionOf)).
		Named("workflowexecution")
	if r.AuditResults != nil {
		b = b.WatchesRawSource(source.Channel(r.AuditResults, &handler.EnqueueRequestForObject{}))
	}
	return b.Complete(r)
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

// PipelineRunSelector selects the PipelineRuns the cache holds: only ours.
func PipelineRunSelector() labels.Selector {
	req, err := labels.NewRequirement(LabelWorkflowExecution, selection.Exists, nil)
	if err != nil {
		panic(err) // a constant requirement
	}
	return labels.NewSelector().Add(*req)
}

// TrimPipelineRun drops from a cached PipelineRun what the mapping never reads
// (managed fields, annotations, the spec, the resolved pipeline spec and
// results), so memory stays small per PipelineRun.
func TrimPipelineRun(obj any) (any, error) {
	pr, ok := obj.(*tektonv1.PipelineRun)
	if !ok {
		return obj, nil
	}
	pr.ManagedFields = nil
	pr.Annotations = nil
	pr.Spec = tektonv1.PipelineRunSpec{}
	pr.Status.PipelineSpec = nil
	pr.Status.Results = nil
	pr.Status.Provenance = nil
	pr.Status.SpanContext = nil
	pr.Status.SkippedTasks = nil
	return pr, nil
}

// TrimWorkflowExecution drops managed fields from a cached WorkflowExecution.
func TrimWorkflowExecution(obj any) (any, error) {
	if o, ok := obj.(client.Object); ok {
		o.SetManagedFields(nil)
	}
	return obj, nil
}

// isQuotaError says whether a Forbidden error is a resource quota refusal.
func isQuotaError(err error) bool {
	return strings.Contains(err.Error(), "exceeded quota")
}
