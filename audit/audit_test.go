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

package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
)

func startServer(t *testing.T) *datastorage.Server {
	t.Helper()
	return datastorage.StartTest(t)
}

// finishedWE is a WorkflowExecution whose PipelineRun started and ended.
func finishedWE(name string, failed bool) *wfev1.WorkflowExecution {
	start := metav1.NewTime(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	end := metav1.NewTime(start.Add(95 * time.Second))
	we := &wfev1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: "payment", Name: name, Generation: 1, UID: types.UID("uid-" + name),
			Labels: map[string]string{wfev1.LabelCorrelationID: "rr-payment-api-oomkilled"}},
		Spec: wfev1.WorkflowExecutionSpec{
			RemediationRequestRef: corev1.ObjectReference{Name: "rr-payment-api-oomkilled"},
			WorkflowRef:           wfev1.WorkflowRef{WorkflowID: "increase-memory", Version: "v1.2.0", ContainerImage: "quay.io/kubernaut/increase-memory:v1.2.0"},
			TargetResource:        "payment/deployment/payment-api",
			Parameters:            map[string]string{"MEMORY_LIMIT": "1Gi"},
		},
		Status: wfev1.WorkflowExecutionStatus{
			StartTime: &start, CompletionTime: &end, Duration: &metav1.Duration{Duration: 95 * time.Second},
			PipelineRunRef: &wfev1.PipelineRunReference{Name: name + "-1a2b3c4d"},
		},
	}
	we.SetTektonPipelineCreated(metav1.ConditionTrue, wfev1.ReasonPipelineCreated, "created")
	we.SetTektonPipelineRunning(metav1.ConditionTrue, wfev1.ReasonPipelineStarted, "started")
	if failed {
		we.Status.Phase = wfev1.PhaseFailed
		we.SetTektonPipelineComplete(metav1.ConditionFalse, wfev1.ReasonPipelineFailed, "failed")
		we.Status.FailureDetails = &wfev1.FailureDetails{Reason: wfev1.FailureReasonTaskFailed, Message: "step apply exited 1",
			FailedTaskName: "apply", NaturalLanguageSummary: "Task apply failed", FailedAt: end}
	} else {
		we.Status.Phase = wfev1.PhaseCompleted
		we.SetTektonPipelineComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded, "ok")
	}
	return we
}

func TestEveryEventTheClientSendsIsValidAgainstTheContract(t *testing.T) {
	s := startServer(t)
	c, err := audit.NewClient(audit.ClientOptions{URL: s.URL, Timeout: 2 * time.Second})
	require.NoError(t, err)
	ok, failed := finishedWE("restart", false), finishedWE("restart-failed", true)
	events := []audit.Event{
		audit.BuildEvent(ok, wfev1.AuditEventStarted),
		audit.BuildEvent(ok, wfev1.AuditEventCompleted),
		audit.BuildEvent(failed, wfev1.AuditEventFailed),
	}
	require.NoError(t, c.Send(t.Context(), events))
	assert.Empty(t, s.Invalid())
	require.Len(t, s.Events(), 3)
	assert.Equal(t, "rr-payment-api-oomkilled", s.Events()[0].CorrelationID)

	t.Run("the validator does catch a broken event", func(t *testing.T) {
		bad := audit.BuildEvent(ok, wfev1.AuditEventStarted)
		bad.CorrelationID = ""
		bad.EventData.Phase = "Skipped"
		err := c.Send(t.Context(), []audit.Event{bad})
		require.Error(t, err)
		assert.Len(t, s.Invalid(), 1)
		assert.Contains(t, err.Error(), "400")
	})
}

func TestTheStartEventIsDueOnceThePipelineRunIsCreated(t *testing.T) {
	we := &wfev1.WorkflowExecution{}
	wfev1.EnsureConditions(&we.Status, 1)
	assert.Empty(t, audit.DueEvents(we), "nothing is due before the PipelineRun exists")
	we.SetTektonPipelineCreated(metav1.ConditionTrue, wfev1.ReasonPipelineCreated, "created")
	assert.Equal(t, []string{wfev1.AuditEventStarted}, audit.DueEvents(we), "due before the run starts, as kubernaut's controller sends it")
	e := audit.BuildEvent(we, wfev1.AuditEventStarted)
	assert.Equal(t, "workflowexecution.execution.started", e.EventType)
	assert.Equal(t, string(wfev1.PhasePending), e.EventData.Phase)
}

func TestAWorkflowExecutionAuditedByV010IsNotAuditedAgain(t *testing.T) {
	we := finishedWE("from-v0.1.0", false)
	we.Status.AuditedEvents = []string{wfev1.AuditEventWorkflowStarted, wfev1.AuditEventCompleted}
	assert.Equal(t, []string{wfev1.AuditEventWorkflowStarted, wfev1.AuditEventCompleted}, audit.DueEvents(we))
	assert.Empty(t, audit.Pending(we))
}

func TestDueEventsFollowTheConditions(t *testing.T) {
	we := finishedWE("x", false)
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}, audit.DueEvents(we))
	we.Status.AuditedEvents = []string{wfev1.AuditEventStarted}
	assert.Equal(t, []string{wfev1.AuditEventCompleted}, audit.Pending(we))
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventFailed}, audit.DueEvents(finishedWE("y", true)))
	assert.Empty(t, audit.DueEvents(&wfev1.WorkflowExecution{}))
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		ctype     string
		body      string
		wantErr   bool
		retryable bool
		message   string
	}{
		{"201 is acknowledged", 201, "application/json", `{"event_ids":[]}`, false, false, ""},
		{"202 queued counts as acknowledged", 202, "application/json", ``, false, false, ""},
		{"400 with a problem is final and carries the detail", 400, "application/problem+json",
			`{"type":"https://kubernaut.ai/problems/validation-error","title":"Validation Error","status":400,"detail":"event_type is invalid","field_errors":{"b":"bad","a":"worse"}}`,
			true, false, "DataStorage answered 400 Bad Request: Validation Error: event_type is invalid; a: worse; b: bad"},
		{"401 is retried, and says the token was rejected", 401, "application/problem+json", `{"type":"about:blank","title":"Unauthorized","status":401}`,
			true, true, "DataStorage answered 401 Unauthorized: the token was rejected"},
		{"403 is retried, and names the permissions the identity lacks", 403, "application/problem+json", `{"type":"about:blank","title":"Forbidden","status":403}`,
			true, true, "403 Forbidden: the token's identity lacks get or create on services/data-storage-service"},
		{"408 is retried", 408, "", ``, true, true, "408"},
		{"429 is retried", 429, "", ``, true, true, "429"},
		{"500 is retried", 500, "text/plain", `oops`, true, true, "500 Internal Server Error"},
		{"503 is retried", 503, "application/problem+json", `{"type":"https://kubernaut.ai/problems/service-unavailable","title":"Service Unavailable","status":503}`, true, true, "503"},
		{"a problem body that is not JSON is ignored", 400, "application/problem+json", `<html>`, true, false, "DataStorage answered 400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := audit.ParseResponse(tt.status, tt.ctype, []byte(tt.body))
			if !tt.wantErr {
				assert.NoError(t, err)
				return
			}
			var de *audit.DeliveryError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.retryable, de.Retryable)
			assert.Contains(t, de.Message, tt.message)
		})
	}
}

func TestTheTokenFileIsReReadWhenItChangesAndNeverLogged(t *testing.T) {
	s := startServer(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("first-secret-token\n"), 0o600))
	// The test server is plain http.
	c, err := audit.NewClient(audit.ClientOptions{URL: s.URL, TokenFile: tokenFile, AllowInsecureToken: true, Timeout: time.Second})
	require.NoError(t, err)
	ev := audit.BuildEvent(finishedWE("t", false), wfev1.AuditEventStarted)
	require.NoError(t, c.Send(t.Context(), []audit.Event{ev}))

	require.NoError(t, os.WriteFile(tokenFile, []byte("second-secret-token-rotated\n"), 0o600))
	require.NoError(t, c.Send(t.Context(), []audit.Event{ev}))
	assert.Equal(t, []string{"first-secret-token", "second-secret-token-rotated"}, s.Tokens())

	// Failing deliveries log; the token is in none of those lines.
	var logs bytes.Buffer
	var mu sync.Mutex
	log := funcr.New(func(prefix, args string) { mu.Lock(); logs.WriteString(prefix + args + "\n"); mu.Unlock() }, funcr.Options{Verbosity: 10})
	s.SetFault(datastorage.Unavailable)
	d := audit.NewDelivery(c, audit.Options{BatchSize: 10, FlushInterval: 10 * time.Millisecond, QueueSize: 10,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, func(types.NamespacedName) {}, log)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	require.True(t, d.Offer(finishedWE("t", false), []string{wfev1.AuditEventStarted}))
	require.NoError(t, d.Start(ctx))
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, logs.String(), "503")
	assert.NotContains(t, logs.String(), "secret-token")
}

// recorder collects delivery notifications.
type recorder struct {
	mu   sync.Mutex
	seen map[types.NamespacedName]int
}

func (r *recorder) notify(k types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[types.NamespacedName]int{}
	}
	r.seen[k]++
}

func TestOneBadPayloadDoesNotTakeItsBatchDown(t *testing.T) {
	s := startServer(t)
	c, err := audit.NewClient(audit.ClientOptions{URL: s.URL, Timeout: time.Second})
	require.NoError(t, err)
	rec := &recorder{}
	d := audit.NewDelivery(c, audit.Options{BatchSize: 100, FlushInterval: 20 * time.Millisecond, QueueSize: 100,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, rec.notify, funcr.New(func(string, string) {}, funcr.Options{}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- d.Start(ctx) }()

	for i := range 5 {
		we := finishedWE(fmt.Sprintf("we-%d", i), false)
		if i == 2 {
			// No correlation id: the contract wants 1 to 255 characters.
			we.Spec.RemediationRequestRef.Name = ""
		}
		require.True(t, d.Offer(we, audit.Pending(we)))
	}
	require.Eventually(t, func() bool { return len(s.Events()) == 8 }, 2*time.Second, 10*time.Millisecond, "the 4 good WEs' 8 events arrive")
	cancel()
	require.NoError(t, <-done)
	bad := d.State("uid-we-2")
	require.NotNil(t, bad.Err)
	assert.True(t, bad.Final)
	good := d.State("uid-we-0")
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}, good.Acknowledged)
	assert.Nil(t, good.Err)
}

func TestALongProblemDetailIsBoundedAtParseTime(t *testing.T) {
	long := strings.Repeat("é", 20_000) // 40,000 bytes
	fields := map[string]string{}
	for i := range 100 {
		fields[fmt.Sprintf("field_%03d", i)] = long
	}
	body, err := json.Marshal(map[string]any{"type": "https://kubernaut.ai/problems/service-unavailable",
		"title": "Service Unavailable", "status": 503, "detail": long, "field_errors": fields})
	require.NoError(t, err)

	err = audit.ParseResponse(503, "application/problem+json", body)
	var de *audit.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.True(t, de.Retryable)
	assert.LessOrEqual(t, len(de.Message), 1024, "the message fits a condition message")
	assert.True(t, utf8.ValidString(de.Message), "cut on a rune boundary")
	assert.Contains(t, de.Message, "DataStorage answered 503")
	assert.Contains(t, de.Message, wfev1.TruncationMarker)
	require.NotNil(t, de.Problem)
	assert.LessOrEqual(t, len(de.Problem.Detail), 512)
	assert.LessOrEqual(t, len(de.Problem.FieldErrors), 16)
}
