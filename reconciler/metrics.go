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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Label values of wfe_executions_finished_total's outcome.
const (
	outcomeSucceeded = "succeeded"
	outcomeFailed    = "failed"
)

// Label values of wfe_events_dropped_total's cause.
const (
	causeQueueFull  = "queue_full"
	causeSendFailed = "send_failed"
)

// Label value of wfe_audit_events_abandoned_total's reason.
const abandonGraceExpired = "deletion_grace_expired"

// labelOther stands for a label value outside the bounded set a metric
// admits, so that no input can grow the number of series.
const labelOther = "Other"

// latencyBuckets span 1 ms to 16 s: a status write normally follows its
// cause within milliseconds, and seconds mean a queue or apiserver backlog.
var latencyBuckets = prometheus.ExponentialBuckets(0.001, 2, 15)

// runBuckets span a remediation's life, 1 s to 4 h.
var runBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400}

var (
	metricFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wfe_executions_finished_total",
		Help: "WorkflowExecutions whose TektonPipelineComplete became final in a status write of this process, by outcome and reason.",
	}, []string{"outcome", "reason"})
	metricPipelineRunLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "wfe_pipelinerun_status_latency_seconds",
		Help:    "Time from the informer receiving a PipelineRun change to the acknowledged status write that reflects it.",
		Buckets: latencyBuckets,
	})
	metricInitialLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "wfe_initial_conditions_latency_seconds",
		Help:    "Time from a new WorkflowExecution's create event to the acknowledged write of its four Unknown conditions.",
		Buckets: latencyBuckets,
	})
	metricOverdue = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "wfe_executions_overdue",
		Help: "Unfinished WorkflowExecutions older than their spec.executionConfig.timeout, counted from their start (or creation); set by the leader.",
	})
	metricInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "wfe_executions_in_flight",
		Help: "WorkflowExecutions whose TektonPipelineComplete is not final yet; recounted every 30 s by the leader (0 on the others).",
	})
	metricOldestUnaudited = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "wfe_audit_oldest_unacknowledged_age_seconds",
		Help: "Seconds since the oldest finished WorkflowExecution whose due audit events DataStorage has not all acknowledged finished; 0 when none (or auditing is off); set by the leader.",
	})
	metricStatusRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wfe_status_writes_refused_total",
		Help: "Status writes the apiserver refused, by Kubernetes status reason; conflicts are counted in wfe_status_write_conflicts_total.",
	}, []string{"reason"})
	metricStatusConflicts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wfe_status_write_conflicts_total",
		Help: "Status writes that lost an optimistic-lock race and were recomputed from the newer version.",
	})
	metricDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "wfe_execution_duration_seconds",
		Help:    "Time from a WorkflowExecution's creation to the status write that finished it, by outcome (succeeded, failed); observed once, by the replica whose write lands.",
		Buckets: runBuckets,
	}, []string{"outcome"})
	metricTimeToStart = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "wfe_time_to_start_seconds",
		Help:    "Time from a WorkflowExecution's creation to the status write that made TektonPipelineRunning True; observed once, by the replica whose write lands.",
		Buckets: runBuckets,
	})
	metricAbandoned = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wfe_audit_events_abandoned_total",
		Help: "Due audit events given up when a deleted WorkflowExecution was released without DataStorage acknowledging them, by reason (deletion_grace_expired).",
	}, []string{"reason"})
	metricPruned = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wfe_pipelineruns_pruned_total",
		Help: "PipelineRuns of finished runs deleted by retention (--retain-succeeded, --retain-failed), by outcome (succeeded, failed).",
	}, []string{"outcome"})
	metricWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wfe_executions_waiting",
		Help: "Running WorkflowExecutions whose task has waited over 10 s to begin executing, by cause (ImagePull, Unschedulable, Quota, Mount, Other); set by the leader.",
	}, []string{"cause"})
	metricEventsDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wfe_events_dropped_total",
		Help: "Kubernetes Events not recorded, by cause: queue_full (the bounded queue was full) or send_failed (three sends failed).",
	}, []string{"cause"})
)

func init() {
	metrics.Registry.MustRegister(metricFinished, metricPipelineRunLatency, metricInitialLatency, metricOverdue, metricInFlight, metricOldestUnaudited,
		metricStatusRefused, metricStatusConflicts, metricEventsDropped, metricDuration, metricTimeToStart, metricAbandoned, metricPruned, metricWaiting)
	// Every series that can exist starts at 0, so that rate() sees its first increase.
	for _, r := range finishedReasons {
		metricFinished.WithLabelValues(outcomeOf(r), r)
	}
	metricDuration.WithLabelValues(outcomeSucceeded)
	metricDuration.WithLabelValues(outcomeFailed)
	metricAbandoned.WithLabelValues(abandonGraceExpired)
	metricPruned.WithLabelValues(outcomeSucceeded)
	metricPruned.WithLabelValues(outcomeFailed)
	for _, c := range wfev1.WaitingCauses {
		metricWaiting.WithLabelValues(string(c))
	}
	// The refusals a status write meets in practice: an admission policy or
	// webhook (Forbidden), the CRD's schema (Invalid).
	metricStatusRefused.WithLabelValues(string(metav1.StatusReasonForbidden))
	metricStatusRefused.WithLabelValues(string(metav1.StatusReasonInvalid))
	metricEventsDropped.WithLabelValues(causeQueueFull)
	metricEventsDropped.WithLabelValues(causeSendFailed)
}

// finishedReasons are the final reasons of TektonPipelineComplete, from the
// condition vocabulary.
var finishedReasons = wfev1.FinalReasons(wfev1.ConditionTektonPipelineComplete)

func outcomeOf(reason string) string {
	if reason == wfev1.ReasonPipelineSucceeded {
		return outcomeSucceeded
	}
	return outcomeFailed
}

// countFinished counts a WorkflowExecution whose status write, from before to
// after, made TektonPipelineComplete final.
func countFinished(before, after *wfev1.WorkflowExecution) {
	if isFinished(before) || !isFinished(after) {
		return
	}
	c := after.Condition(wfev1.ConditionTektonPipelineComplete)
	outcome := outcomeFailed
	if c.Status == metav1.ConditionTrue {
		outcome = outcomeSucceeded
	}
	reason := labelOther
	for _, r := range finishedReasons {
		if c.Reason == r {
			reason = r
		}
	}
	metricFinished.WithLabelValues(outcome, reason).Inc()
	if d, ok := sinceCreation(after, after.Status.CompletionTime); ok {
		metricDuration.WithLabelValues(outcome).Observe(d)
	}
}

// observeStarted records the time to start of a WorkflowExecution whose
// status write, from before to after, made TektonPipelineRunning True.
func observeStarted(before, after *wfev1.WorkflowExecution) {
	if isTrue(before, wfev1.ConditionTektonPipelineRunning) || !isTrue(after, wfev1.ConditionTektonPipelineRunning) {
		return
	}
	if d, ok := sinceCreation(after, after.Status.StartTime); ok {
		metricTimeToStart.Observe(d)
	}
}

// sinceCreation is the seconds from the WorkflowExecution's creation to t
// (the PipelineRun's own time, so a late write does not lengthen it).
func sinceCreation(we *wfev1.WorkflowExecution, t *metav1.Time) (float64, bool) {
	if t == nil || we.CreationTimestamp.IsZero() || t.Before(&we.CreationTimestamp) {
		return 0, false
	}
	return t.Sub(we.CreationTimestamp.Time).Seconds(), true
}

// statusReasons are the Kubernetes status reasons a refused write is labelled
// with; a webhook may answer any string, which counts as Other.
var statusReasons = map[metav1.StatusReason]bool{
	metav1.StatusReasonUnauthorized: true, metav1.StatusReasonForbidden: true,
	metav1.StatusReasonNotFound: true, metav1.StatusReasonAlreadyExists: true, metav1.StatusReasonGone: true,
	metav1.StatusReasonInvalid: true, metav1.StatusReasonServerTimeout: true, metav1.StatusReasonStoreReadError: true,
	metav1.StatusReasonTimeout: true, metav1.StatusReasonTooManyRequests: true, metav1.StatusReasonBadRequest: true,
	metav1.StatusReasonMethodNotAllowed: true, metav1.StatusReasonNotAcceptable: true,
	metav1.StatusReasonRequestEntityTooLarge: true, metav1.StatusReasonUnsupportedMediaType: true,
	metav1.StatusReasonInternalError: true, metav1.StatusReasonExpired: true, metav1.StatusReasonServiceUnavailable: true,
}

// countWriteError counts a status write the apiserver refused. An error
// without an API status (the request never got an answer) is no refusal.
func countWriteError(err error) {
	var status apierrors.APIStatus
	if err == nil || !errors.As(err, &status) {
		return
	}
	reason := apierrors.ReasonForError(err)
	switch {
	case reason == metav1.StatusReasonConflict:
		metricStatusConflicts.Inc()
		return
	case reason == metav1.StatusReasonUnknown:
		reason = "Unknown"
	case !statusReasons[reason]:
		reason = labelOther
	}
	metricStatusRefused.WithLabelValues(string(reason)).Inc()
}

// observeSince records the time since t, when t is set.
func observeSince(h prometheus.Observer, t time.Time, ok bool) {
	if ok {
		h.Observe(time.Since(t).Seconds())
	}
}
