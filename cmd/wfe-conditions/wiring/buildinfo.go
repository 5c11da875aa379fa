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
