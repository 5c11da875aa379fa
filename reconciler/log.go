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
	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// controllerName is the name SetupWithManager gives the controller.
const controllerName = "workflowexecution"

// requestLogger builds the controller's loggers the way controller-runtime
// does for a controller built with For(): a controller built with Watches
// gets no key named after the kind, so it is added here, and every reconcile
// line carries "WorkflowExecution" with the request's namespace and name.
// A nil request is the controller's own logger (start, stop, panics).
func requestLogger(base logr.Logger) func(*reconcile.Request) logr.Logger {
	base = base.WithValues("controller", controllerName,
		"controllerGroup", wfev1.GroupVersion.Group, "controllerKind", wfev1.Kind)
	return func(req *reconcile.Request) logr.Logger {
		if req == nil {
			return base
		}
		return base.WithValues(wfev1.Kind, klog.KRef(req.Namespace, req.Name),
			"namespace", req.Namespace, "name", req.Name)
	}
}
