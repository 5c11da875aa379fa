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
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Where the PipelineRun's Pipeline comes from.
const (
	// PipelineSourceBundle resolves workflowRef.containerImage with Tekton's
	// bundles resolver (the default).
	PipelineSourceBundle = "bundle"
	// PipelineSourceCluster references the Pipeline named workflowRef.workflowId
	// in the PipelineRun's namespace (air-gapped clusters, tests, make dev).
	PipelineSourceCluster = "cluster"
)

// PipelineRunOptions shape the PipelineRuns the reconciler creates.
type PipelineRunOptions struct {
	// ExecutionNamespace is the execution policy's at start: it shapes the
	// cache and the finalizer, so a change needs a restart (see PolicySource).
	ExecutionNamespace string
	// PipelineSource is PipelineSourceBundle or PipelineSourceCluster.
	PipelineSource string
	// InstallNamespace is the controller's own namespace, where no run may
	// go: a pod there could use the controller's ServiceAccount.
	InstallNamespace string
	// WatchedNamespaces are those whose PipelineRuns the cache holds; nil is
	// every namespace (ExecutionPolicy.WatchedNamespaces at start).
	WatchedNamespaces []string
}

// watches says whether the cache holds PipelineRuns of namespace.
func (o PipelineRunOptions) watches(namespace string) bool {
	return o.WatchedNamespaces == nil || slices.Contains(o.WatchedNamespaces, namespace)
}

// PipelineRunName is deterministic for a WorkflowExecution, so that a restart
// or a second replica never creates a second one. The hash of namespace, name
// and UID keeps names of the same WorkflowExecution name in different
// namespaces, or of a recreated one, apart; the result fits in a label value.
func PipelineRunName(we *wfev1.WorkflowExecution) string {
	sum := sha256.Sum256([]byte(we.Namespace + "/" + we.Name + "/" + string(we.UID)))
	base := we.Name
	if len(base) > 54 {
		base = base[:54]
	}
	return base + "-" + hex.EncodeToString(sum[:])[:8]
}

// pipelineRunNamespace is where the WorkflowExecution's PipelineRun lives:
// where we created it, else where admission recorded that it runs, else (a
// WorkflowExecution from before v0.2.0) where that version put it.
func (o PipelineRunOptions) pipelineRunNamespace(we *wfev1.WorkflowExecution) string {
	if ref := we.Status.PipelineRunRef; ref != nil && ref.Namespace != "" {
		return ref.Namespace
	}
	if ns, _, ok := wfev1.RunAs(we); ok {
		return ns
	}
	return wfev1.ExecutionPolicy{ExecutionNamespace: o.ExecutionNamespace}.RunNamespace(we.Namespace)
}

// linkLabels are the labels that point a PipelineRun at its WorkflowExecution.
func linkLabels(we *wfev1.WorkflowExecution) map[string]string {
	l := map[string]string{
		wfev1.LabelWorkflowExecution:    we.Name,
		wfev1.LabelSourceNamespace:      we.Namespace,
		wfev1.LabelWorkflowExecutionUID: string(we.UID),
	}
	if len(validation.IsValidLabelValue(we.Spec.WorkflowRef.WorkflowID)) == 0 {
		l[wfev1.LabelWorkflowID] = we.Spec.WorkflowRef.WorkflowID
	}
	return l
}

// belongsTo says whether the PipelineRun's labels point at this WorkflowExecution.
func belongsTo(pr *tektonv1.PipelineRun, we *wfev1.WorkflowExecution) bool {
	l := pr.GetLabels()
	return l[wfev1.LabelWorkflowExecution] == we.Name && l[wfev1.LabelSourceNamespace] == we.Namespace &&
		l[wfev1.LabelWorkflowExecutionUID] == string(we.UID)
}

// buildPipelineRun returns the PipelineRun that executes the WorkflowExecution
// where and as whom admission recorded in its spec. The policy matters only
// to a WorkflowExecution from before v0.2.0, to recognise what that version
// created (it took the ServiceAccount from the policy when the spec had none).
func (o PipelineRunOptions) buildPipelineRun(we *wfev1.WorkflowExecution, policy wfev1.ExecutionPolicy) *tektonv1.PipelineRun {
	namespace, serviceAccount, ok := wfev1.RunAs(we)
	if !ok {
		namespace, serviceAccount = o.pipelineRunNamespace(we), policy.DefaultRunAs()
		if ec := we.Spec.ExecutionConfig; ec != nil && ec.ServiceAccountName != "" {
			serviceAccount = ec.ServiceAccountName
		}
	}
	pr := &tektonv1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{
			Name:      PipelineRunName(we),
			Namespace: namespace,
			Labels:    linkLabels(we),
		},
		Spec: tektonv1.PipelineRunSpec{
			PipelineRef: o.pipelineRef(we),
			Params:      params(we),
		},
	}
	if pr.Namespace == we.Namespace {
		pr.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(we, wfev1.GroupVersion.WithKind(wfev1.Kind))}
	}
	if ec := we.Spec.ExecutionConfig; ec != nil && ec.Timeout != nil {
		pr.Spec.Timeouts = &tektonv1.TimeoutFields{Pipeline: ec.Timeout.DeepCopy()}
	}
	// Always explicit: the admission policy authorised this ServiceAccount,
	// whatever Tekton's own default is.
	pr.Spec.TaskRunTemplate.ServiceAccountName = serviceAccount
	return pr
}

func (o PipelineRunOptions) pipelineRef(we *wfev1.WorkflowExecution) *tektonv1.PipelineRef {
	ref := we.Spec.WorkflowRef
	if o.PipelineSource == PipelineSourceCluster {
		return &tektonv1.PipelineRef{Name: ref.WorkflowID}
	}
	bundle := wfev1.BundleReference(we)
	str := func(s string) tektonv1.ParamValue { return *tektonv1.NewStructuredValues(s) }
	return &tektonv1.PipelineRef{ResolverRef: tektonv1.ResolverRef{
		Resolver: "bundles",
		Params: tektonv1.Params{
			{Name: "bundle", Value: str(bundle)},
			{Name: "name", Value: str(ref.WorkflowID)},
			{Name: "kind", Value: str("pipeline")},
		},
	}}
}

// params passes spec.parameters, in name order, and TARGET_RESOURCE.
func params(we *wfev1.WorkflowExecution) tektonv1.Params {
	values := maps.Clone(we.Spec.Parameters)
	if values == nil {
		values = map[string]string{}
	}
	values["TARGET_RESOURCE"] = we.Spec.TargetResource
	out := make(tektonv1.Params, 0, len(values))
	for _, k := range slices.Sorted(maps.Keys(values)) {
		out = append(out, tektonv1.Param{Name: k, Value: *tektonv1.NewStructuredValues(values[k])})
	}
	return out
}
