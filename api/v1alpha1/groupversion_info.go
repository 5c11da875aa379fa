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

// Package v1alpha1 holds the WorkflowExecution API types and its condition vocabulary.
//
// +kubebuilder:object:generate=true
// +groupName=workflowexecution.kubernaut.ai
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of the WorkflowExecution API.
	GroupVersion = schema.GroupVersion{Group: "workflowexecution.kubernaut.ai", Version: "v1alpha1"}

	// SchemeBuilder registers the API types with a runtime.Scheme. It is
	// apimachinery's, so that importing the API pulls in no controller
	// library.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the API types to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &WorkflowExecution{}, &WorkflowExecutionList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
