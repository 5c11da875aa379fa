//go:build tools

// Package tools pins Prometheus: promtool unit-tests the shipped alerting
// rules, and one e2e scenario scrapes the manager with a real Prometheus.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
