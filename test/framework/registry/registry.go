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

// Package registry reads the metrics of the managers a test runs in its own
// process, from controller-runtime's registry they share.
package registry

import (
	"testing"

	"github.com/stretchr/testify/require"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Value is a counter's or gauge's value, or a histogram's sample count,
// summed over the series of name that carry all of labels.
func Value(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	v, _ := gather(t, name, labels)
	return v
}

// HistogramSum is the sum of a histogram's samples, in its unit.
func HistogramSum(t testing.TB, name string) float64 {
	t.Helper()
	_, sum := gather(t, name, nil)
	return sum
}

func gather(t testing.TB, name string, labels map[string]string) (value, histogramSum float64) {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			match := true
			for k, v := range labels {
				match = match && have[k] == v
			}
			if !match {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				value += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				value += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				value += float64(m.GetHistogram().GetSampleCount())
				histogramSum += m.GetHistogram().GetSampleSum()
			}
		}
	}
	return value, histogramSum
}
