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

package reconciler

import (
	"errors"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// withComplete returns a WorkflowExecution whose TektonPipelineComplete has
// the given status and reason; an empty status means no condition.
func withComplete(status metav1.ConditionStatus, reason string) *wfev1.WorkflowExecution {
	we := &wfev1.WorkflowExecution{}
	if status != "" {
		we.SetTektonPipelineComplete(status, reason, "m")
	}
	return we
}

func TestTheFinishedCounterCountsTheWriteThatEndsTheRun(t *testing.T) {
	running := withComplete(metav1.ConditionUnknown, wfev1.ReasonPipelineRunning)
	tests := []struct {
		name            string
		before, after   *wfev1.WorkflowExecution
		outcome, reason string
		counted         bool
	}{
		{"a success counts as succeeded PipelineSucceeded", running, withComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded), outcomeSucceeded, wfev1.ReasonPipelineSucceeded, true},
		{"a timeout counts as failed PipelineTimeout", running, withComplete(metav1.ConditionFalse, wfev1.ReasonPipelineTimeout), outcomeFailed, wfev1.ReasonPipelineTimeout, true},
		{"a cancellation counts as failed PipelineCancelled", running, withComplete(metav1.ConditionFalse, wfev1.ReasonPipelineCancelled), outcomeFailed, wfev1.ReasonPipelineCancelled, true},
		{"a failed creation counts from no condition at all", withComplete("", ""), withComplete(metav1.ConditionFalse, wfev1.ReasonPipelineFailed), outcomeFailed, wfev1.ReasonPipelineFailed, true},
		{"a reason outside the bounded set counts as Other", running, withComplete(metav1.ConditionFalse, "SomethingNew"), outcomeFailed, labelOther, true},
		{"a write to a finished run counts nothing", withComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded), withComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded), "", "", false},
		{"progress counts nothing", running, running, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.counted {
				total := counterSum(t, metricFinished)
				countFinished(tt.before, tt.after)
				assert.Zero(t, counterSum(t, metricFinished)-total)
				return
			}
			c := metricFinished.WithLabelValues(tt.outcome, tt.reason)
			before := testutil.ToFloat64(c)
			countFinished(tt.before, tt.after)
			assert.Equal(t, 1.0, testutil.ToFloat64(c)-before)
		})
	}
}

// counterSum adds up every series of a counter vector.
func counterSum(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 64)
	go func() { c.Collect(ch); close(ch) }()
	sum := 0.0
	for m := range ch {
		var d dto.Metric
		require.NoError(t, m.Write(&d))
		sum += d.GetCounter().GetValue()
	}
	return sum
}

func TestRefusedStatusWritesAreCountedByABoundedReason(t *testing.T) {
	gr := schema.GroupResource{Group: wfev1.GroupVersion.Group, Resource: "workflowexecutions"}
	webhookDenial := &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 400, Reason: "MadeUpByAWebhook"}}
	tests := []struct {
		name     string
		err      error
		reason   string
		conflict bool
	}{
		{"an invalid write counts as Invalid", apierrors.NewInvalid(wfev1.GroupVersion.WithKind("WorkflowExecution").GroupKind(), "we", nil), "Invalid", false},
		{"a forbidden write counts as Forbidden", apierrors.NewForbidden(gr, "we", errors.New("no")), "Forbidden", false},
		{"an overloaded apiserver counts as TooManyRequests", apierrors.NewTooManyRequests("slow down", 1), "TooManyRequests", false},
		{"an unknown reason from a webhook counts as Other", webhookDenial, labelOther, false},
		{"a conflict is counted apart", apierrors.NewConflict(gr, "we", errors.New("changed")), "", true},
		{"an error without an answer is no refusal", errors.New("connection refused"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refusedBefore := testutil.ToFloat64(metricStatusRefused.WithLabelValues(tt.reason))
			conflictsBefore := testutil.ToFloat64(metricStatusConflicts)
			countWriteError(tt.err)
			refused := testutil.ToFloat64(metricStatusRefused.WithLabelValues(tt.reason)) - refusedBefore
			conflicts := testutil.ToFloat64(metricStatusConflicts) - conflictsBefore
			if tt.reason != "" {
				assert.Equal(t, 1.0, refused)
			} else {
				assert.Zero(t, refused)
			}
			assert.Equal(t, tt.conflict, conflicts == 1)
		})
	}
}

func TestOverdueCountsUnfinishedRunsOlderThanTheirOwnTimeout(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	we := func(timeout time.Duration, created, started time.Duration, finished bool) wfev1.WorkflowExecution {
		w := wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(now.Add(-created))}}
		if timeout != 0 {
			w.Spec.ExecutionConfig = &wfev1.ExecutionConfig{Timeout: &metav1.Duration{Duration: timeout}}
		}
		if started != 0 {
			w.Status.StartTime = &metav1.Time{Time: now.Add(-started)}
		}
		if finished {
			w.SetTektonPipelineComplete(metav1.ConditionFalse, wfev1.ReasonPipelineTimeout, "m")
		}
		return w
	}
	tests := []struct {
		name string
		we   wfev1.WorkflowExecution
		want int
	}{
		{"a run past its timeout since it started is overdue", we(time.Hour, 3*time.Hour, 2*time.Hour, false), 1},
		{"a run within its timeout is not", we(time.Hour, 3*time.Hour, 30*time.Minute, false), 0},
		{"one never started counts from its creation", we(time.Hour, 2*time.Hour, 0, false), 1},
		{"a finished run is never overdue", we(time.Hour, 3*time.Hour, 2*time.Hour, true), 0},
		{"without a timeout of its own nothing is overdue", we(0, 30*time.Hour, 20*time.Hour, false), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, countOverdue([]wfev1.WorkflowExecution{tt.we}, now))
		})
	}
}

func TestInFlightCountsEveryRunNotFinishedYet(t *testing.T) {
	finished := func(status metav1.ConditionStatus) wfev1.WorkflowExecution {
		w := wfev1.WorkflowExecution{}
		w.SetTektonPipelineComplete(status, wfev1.ReasonPipelineSucceeded, "m")
		return w
	}
	wes := []wfev1.WorkflowExecution{{}, finished(metav1.ConditionUnknown), finished(metav1.ConditionTrue), finished(metav1.ConditionFalse)}
	assert.Equal(t, 2, countInFlight(wes), "no condition yet and Unknown are in flight; True and False are finished")
}

func TestSeenKeepsTheEarliestPendingTime(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "we"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		steps func(s *seen)
		want  time.Time
		ok    bool
	}{
		{"nothing marked: nothing pending", func(*seen) {}, time.Time{}, false},
		{"a later event keeps the first time", func(s *seen) { s.mark(key, t0); s.mark(key, t0.Add(time.Second)) }, t0, true},
		{"an earlier time put back wins", func(s *seen) { s.mark(key, t0.Add(time.Second)); s.mark(key, t0) }, t0, true},
		{"a forgotten key has nothing pending", func(s *seen) { s.mark(key, t0); s.forget(key) }, time.Time{}, false},
		{"a taken time is gone", func(s *seen) { s.mark(key, t0); s.take(key) }, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &seen{}
			tt.steps(s)
			got, ok := s.take(key)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAFullEventQueueCountsTheDrop(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, wfev1.AddToScheme(scheme))
	r := NewRecorder(fake.NewClientBuilder().WithScheme(scheme).Build(), scheme, "wfe-conditions", 1, logr.Discard())
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we"}}
	before := testutil.ToFloat64(metricEventsDropped.WithLabelValues(causeQueueFull))
	for range 3 {
		r.Eventf(we, nil, corev1.EventTypeNormal, wfev1.ReasonPipelineStarted, "Started", "started")
	}
	assert.Equal(t, 2.0, testutil.ToFloat64(metricEventsDropped.WithLabelValues(causeQueueFull))-before)
}

func TestTheOldestUnauditedIsTheOldestFinishWithAnUnacknowledgedEvent(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	finished := func(ago time.Duration, acked ...string) wfev1.WorkflowExecution {
		w := wfev1.WorkflowExecution{}
		w.Status.StartTime = &metav1.Time{Time: now.Add(-ago - time.Minute)}
		w.Status.CompletionTime = &metav1.Time{Time: now.Add(-ago)}
		w.SetTektonPipelineRunning(metav1.ConditionFalse, wfev1.ReasonPipelineSucceeded, "m")
		w.SetTektonPipelineComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded, "m")
		w.Status.Phase = wfev1.PhaseCompleted
		w.Status.AuditedEvents = acked
		return w
	}
	running := wfev1.WorkflowExecution{}
	running.Status.StartTime = &metav1.Time{Time: now.Add(-time.Hour)}
	all := []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}
	tests := []struct {
		name string
		wes  []wfev1.WorkflowExecution
		want time.Duration
	}{
		{"nothing finished is nothing unaudited", []wfev1.WorkflowExecution{running}, 0},
		{"a finished run with every event acknowledged is audited", []wfev1.WorkflowExecution{finished(time.Hour, all...)}, 0},
		{"a finished run missing its completion event counts from its finish",
			[]wfev1.WorkflowExecution{finished(40*time.Minute, wfev1.AuditEventStarted)}, 40 * time.Minute},
		{"the oldest of several counts",
			[]wfev1.WorkflowExecution{finished(5 * time.Minute), finished(50 * time.Minute), finished(2*time.Hour, all...)}, 50 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, oldestUnaudited(tt.wes, now))
		})
	}
}

func TestDurationsAreObservedOnceFromCreationToThePipelineRunsOwnTimes(t *testing.T) {
	created := metav1.NewTime(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(created.Add(d)); return &t }
	running := withComplete(metav1.ConditionUnknown, wfev1.ReasonPipelineRunning)
	running.CreationTimestamp = created
	running.SetTektonPipelineRunning(metav1.ConditionTrue, wfev1.ReasonPipelineStarted, "started")
	running.Status.StartTime = at(4 * time.Second)
	pending := running.DeepCopy()
	pending.SetTektonPipelineRunning(metav1.ConditionUnknown, wfev1.ReasonPending, "not started")
	finished := running.DeepCopy()
	finished.SetTektonPipelineComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded, "ok")
	finished.Status.CompletionTime = at(90 * time.Second)

	samples := func() (uint64, float64) {
		m := &dto.Metric{}
		require.NoError(t, metricDuration.WithLabelValues(outcomeSucceeded).(prometheus.Metric).Write(m))
		return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
	}
	n, sum := samples()
	countFinished(running, finished)
	countFinished(finished, finished) // a later write to a finished run
	n2, sum2 := samples()
	assert.Equal(t, n+1, n2, "observed once")
	assert.InDelta(t, 90, sum2-sum, 0.001, "creation to the PipelineRun's completion")

	starts := func() uint64 {
		m := &dto.Metric{}
		require.NoError(t, metricTimeToStart.Write(m))
		return m.GetHistogram().GetSampleCount()
	}
	s := starts()
	observeStarted(pending, running)
	observeStarted(running, finished) // already started
	assert.Equal(t, s+1, starts())
}
