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

package reliability

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

const crdPath = "config/crd/bases/workflowexecution.kubernaut.ai_workflowexecutions.yaml"

// buildRelease builds the manager of controlplane.PreviousRelease from the
// repository's history into dir and returns the binary and the release's CRD.
func buildRelease(t *testing.T, dir string) (bin string, crd []byte) {
	t.Helper()
	tag := controlplane.PreviousRelease
	src := filepath.Join(dir, "src")
	require.NoError(t, os.MkdirAll(src, 0o755))
	require.NoError(t, controlplane.ExtractPreviousRelease(src))
	bin = filepath.Join(dir, "wfe-conditions-"+tag)
	build := exec.Command("go", "build", "-o", bin, "./cmd/wfe-conditions")
	build.Dir = src
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build %s: %s", tag, out)
	crd, err = os.ReadFile(filepath.Join(src, crdPath))
	require.NoError(t, err)
	return bin, crd
}

// The procedure of docs/operations.md, "Upgrade and rollback", with
// WorkflowExecutions in flight: the previous release's CRD and manager, then
// this one's CRD, then its manager; then back.
func TestUpgradeFromThePreviousReleaseAndRollBackLoseNothing(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	oldBin, oldCRD := buildRelease(t, t.TempDir())
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	newCRD, err := os.ReadFile(filepath.Join(root, crdPath))
	require.NoError(t, err)
	applyCRD := func(crd []byte) {
		_, err := e.cp.KubectlStdin(ctx, crd, "apply", "--server-side", "--force-conflicts", "-f", "-")
		require.NoError(t, err)
	}
	create := func(from, to int) {
		for i := from; i < to; i++ {
			require.NoError(t, e.cp.Client.Create(ctx, newWE(fmt.Sprintf("we-%02d", i))))
		}
	}

	// v0.1.0 had no admission policies; its CRD has no
	// spec.executionConfig.namespace, which the execution policy requires.
	executionBinding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: wfev1.ExecutionPolicyName}}
	removeBinding := func() {
		require.NoError(t, client.IgnoreNotFound(e.cp.Client.Delete(ctx, executionBinding)))
	}
	// The apiserver's admission sees a binding's deletion through an
	// informer: wait until a create passes, dry-run.
	admitted := func() {
		require.Eventually(t, func() bool {
			return e.cp.Client.Create(ctx, newWE("probe"), client.DryRunAll) == nil
		}, 10*time.Second, 50*time.Millisecond, "creates pass once the execution policy's binding is gone")
	}
	removeBinding()
	applyCRD(oldCRD)
	admitted()
	rec := e.record(t)
	old := e.startManagerBinary(t, oldBin)
	create(0, 20)
	time.Sleep(time.Second) // some created, some running, none finished (3 s tasks)

	began := time.Now()
	applyCRD(newCRD)
	require.NoError(t, e.cp.InstallProduct(ctx)) // the manifests: the admission policies again
	require.NoError(t, old.Terminate(30*time.Second), "stopped as the kubelet does in a rolling update")
	upgraded := e.startManager(t)
	upgradeGap := time.Since(began)
	took := e.waitAllComplete(t, 20, 3*time.Minute)
	time.Sleep(time.Second) // late writes reach the recorder
	dups := e.check(t, rec)
	t.Logf("upgrade %s -> this build: manager replaced in %s, all 20 in-flight WorkflowExecutions complete and audited %s later, duplicate audit events %d",
		controlplane.PreviousRelease, upgradeGap.Round(time.Millisecond), took.Round(time.Millisecond), dups)
	// The documented window: events acknowledged in the moment of the stop,
	// before their status write, are sent again; never more than those in flight.
	assert.LessOrEqual(t, dups, 20, "only events acknowledged at the stop are sent again")

	create(20, 30)
	time.Sleep(time.Second)
	began = time.Now()
	require.NoError(t, upgraded.Terminate(30*time.Second), "stopped as the kubelet does in a rolling update")
	removeBinding() // as docs/operations.md says for a rollback to v0.1.0
	applyCRD(oldCRD)
	admitted()
	e.startManagerBinary(t, oldBin)
	rollbackGap := time.Since(began)
	took = e.waitAllComplete(t, 30, 3*time.Minute)
	time.Sleep(time.Second)
	dups = e.check(t, rec)
	t.Logf("rollback to %s: manager replaced in %s, all 30 complete and audited %s later, duplicate audit events %d",
		controlplane.PreviousRelease, rollbackGap.Round(time.Millisecond), took.Round(time.Millisecond), dups)
	assert.LessOrEqual(t, dups, 30, "only events acknowledged at the stop are sent again")
}
