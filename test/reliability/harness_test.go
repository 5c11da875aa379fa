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
	"context"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/invariants"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/process"
	"kubernaut.ai/wfe-conditions/test/framework/tekton"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

const ns = "reliability"

// env is a control plane with Tekton's real controller, kwok, the DataStorage
// test server and the webhook registered at a fixed address, so that manager
// processes can come and go.
type env struct {
	cp   *controlplane.ControlPlane
	ds   *datastorage.Server
	dir  string
	port int
}

func setup(t *testing.T) *env {
	t.Helper()
	cp := controlplane.Start(t, controlplane.WithAllTektonCRDs(), controlplane.WithProduct())
	dir := t.TempDir()
	tk, err := tekton.Start(cp, dir)
	require.NoError(t, err)
	t.Cleanup(tk.Stop)
	ds := datastorage.StartTest(t)
	cp.CreateNamespace(t, ns)
	one := func(name string, annotations map[string]string) *tektonv1.Pipeline {
		return &tektonv1.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: tektonv1.PipelineSpec{
			Params: tektonv1.ParamSpecs{{Name: "TARGET_RESOURCE", Type: tektonv1.ParamTypeString}},
			Tasks: []tektonv1.PipelineTask{{Name: "act", TaskSpec: &tektonv1.EmbeddedTask{
				Metadata: tektonv1.PipelineTaskMetadata{Annotations: annotations},
				TaskSpec: tektonv1.TaskSpec{Steps: []tektonv1.Step{{Name: "run", Image: "registry.example/tools:1", Script: "echo act"}}},
			}}},
		}}
	}
	require.NoError(t, cp.Client.Create(t.Context(), one("slow", map[string]string{tekton.AnnotationDelay: "3s"})))
	port, err := paths.FreePort()
	require.NoError(t, err)
	b, err := certs.SelfSigned("127.0.0.1", "localhost")
	require.NoError(t, err)
	require.NoError(t, b.WriteFiles(filepath.Join(dir, "certs")))
	require.NoError(t, cp.InstallWebhook(t.Context(), net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), b.CAPEM))
	return &env{cp: cp, ds: ds, dir: dir, port: port}
}

// startManager runs a manager process serving the registered webhook address;
// extra flags are appended (a later --webhook-port wins).
func (e *env) startManager(t *testing.T, extra ...string) *process.Proc {
	t.Helper()
	bin, err := paths.Binary("wfe-conditions")
	require.NoError(t, err)
	return e.startManagerBinary(t, bin, extra...)
}

// startManagerBinary is startManager with another build of the manager. Each
// manager appends to the same log; one that exits unasked is reported with its
// end.
func (e *env) startManagerBinary(t *testing.T, bin string, extra ...string) *process.Proc {
	t.Helper()
	var err error
	ports := make([]int, 2)
	for i := range ports {
		ports[i], err = paths.FreePort()
		require.NoError(t, err)
	}
	kubeconfig, err := e.cp.ManagerKubeconfig()
	require.NoError(t, err)
	args := append([]string{"--kubeconfig", kubeconfig, "--webhook-host=127.0.0.1", "--webhook-port", strconv.Itoa(e.port),
		"--webhook-cert-dir", filepath.Join(e.dir, "certs"), "--metrics-bind-address", "127.0.0.1:" + strconv.Itoa(ports[0]),
		"--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(ports[1]), "--pipeline-source=cluster",
		"--datastorage-url", e.ds.URL, "--audit-max-backoff=1s", "--datastorage-timeout=5s"}, extra...)
	p, err := process.Start("manager", bin, process.Options{Log: filepath.Join(e.dir, "manager.log"), Append: true}, args...)
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	require.NoError(t, controlplane.WaitReady(t.Context(), "http://127.0.0.1:"+strconv.Itoa(ports[1])+"/readyz", 30*time.Second))
	return p
}

// recorder keeps every version of every WorkflowExecution a watcher sees.
type recorder struct {
	mu       sync.Mutex
	versions map[string][]*wfev1.WorkflowExecution
	stop     func()
}

func (e *env) record(t *testing.T) *recorder {
	t.Helper()
	w, err := e.cp.WatchClient(t).Watch(context.Background(), &wfev1.WorkflowExecutionList{}, client.InNamespace(ns))
	require.NoError(t, err)
	r := &recorder{versions: map[string][]*wfev1.WorkflowExecution{}, stop: w.Stop}
	go func() {
		for ev := range w.ResultChan() {
			if we, ok := ev.Object.(*wfev1.WorkflowExecution); ok && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				r.mu.Lock()
				r.versions[we.Name] = append(r.versions[we.Name], we)
				r.mu.Unlock()
			}
		}
	}()
	t.Cleanup(w.Stop)
	return r
}

// newWE records where and as whom it runs, as a caller that needs no webhook
// does: several tests here run with the webhook gone or of another version.
func newWE(name string) *wfev1.WorkflowExecution {
	return wetest.New(ns, name, wetest.Workflow("slow", "1", "registry.example/slow:1"),
		wetest.RunIn(ns), wetest.ServiceAccount(wfev1.TektonDefaultServiceAccount))
}

// waitAllComplete waits until every WorkflowExecution of the namespace is
// complete and audited, and returns how long that took.
func (e *env) waitAllComplete(t *testing.T, n int, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	require.Eventually(t, func() bool {
		list := &wfev1.WorkflowExecutionList{}
		require.NoError(t, e.cp.Client.List(t.Context(), list, client.InNamespace(ns)))
		done := 0
		for i := range list.Items {
			we := &list.Items[i]
			c := we.Condition(wfev1.ConditionTektonPipelineComplete)
			a := we.Condition(wfev1.ConditionAuditRecorded)
			if c != nil && c.Status != metav1.ConditionUnknown && a != nil && a.Status == metav1.ConditionTrue {
				done++
			}
		}
		return done == n
	}, timeout, 500*time.Millisecond, "all %d WorkflowExecutions complete and audited", n)
	return time.Since(start)
}

func conditionStatus(we *wfev1.WorkflowExecution, typ string) metav1.ConditionStatus {
	if c := we.Condition(typ); c != nil {
		return c.Status
	}
	return ""
}

// checkVersion checks one status version: our four conditions, stamped with
// the generation, and AuditRecorded True only when every due event is recorded.
func checkVersion(t *testing.T, name string, we *wfev1.WorkflowExecution, foreign []string) {
	t.Helper()
	ours := 0
	for _, c := range we.Status.Conditions {
		if !slices.Contains(foreign, c.Type) {
			ours++
		}
		assert.Equal(t, we.Generation, c.ObservedGeneration, "%s %s observedGeneration", name, c.Type)
	}
	assert.Equal(t, 4, ours, "%s rv %s carries the four conditions", name, we.ResourceVersion)
	assert.Empty(t, invariants.UnacknowledgedWhileAudited(we), "%s rv %s: AuditRecorded=True while events are unacknowledged", name, we.ResourceVersion)
}

// checkNoRegression checks that no condition went back between two versions.
func checkNoRegression(t *testing.T, name string, prev, we *wfev1.WorkflowExecution) {
	t.Helper()
	if conditionStatus(prev, wfev1.ConditionTektonPipelineCreated) == metav1.ConditionTrue {
		assert.Equal(t, metav1.ConditionTrue, conditionStatus(we, wfev1.ConditionTektonPipelineCreated), "%s: Created went back", name)
	}
	if conditionStatus(prev, wfev1.ConditionTektonPipelineRunning) == metav1.ConditionTrue {
		assert.NotEqual(t, metav1.ConditionUnknown, conditionStatus(we, wfev1.ConditionTektonPipelineRunning), "%s: Running went back", name)
	}
	if pc := prev.Condition(wfev1.ConditionTektonPipelineComplete); pc != nil && pc.Status != metav1.ConditionUnknown {
		c := we.Condition(wfev1.ConditionTektonPipelineComplete)
		assert.Equal(t, pc.Status, c.Status, "%s: a finished Complete changed", name)
		assert.Equal(t, pc.Reason, c.Reason, "%s: a finished Complete changed", name)
	}
}

// check verifies the invariants over everything the recorder saw and returns
// the number of duplicate audit events.
func (e *env) check(t *testing.T, r *recorder) int {
	t.Helper()
	return e.checkAllowing(t, r)
}

// checkAllowing is check where other writers may add the named condition
// types of their own next to our four.
func (e *env) checkAllowing(t *testing.T, r *recorder, foreign ...string) int {
	t.Helper()
	held := e.ds.Events()
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, versions := range r.versions {
		var prev *wfev1.WorkflowExecution
		for _, we := range versions {
			if len(we.Status.Conditions) == 0 {
				continue // the create, before any status write
			}
			checkVersion(t, name, we, foreign)
			assert.Empty(t, invariants.NotHeldWhileAudited(we, held), "%s rv %s: AuditRecorded=True while DataStorage lacks events", name, we.ResourceVersion)
			if prev != nil {
				checkNoRegression(t, name, prev, we)
			}
			prev = we
		}
	}
	// One PipelineRun per WorkflowExecution, and final conditions that match it.
	prs := &tektonv1.PipelineRunList{}
	require.NoError(t, e.cp.Client.List(t.Context(), prs, client.InNamespace(ns)))
	perWE := map[string][]tektonv1.PipelineRun{}
	for _, pr := range prs.Items {
		perWE[pr.Labels[wfev1.LabelWorkflowExecution]] = append(perWE[pr.Labels[wfev1.LabelWorkflowExecution]], pr)
	}
	list := &wfev1.WorkflowExecutionList{}
	require.NoError(t, e.cp.Client.List(t.Context(), list, client.InNamespace(ns)))
	for _, we := range list.Items {
		require.Len(t, perWE[we.Name], 1, "%s has exactly one PipelineRun", we.Name)
		pr := perWE[we.Name][0]
		if c := pr.Status.GetCondition(apis.ConditionSucceeded); c != nil && c.Status == corev1.ConditionTrue {
			assert.Equal(t, metav1.ConditionTrue, conditionStatus(&we, wfev1.ConditionTektonPipelineComplete), we.Name)
		}
	}
	// Every lifecycle event reached DataStorage at least once.
	received := map[string]int{}
	for _, ev := range e.ds.Events() {
		received[ev.EventData.ExecutionName+" "+ev.EventType]++
	}
	dups := 0
	for _, we := range list.Items {
		for _, typ := range audit.DueEvents(&we) {
			n := received[we.Name+" "+typ]
			assert.GreaterOrEqual(t, n, 1, "%s %s reached DataStorage", we.Name, typ)
			if n > 1 {
				dups += n - 1
			}
		}
	}
	return dups
}
