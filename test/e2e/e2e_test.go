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

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/reconciler"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/tekton"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

const ns = "workflows"

var (
	cp *controlplane.ControlPlane
	ds *datastorage.Server
	// mgr is the shared manager; a test may stop it and start it again with
	// sharedManager (gitops_test.go runs one without DataStorage meanwhile).
	mgr *controlplane.Manager
)

// env starts, once for the package, the control plane, Tekton and kwok, the
// DataStorage test server and the manager (cluster-local pipelines).
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	began := time.Now()
	dir, err := os.MkdirTemp("", "e2e-")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	fail := func(what string, err error) int { fmt.Fprintln(os.Stderr, what+":", err); return 1 }
	if cp, err = controlplane.StartE(dir, controlplane.WithAllTektonCRDs(), controlplane.WithProduct()); err != nil {
		return fail("start control plane", err)
	}
	defer func() { _ = cp.Stop() }()
	cpUp := time.Since(began)
	tk, err := tekton.Start(cp, dir)
	if err != nil {
		return fail("start tekton (logs in "+keep(dir)+")", err)
	}
	defer tk.Stop()
	if ds, err = datastorage.Start(); err != nil {
		return fail("start DataStorage test server", err)
	}
	defer ds.Close()
	if mgr, err = startManager(dir); err != nil {
		return fail("start manager", err)
	}
	defer func() { mgr.Stop() }()
	fmt.Printf("e2e harness up in %s (control plane %s, Tekton ready after %s)\n", time.Since(began).Round(time.Millisecond), cpUp.Round(time.Millisecond), tk.StartupTime.Round(time.Millisecond))
	code := m.Run()
	if invalid := ds.Invalid(); len(invalid) > 0 {
		fmt.Fprintln(os.Stderr, "requests that break DataStorage's contract:", invalid)
		code = 1
	}
	fmt.Printf("e2e suite wall time %s\n", time.Since(began).Round(time.Millisecond))
	return code
}

// keep copies the harness logs out of dir before it is removed, for a failure report.
func keep(dir string) string {
	dst, err := os.MkdirTemp("", "e2e-logs-")
	if err != nil {
		return dir
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, l := range logs {
		if data, err := os.ReadFile(l); err == nil {
			_ = os.WriteFile(filepath.Join(dst, filepath.Base(l)), data, 0o600)
		}
	}
	return dst
}

func startManager(dir string) (*controlplane.Manager, error) {
	ctx := context.Background()
	for _, n := range []string{ns} {
		if err := cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}); err != nil {
			return nil, err
		}
		if err := cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: n, Name: "default"}}); err != nil {
			return nil, err
		}
	}
	for _, p := range Pipelines(ns) {
		if err := cp.Client.Create(ctx, p); err != nil {
			return nil, err
		}
	}
	return cp.StartManagerE(dir, sharedManager)
}

// sharedManager tunes the shared manager: cluster-local pipelines, audited to
// the DataStorage test server.
func sharedManager(o *wiring.Options) {
	o.PipelineSource = reconciler.PipelineSourceCluster
	o.DataStorage.URL = ds.URL
}

// swapManager stops the shared manager for the rest of the test and, given
// tunes, starts one tuned so (over sharedManager's settings) meanwhile. The
// returned resume, also run when the test ends, brings the shared one back.
func swapManager(t *testing.T, tune ...func(*wiring.Options)) (resume func()) {
	t.Helper()
	dir := filepath.Dir(mgr.Options.WebhookCertDir) // the harness folder the shared manager started from
	mgr.Stop()
	var tuned *controlplane.Manager
	if len(tune) > 0 {
		tuned = cp.StartManager(t, append([]func(*wiring.Options){sharedManager}, tune...)...)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if tuned != nil {
				tuned.Stop()
			}
			restarted, err := cp.StartManagerE(dir, sharedManager)
			require.NoError(t, err, "restart the shared manager")
			mgr = restarted
		})
	}
	t.Cleanup(resume)
	return resume
}

func pipelineRunOf(t *testing.T, we *wfev1.WorkflowExecution) *tektonv1.PipelineRun {
	t.Helper()
	pr := &tektonv1.PipelineRun{}
	require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: we.Status.PipelineRunRef.Name}, pr))
	return pr
}

func TestAThreeTaskPipelineShowsProgressAndSucceeds(t *testing.T) {
	we := wetest.New(ns, "three-tasks", wetest.Pipeline("build-test-deploy"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	progress := map[string]bool{}
	got := wetest.WaitFor(t, cp.Client, we, 30*time.Second, func(we *wfev1.WorkflowExecution) bool {
		if c := we.Condition(wfev1.ConditionTektonPipelineRunning); c != nil && c.Status == metav1.ConditionTrue {
			progress[c.Message] = true
		}
		return wetest.CompleteIs(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded)(we)
	})
	t.Logf("progress messages seen: %v", progress)
	sawProgress := false
	for m := range progress {
		for _, want := range []string{"executing task test (1 of 3 complete)", "executing task deploy (2 of 3 complete)"} {
			sawProgress = sawProgress || strings.Contains(m, want)
		}
	}
	assert.True(t, sawProgress, "the Running message showed progress as tasks finished")
	cp.MustKubectl(t, "wait", "-n", ns, "wfe/three-tasks", "--for=condition=TektonPipelineComplete", "--timeout=10s")

	pr := pipelineRunOf(t, got)
	assert.Equal(t, wfev1.PhaseCompleted, got.Status.Phase)
	assert.True(t, pr.Status.StartTime.Equal(got.Status.StartTime))
	assert.True(t, pr.Status.CompletionTime.Equal(got.Status.CompletionTime))
	assert.Equal(t, pr.Status.CompletionTime.Sub(pr.Status.StartTime.Time), got.Status.Duration.Duration)
	assert.Equal(t, 3, got.Status.PipelineRunStatus.CompletedTasks)
	assert.Equal(t, 3, got.Status.PipelineRunStatus.TotalTasks)
	assert.Equal(t, pr.Status.GetCondition(apis.ConditionSucceeded).Reason, got.Status.PipelineRunStatus.Reason)
}

func TestAFailingTaskFailsTheExecutionAndIsNamed(t *testing.T) {
	we := wetest.New(ns, "task-fails", wetest.Pipeline("deploy-fails"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineFailed))
	assert.Equal(t, wfev1.PhaseFailed, got.Status.Phase)
	assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineComplete).Message, "failed task: deploy")
	require.NotNil(t, got.Status.FailureDetails)
	assert.Equal(t, "deploy", got.Status.FailureDetails.FailedTaskName)
	assert.Equal(t, wfev1.FailureReasonTaskFailed, got.Status.FailureDetails.Reason)
}

func TestATimeoutIsPipelineTimeout(t *testing.T) {
	we := wetest.New(ns, "times-out", wetest.Pipeline("never-ends"))
	we.Spec.ExecutionConfig = &wfev1.ExecutionConfig{Timeout: &metav1.Duration{Duration: 5 * time.Second}}
	require.NoError(t, cp.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineTimeout))
	assert.Equal(t, metav1.ConditionTrue, got.Condition(wfev1.ConditionTektonPipelineRunning).Status)
	assert.Equal(t, wfev1.FailureReasonDeadlineExceeded, got.Status.FailureDetails.Reason)
}

func TestACancellationBySomeoneElseIsPipelineCancelled(t *testing.T) {
	we := wetest.New(ns, "cancelled", wetest.Pipeline("never-ends"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, cp.Client, we, 30*time.Second, func(we *wfev1.WorkflowExecution) bool {
		c := we.Condition(wfev1.ConditionTektonPipelineRunning)
		return c != nil && c.Status == metav1.ConditionTrue
	})
	pr := pipelineRunOf(t, got)
	cp.MustKubectl(t, "patch", "pipelinerun", pr.Name, "-n", ns, "--type=merge", "-p", `{"spec":{"status":"Cancelled"}}`)
	wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineCancelled))
}

func TestAMissingPipelineNeverStarts(t *testing.T) {
	we := wetest.New(ns, "no-pipeline", wetest.Pipeline("does-not-exist"))
	require.NoError(t, cp.Client.Create(t.Context(), we))
	got := wetest.WaitFor(t, cp.Client, we, 30*time.Second, wetest.CompleteIs(metav1.ConditionFalse, wfev1.ReasonPipelineFailed))
	r := got.Condition(wfev1.ConditionTektonPipelineRunning)
	assert.Equal(t, metav1.ConditionFalse, r.Status)
	assert.Equal(t, wfev1.ReasonPipelineFailedToStart, r.Reason)
	assert.Contains(t, got.Condition(wfev1.ConditionTektonPipelineComplete).Message, "CouldntGetPipeline")
}

func TestTwentyMixedExecutionsAllEndRightAndAreAudited(t *testing.T) {
	type want struct {
		status metav1.ConditionStatus
		reason string
		event  string
	}
	cases := map[string]want{
		"build-test-deploy": {metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded, wfev1.AuditEventCompleted},
		"deploy-fails":      {metav1.ConditionFalse, wfev1.ReasonPipelineFailed, wfev1.AuditEventFailed},
	}
	record := versions(t, "mixed-")
	var wes []*wfev1.WorkflowExecution
	pipelines := []string{"build-test-deploy", "deploy-fails"}
	start := time.Now()
	for i := range 20 {
		we := wetest.New(ns, fmt.Sprintf("mixed-%02d", i), wetest.Pipeline(pipelines[i%2]))
		require.NoError(t, cp.Client.Create(t.Context(), we))
		wes = append(wes, we)
	}
	for _, we := range wes {
		w := cases[we.Spec.WorkflowRef.WorkflowID]
		got := wetest.WaitFor(t, cp.Client, we, 60*time.Second, func(we *wfev1.WorkflowExecution) bool {
			return wetest.CompleteIs(w.status, w.reason)(we) && len(we.Status.AuditedEvents) == 2
		})
		assert.Equal(t, []string{wfev1.AuditEventStarted, w.event}, got.Status.AuditedEvents)
		assert.Equal(t, metav1.ConditionTrue, got.Condition(wfev1.ConditionAuditRecorded).Status)
	}
	t.Logf("20 mixed executions finished and audited in %s", time.Since(start).Round(time.Millisecond))
	received := map[string]int{}
	for _, e := range ds.Events() {
		received[e.EventData.ExecutionName+" "+e.EventType]++
	}
	for _, we := range wes {
		w := cases[we.Spec.WorkflowRef.WorkflowID]
		assert.Equal(t, 1, received[we.Name+" "+wfev1.AuditEventStarted], we.Name)
		assert.Equal(t, 1, received[we.Name+" "+w.event], we.Name)
	}
	assertAuditNeverLies(t, record())
}
