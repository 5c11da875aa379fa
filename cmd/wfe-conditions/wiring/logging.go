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

package wiring

import (
	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
)

// SetLogger makes l the logger of controller-runtime and of client-go's klog,
// so that leader election, reflector errors and client-go warnings come out
// structured like every other line rather than as klog's plain text.
func SetLogger(l logr.Logger) {
	ctrl.SetLogger(l)
	// ContextualLogger: klog.FromContext and friends hand out l itself.
	klog.SetLoggerWithOptions(l, klog.ContextualLogger(true))
}
