// Package v1alpha1 holds the WorkflowExecution API types and its condition vocabulary.
//
// +kubebuilder:object:generate=true
// +groupName=workflowexecution.kubernaut.ai
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of the WorkflowExecution API.
	GroupVersion = schema.GroupVersion{Group: "workflowexecution.kubernaut.ai", Version: "v1alpha1"}

	// SchemeBuilder registers the API types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the API types to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
