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

package integration

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
)

func startDataStorage(t *testing.T) *datastorage.Server {
	t.Helper()
	s := datastorage.StartTest(t)
	t.Cleanup(func() { assert.Empty(t, s.Invalid(), "every request the client sent is valid against the contract") })
	return s
}

func withDataStorage(s *datastorage.Server) func(*wiring.Options) {
	return func(o *wiring.Options) { o.DataStorage.URL = s.URL }
}

// auditedSetup starts a DataStorage test server, a control plane and a
// manager auditing to that server, and creates the namespace.
func auditedSetup(t *testing.T, namespace string) (*datastorage.Server, *controlplane.ControlPlane, tekton) {
	t.Helper()
	ds := startDataStorage(t)
	cp := controlplane.Start(t)
	cp.StartManager(t, withDataStorage(ds))
	cp.CreateNamespace(t, namespace)
	return ds, cp, tekton{t, cp}
}

// eventsOf counts the events the server received per event type for one WE.
func eventsOf(s *datastorage.Server, name string) map[string]int {
	out := map[string]int{}
	for _, e := range s.Events() {
		if e.EventData.ExecutionName == name {
			out[e.EventType]++
		}
	}
	return out
}

// runToSuccess drives the WE's PipelineRun to Succeeded like Tekton would.
func runToSuccess(t *testing.T, tk tekton, we *wfev1.WorkflowExecution) {
	t.Helper()
	pr := tk.pipelineRunOf(we, we.Namespace)
	tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0", "a")
}

func TestALifecycleIsAuditedOnceInOrder(t *testing.T) {
	ds, cp, tk := auditedSetup(t, "audited")
	history := statusHistory(t, cp, "audited")

	we := newWE("audited", "lifecycle")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	pr := tk.pipelineRunOf(we, "audited")
	tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
	eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionTrue, wfev1.ReasonAuditSucceeded))
	tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "", "a")
	got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, func(we *wfev1.WorkflowExecution) bool {
		return len(we.Status.AuditedEvents) == 2
	})
	c := got.Condition(wfev1.ConditionAuditRecorded)
	assert.Equal(t, metav1.ConditionTrue, c.Status)
	assert.Contains(t, c.Message, "latest: "+wfev1.AuditEventCompleted)
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}, got.Status.AuditedEvents)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, map[string]int{wfev1.AuditEventStarted: 1, wfev1.AuditEventCompleted: 1}, eventsOf(ds, "lifecycle"))
	var order []string
	for _, e := range ds.Events() {
		order = append(order, e.EventType)
	}
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}, order)

	versions := history()
	assertAuditNeverLies(t, ds, versions)
	for _, v := range versions {
		if c := v.Condition(wfev1.ConditionTektonPipelineComplete); c != nil && c.Status == metav1.ConditionTrue {
			a := v.Condition(wfev1.ConditionAuditRecorded)
			assert.Equal(t, metav1.ConditionUnknown, a.Status, "the write that finishes the run makes completed due: AuditRecorded is pending in it")
			assert.Equal(t, wfev1.ReasonAuditPending, a.Reason)
			assert.Contains(t, a.Message, wfev1.AuditEventCompleted)
			break
		}
	}
}

func TestASlowDataStorageNeverMakesAuditRecordedLie(t *testing.T) {
	ds, cp, tk := auditedSetup(t, "slow")
	history := statusHistory(t, cp, "slow")

	ds.SetFault(datastorage.Fault{Delay: 700 * time.Millisecond})
	var wes []*wfev1.WorkflowExecution
	for i := range 5 {
		we := newWE("slow", fmt.Sprintf("slow-%d", i))
		require.NoError(t, cp.Client.Create(t.Context(), we))
		wes = append(wes, we)
	}
	for i, we := range wes {
		pr := tk.pipelineRunOf(we, "slow")
		tk.set(pr, corev1.ConditionUnknown, tektonv1.PipelineRunReasonRunning, "", "a")
		if i%2 == 0 {
			tk.set(pr, corev1.ConditionTrue, tektonv1.PipelineRunReasonSuccessful, "", "a")
		} else {
			tk.set(pr, corev1.ConditionFalse, tektonv1.PipelineRunReasonFailed, "", "a")
		}
	}
	for _, we := range wes {
		eventually(t, cp, client.ObjectKeyFromObject(we), 20*time.Second, func(we *wfev1.WorkflowExecution) bool {
			return len(we.Status.AuditedEvents) == 2
		})
	}
	assertAuditNeverLies(t, ds, history())
}

func TestAnOutageShowsAsAuditFailedAndLosesNothing(t *testing.T) {
	ds, cp, tk := auditedSetup(t, "outage")
	history := statusHistory(t, cp, "outage")

	ds.SetFault(datastorage.Fault{Status: 503, Problem: `{"type":"https://kubernaut.ai/problems/service-unavailable","title":"Service Unavailable","status":503,"detail":"database unavailable"}`})
	outageStart := time.Now()
	we := newWE("outage", "during-outage")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	runToSuccess(t, tk, we)
	got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionFalse, wfev1.ReasonAuditFailed))
	assert.Contains(t, got.Condition(wfev1.ConditionAuditRecorded).Message, "503 Service Unavailable: Service Unavailable: database unavailable")

	time.Sleep(10*time.Second - time.Since(outageStart))
	ds.SetFault(datastorage.Fault{})
	eventually(t, cp, client.ObjectKeyFromObject(we), 10*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionTrue, wfev1.ReasonAuditSucceeded))
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, map[string]int{wfev1.AuditEventStarted: 1, wfev1.AuditEventCompleted: 1}, eventsOf(ds, "during-outage"), "none lost, none duplicated")
	told := eventTypes(t, cp, "outage", "during-outage", 5)
	assert.Equal(t, "Warning", told[wfev1.ReasonAuditFailed], "the failure is told: %v", told)
	assert.Equal(t, "Normal", told[wfev1.ReasonAuditSucceeded], "and the recovery: %v", told)
	t.Logf("requests during a 10 s outage and after: %d", ds.Requests())
	assertAuditNeverLies(t, ds, history())
}

func TestARefusedEventShowsTheServersDetailWithoutAHotLoop(t *testing.T) {
	ds, cp, tk := auditedSetup(t, "refused")

	ds.SetFault(datastorage.Fault{Status: 400, Problem: `{"type":"https://kubernaut.ai/problems/validation-error","title":"Validation Error","status":400,"detail":"workflow_id is not in the catalog"}`})
	we := newWE("refused", "bad")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	runToSuccess(t, tk, we)
	got := eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionFalse, wfev1.ReasonAuditFailed))
	assert.Contains(t, got.Condition(wfev1.ConditionAuditRecorded).Message, "workflow_id is not in the catalog")
	before := ds.Requests()
	time.Sleep(3 * time.Second)
	assert.LessOrEqual(t, ds.Requests()-before, 1, "no hot retry loop after a final 4xx")
	assert.LessOrEqual(t, ds.Requests(), 4, "each refused payload is sent once (a batch is split once)")
}

func TestEventsUnacknowledgedAtARestartAreSentAfterIt(t *testing.T) {
	ds := startDataStorage(t)
	cp := controlplane.Start(t)
	m := cp.StartManager(t, withDataStorage(ds))
	cp.CreateNamespace(t, "restart-audit")
	tk := tekton{t, cp}

	ds.Refuse() // DataStorage down: nothing can be acknowledged
	we := newWE("restart-audit", "unacked")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	runToSuccess(t, tk, we)
	eventually(t, cp, client.ObjectKeyFromObject(we), 5*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionFalse, wfev1.ReasonAuditFailed))
	m.Stop()
	require.NoError(t, ds.Resume())

	cp.RunUnregisteredManager(t, withDataStorage(ds))
	got := eventually(t, cp, client.ObjectKeyFromObject(we), 10*time.Second, conditionIs(wfev1.ConditionAuditRecorded, metav1.ConditionTrue, wfev1.ReasonAuditSucceeded))
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}, got.Status.AuditedEvents)
	assert.Equal(t, map[string]int{wfev1.AuditEventStarted: 1, wfev1.AuditEventCompleted: 1}, eventsOf(ds, "unacked"))
}

func TestAThousandExecutionsAreAuditedInFewRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 lifecycles take about a minute; skipped with -short")
	}
	ds := startDataStorage(t)
	cp := controlplane.Start(t)
	cp.StartManager(t, withDataStorage(ds), func(o *wiring.Options) { o.DataStorage.FlushInterval = 500 * time.Millisecond })
	cp.CreateNamespace(t, "many")
	tk := tekton{t, cp}
	ctx := t.Context()
	const n = 1000

	wes := make([]*wfev1.WorkflowExecution, n)
	parallel(t, n, func(i int) {
		wes[i] = newWE("many", fmt.Sprintf("we-%04d", i))
		require.NoError(t, cp.Client.Create(ctx, wes[i]))
	})
	parallel(t, n, func(i int) { runToSuccess(t, tk, wes[i]) })
	require.Eventually(t, func() bool { return len(ds.Events()) >= 2*n }, 300*time.Second, 200*time.Millisecond,
		"all %d events delivered; got %d", 2*n, len(ds.Events()))
	list := &wfev1.WorkflowExecutionList{}
	require.Eventually(t, func() bool {
		require.NoError(t, cp.Client.List(ctx, list, client.InNamespace("many")))
		for _, we := range list.Items {
			if len(we.Status.AuditedEvents) != 2 {
				return false
			}
		}
		return true
	}, 300*time.Second, 200*time.Millisecond, "every WE records both acknowledgements") // 2,000 status writes; minutes when the suite's packages share two cores
	perWE := map[string]int{}
	for _, e := range ds.Events() {
		perWE[e.EventData.ExecutionName+"/"+e.EventType]++
	}
	assert.Len(t, perWE, 2*n, "every lifecycle event of every WE")
	t.Logf("%d events in %d requests: %.1f events per request", len(ds.Events()), ds.Requests(), float64(len(ds.Events()))/float64(ds.Requests()))
	// The ratio depends on how fast the executions finish on a busy machine
	// (8.8 to 13 measured here); at least 4 events per request on average.
	assert.Less(t, 4*ds.Requests(), len(ds.Events()), "far fewer requests than events")
}

// parallel runs f(0..n-1) on 8 workers. The work is queued up front, so a
// worker that a failed require ends cannot leave the feeder blocked: the test
// fails with its message instead of hanging.
func parallel(t *testing.T, n int, f func(i int)) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int, n)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}
