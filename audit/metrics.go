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

package audit

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	metricSent = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wfe_audit_events_sent_total", Help: "Audit events sent to DataStorage, counting each attempt.",
	})
	metricAcked = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wfe_audit_events_acknowledged_total", Help: "Audit events DataStorage acknowledged (201 or 202).",
	})
	metricFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wfe_audit_events_failed_total", Help: "Audit event deliveries that failed, by reason (HTTP status or network).",
	}, []string{"reason"})
	metricQueueDepth = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "wfe_audit_queue_depth", Help: "WorkflowExecutions whose audit events wait in the queue.",
	})
	metricQueueFull = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wfe_audit_queue_full_total", Help: "Offers refused because the audit queue was full; the events are offered again later.",
	})
	metricPossibleDuplicates = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wfe_audit_possible_duplicates_total",
		Help: "Audit events sent again after an ambiguous failure because DataStorage's search did not find them or failed; each may be stored twice.",
	})
	metricResolved = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "wfe_audit_events_found_stored_total",
		Help: "Audit events not sent again after an ambiguous failure because DataStorage's search found them stored.",
	})
	metricLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "wfe_audit_delivery_duration_seconds", Help: "Duration of one DataStorage batch request.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
)

func init() {
	metrics.Registry.MustRegister(metricSent, metricAcked, metricFailed, metricQueueDepth, metricQueueFull, metricLatency,
		metricPossibleDuplicates, metricResolved)
}
