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

package security

import (
	"testing"

	"github.com/stretchr/testify/assert"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestNoWorkflowExecutionRunsInTheControllersNamespace(t *testing.T) {
	const want = "WorkflowExecutions may not run in namespace " + wfev1.InstallNamespace + ", the controller's own"
	t.Run("created there, even by an administrator", func(t *testing.T) {
		msg := admits(t, cp.Client, newWE(wfev1.InstallNamespace, "", "quay.io/team/restart:v1"), false)
		assert.Contains(t, msg, want)
	})
	t.Run("sent there by the execution policy", func(t *testing.T) {
		setPolicy(t, wfev1.ExecutionPolicy{ExecutionNamespace: wfev1.InstallNamespace})
		msg := admits(t, cp.Client, newWE("default", "", "quay.io/team/restart:v1"), false)
		assert.Contains(t, msg, want)
	})
	t.Run("elsewhere it runs", func(t *testing.T) {
		admits(t, cp.Client, newWE("default", "", "quay.io/team/restart:v1"), true)
	})
}
