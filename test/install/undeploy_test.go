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
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// make undeploy's fallback, with no manager to release anything: after its
// wait it removes our finalizers as the break-glass group (the finalizer
// policy refuses anyone else) and tells each release as an AuditAbandoned
// Event.
func TestUndeployReleasesWhatNoManagerReleasesAndTellsIt(t *testing.T) {
	cp := controlplane.Start(t, controlplane.WithProduct())
	ctx := t.Context()
	cp.CreateNamespace(t, "held")
	we := wetest.New("held", "held", wetest.Pipeline("p"), wetest.RunIn("held"), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount),
		wetest.Remediation("rr-held"))
	we.Finalizers = []string{wfev1.FinalizerAudit, wfev1.FinalizerPipelineRunCleanup, "example.com/gone-soon"}
	require.NoError(t, cp.Client.Create(ctx, we))
	// Another's finalizer is left alone: drop it so that the delete completes.
	patch := client.MergeFrom(we.DeepCopy())
	we.Finalizers = we.Finalizers[:2]
	require.NoError(t, cp.Client.Patch(ctx, we, patch))

	root, err := paths.RepoRoot()
	require.NoError(t, err)
	kubectl, err := paths.Binary("kubectl")
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "undeploy.sh"), kubectl, "--kubeconfig", cp.Kubeconfig)
	cmd.Env = append(cmd.Environ(), "UNDEPLOY_WAIT=2")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "still held after 2 s")
	assert.Contains(t, string(out), "released 1 WorkflowExecutions")

	assert.True(t, apierrors.IsNotFound(cp.Client.Get(ctx, client.ObjectKeyFromObject(we), we)), "released, it is gone")
	evs := &eventsv1.EventList{}
	require.NoError(t, cp.Client.List(ctx, evs, client.InNamespace("held")))
	var told []string
	for _, e := range evs.Items {
		if e.Regarding.Name == "held" && e.Reason == "AuditAbandoned" && e.Type == "Warning" {
			told = append(told, e.Note)
		}
	}
	assert.Len(t, told, 1, "one AuditAbandoned Event; undeploy said: %s", out)
}
