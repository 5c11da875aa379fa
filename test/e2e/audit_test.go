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
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/invariants"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// versions records every version of the WorkflowExecutions whose names start
// with prefix, as a watcher sees them, until the returned function is called.
func versions(t *testing.T, prefix string) func() []*wfev1.WorkflowExecution {
	t.Helper()
	w, err := cp.WatchClient(t).Watch(t.Context(), &wfev1.WorkflowExecutionList{}, client.InNamespace(ns))
	require.NoError(t, err)
	var mu sync.Mutex
	var seen []*wfev1.WorkflowExecution
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if we, ok := ev.Object.(*wfev1.WorkflowExecution); ok && strings.HasPrefix(we.Name, prefix) &&
				(ev.Type == watch.Added || ev.Type == watch.Modified) {
				mu.Lock()
				seen = append(seen, we)
				mu.Unlock()
			}
		}
	}()
	return func() []*wfev1.WorkflowExecution {
		w.Stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

// assertAuditNeverLies checks on every version: AuditRecorded=True only while
// every lifecycle event that version calls for is in status.auditedEvents.
func assertAuditNeverLies(t *testing.T, seen []*wfev1.WorkflowExecution) {
	t.Helper()
	require.NotEmpty(t, seen)
	checked := 0
	held := ds.Events()
	for _, we := range seen {
		if c := we.Condition(wfev1.ConditionAuditRecorded); c != nil && c.Status == metav1.ConditionTrue {
			checked++
		}
		assert.Empty(t, invariants.UnacknowledgedWhileAudited(we), "%s rv %s: AuditRecorded=True while events are unacknowledged", we.Name, we.ResourceVersion)
		assert.Empty(t, invariants.NotHeldWhileAudited(we, held), "%s rv %s: AuditRecorded=True while DataStorage lacks events", we.Name, we.ResourceVersion)
	}
	t.Logf("%d versions recorded, %d with AuditRecorded=True", len(seen), checked)
}

func TestASlowThenFailingDataStorageNeverMakesAuditRecordedLie(t *testing.T) {
	record := versions(t, "flaky-")
	ds.SetFault(datastorage.Fault{Delay: 700 * time.Millisecond})
	t.Cleanup(func() { ds.SetFault(datastorage.Fault{}) })
	var wes []*wfev1.WorkflowExecution
	pipelines := []string{"build-test-deploy", "deploy-fails"}
	for i := range 6 {
		we := wetest.New(ns, fmt.Sprintf("flaky-%02d", i), wetest.Pipeline(pipelines[i%2]))
		require.NoError(t, cp.Client.Create(t.Context(), we))
		wes = append(wes, we)
	}
	time.Sleep(2 * time.Second)
	ds.SetFault(datastorage.Unavailable)
	time.Sleep(5 * time.Second)
	ds.SetFault(datastorage.Fault{})
	for _, we := range wes {
		wetest.WaitFor(t, cp.Client, we, 60*time.Second, func(we *wfev1.WorkflowExecution) bool {
			c := we.Condition(wfev1.ConditionAuditRecorded)
			return len(we.Status.AuditedEvents) == 2 && c != nil && c.Status == metav1.ConditionTrue
		})
	}
	assertAuditNeverLies(t, record())
}
