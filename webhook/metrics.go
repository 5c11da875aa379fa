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

package webhook

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// metricErrors counts the requests a handler answered with an error. The
// answer travels as HTTP 200 (an AdmissionReview carrying the error), so
// controller-runtime's requests_total{code} counts it as 200; and it is a
// rejection: the apiserver refuses the request (failurePolicy Ignore skips
// only a webhook it cannot call or that answers non-200).
var metricErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "wfe_webhook_errors_total",
	Help: "Admission requests a handler answered with an error (sent as HTTP 200 inside the AdmissionReview); the apiserver refuses those requests.",
}, []string{"webhook"})

func init() {
	metrics.Registry.MustRegister(metricErrors)
	for _, path := range []string{CreatePath, StatusPath} {
		metricErrors.WithLabelValues(path) // every series starts at 0
	}
}

// counted counts a handler's error answers by path.
type counted struct {
	path    string
	handler admission.Handler
}

func (c counted) Handle(ctx context.Context, req admission.Request) admission.Response {
	resp := c.handler.Handle(ctx, req)
	if !resp.Allowed {
		metricErrors.WithLabelValues(c.path).Inc()
	}
	return resp
}
