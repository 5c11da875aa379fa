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

package wiring

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// buildInfo is 1, labelled with what this binary was built from, so that a
// dashboard can tell which version each replica runs.
func buildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wfe_build_info", Help: "Always 1; the labels tell the version, commit and Go version of the binary.",
	}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(Version, Commit, runtime.Version()).Set(1)
	return g
}

func init() {
	metrics.Registry.MustRegister(buildInfo())
}
