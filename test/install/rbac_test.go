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

package install

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

func canI(t *testing.T, cp *controlplane.ControlPlane, args ...string) bool {
	t.Helper()
	out, _ := cp.Kubectl(t.Context(), append([]string{"auth", "can-i", "--as=" + serviceAccount}, args...)...)
	return strings.TrimSpace(out) == "yes"
}

func TestTheGeneratedRBACAllowsWhatTheManagerDoesAndNothingMore(t *testing.T) {
	cp := controlplane.Start(t, controlplane.WithCRDs(certManagerCRDs(t)))
	_, err := cp.KubectlStdin(t.Context(), render(t, "default"), "apply", "--server-side", "-f", "-")
	require.NoError(t, err)

	allowed := [][]string{
		{"get", "workflowexecutions.workflowexecution.kubernaut.ai", "-A"},
		{"list", "workflowexecutions.workflowexecution.kubernaut.ai", "-A"},
		{"watch", "workflowexecutions.workflowexecution.kubernaut.ai", "-A"},
		{"patch", "workflowexecutions.workflowexecution.kubernaut.ai", "-n", "team-a"},
		{"update", "workflowexecutions.workflowexecution.kubernaut.ai", "--subresource=status", "-n", "team-a"},
		{"patch", "workflowexecutions.workflowexecution.kubernaut.ai", "--subresource=status", "-n", "team-a"},
		{"update", "workflowexecutions.workflowexecution.kubernaut.ai", "--subresource=finalizers", "-n", "team-a"},
		{"create", "pipelineruns.tekton.dev", "-n", "team-a"},
		{"delete", "pipelineruns.tekton.dev", "-n", "team-a"},
		{"watch", "pipelineruns.tekton.dev", "-A"},
		{"get", "taskruns.tekton.dev", "-n", "team-a"},
		// Why a task waits: its pod by name, the kubelet's Events of a volume.
		{"get", "pods", "-n", "team-a"},
		{"list", "events", "-n", "team-a"},
		{"create", "events.events.k8s.io", "-n", "team-a"},
		{"get", "leases.coordination.k8s.io", "-n", namespace},
		{"create", "leases.coordination.k8s.io", "-n", namespace},
		{"update", "leases.coordination.k8s.io", "-n", namespace},
		// The metrics endpoint asks who a scraper is and what it may do.
		{"create", "tokenreviews.authentication.k8s.io"},
		{"create", "subjectaccessreviews.authorization.k8s.io"},
		// Leader election's Event on the Lease, through the core/v1 recorder.
		{"create", "events", "-n", namespace},
		{"patch", "events", "-n", namespace},
	}
	for _, a := range allowed {
		assert.True(t, canI(t, cp, a...), "allowed: %v", a)
	}
	denied := [][]string{
		{"get", "secrets", "-n", namespace},
		{"list", "secrets", "-A"},
		{"*", "*", "-A"},
		{"delete", "workflowexecutions.workflowexecution.kubernaut.ai", "-n", "team-a"},
		{"create", "workflowexecutions.workflowexecution.kubernaut.ai", "-n", "team-a"},
		{"update", "pipelineruns.tekton.dev", "-n", "team-a"},
		{"list", "taskruns.tekton.dev", "-A"},
		{"create", "pods", "-n", "team-a"},
		{"list", "pods", "-A"},
		{"get", "pods", "--subresource=log", "-n", "team-a"},
		{"watch", "events", "-A"},
		{"update", "mutatingwebhookconfigurations"},
		{"update", "leases.coordination.k8s.io", "-n", "team-a"},
		{"delete", "leases.coordination.k8s.io", "-n", namespace},
		{"list", "leases.coordination.k8s.io", "-n", namespace},
		{"get", "/metrics"},
		{"create", "events", "-n", "team-a"},
	}
	for _, d := range denied {
		assert.False(t, canI(t, cp, d...), "denied: %v", d)
	}

	t.Run("the self-managed overlay adds Secrets in its own namespace only", func(t *testing.T) {
		_, err := cp.KubectlStdin(t.Context(), render(t, "self-managed"), "apply", "--server-side", "-f", "-")
		require.NoError(t, err)
		assert.True(t, canI(t, cp, "update", "secrets/wfe-conditions-webhook-server-cert", "-n", namespace))
		assert.False(t, canI(t, cp, "update", "secrets/another", "-n", namespace), "write rights name the certificate Secret")
		assert.False(t, canI(t, cp, "get", "secrets/another", "-n", namespace))
		assert.False(t, canI(t, cp, "create", "secrets", "-n", namespace))
		assert.False(t, canI(t, cp, "get", "secrets", "-n", "team-a"))
		assert.True(t, canI(t, cp, "patch", "mutatingwebhookconfigurations/wfe-conditions-mutating-webhook-configuration"))
		assert.False(t, canI(t, cp, "patch", "mutatingwebhookconfigurations/another"))
	})
}
