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

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    Latency
	}{
		{name: "no samples give zeros", want: Latency{}},
		{name: "one sample is every percentile", samples: []time.Duration{3 * time.Millisecond},
			want: Latency{N: 1, P50: 3, P99: 3, Max: 3}},
		{name: "percentiles are nearest-rank on sorted samples",
			samples: func() []time.Duration {
				var s []time.Duration
				for i := 100; i >= 1; i-- {
					s = append(s, time.Duration(i)*time.Millisecond)
				}
				return s
			}(),
			want: Latency{N: 100, P50: 50, P99: 99, Max: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, summarize(tt.samples)) })
	}
}

func TestRatio(t *testing.T) {
	assert.Equal(t, 1.5, ratio(3, 2))
	assert.Equal(t, 0.0, ratio(3, 0), "no floor gives no ratio rather than infinity")
}

func TestSumMetric(t *testing.T) {
	text := `# HELP controller_runtime_reconcile_total Total number of reconciliations per controller
controller_runtime_reconcile_total{controller="workflowexecution",result="success"} 12
controller_runtime_reconcile_total{controller="workflowexecution",result="requeue_after"} 3
controller_runtime_reconcile_total{controller="other",result="success"} 100
controller_runtime_reconcile_totals 7
`
	got, err := sumMetric(strings.NewReader(text), "controller_runtime_reconcile_total", `controller="workflowexecution"`)
	assert.NoError(t, err)
	assert.Equal(t, 15.0, got, "only the named metric with the label, every result")
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkCreateHandler/handler-2         	  240000	      9512 ns/op	    1664 B/op	      17 allocs/op
BenchmarkStatusHandler/complete/serve-2  	   10000	    184389 ns/op	   6.17 MB/s	   15738 B/op	     113 allocs/op
PASS
`
	got, err := parseBench(out)
	assert.NoError(t, err)
	assert.Equal(t, []HandlerB{
		{Name: "CreateHandler/handler", NsPerOp: 9512, BytesPerOp: 1664, AllocsPerOp: 17},
		{Name: "StatusHandler/complete/serve", NsPerOp: 184389, BytesPerOp: 15738, AllocsPerOp: 113},
	}, got)
	_, err = parseBench("FAIL\n")
	assert.Error(t, err, "output without results is an error, not an empty table")
}

func TestParseRequests(t *testing.T) {
	text := `apiserver_request_total{code="201",component="apiserver",dry_run="",group="workflowexecution.kubernaut.ai",resource="workflowexecutions",scope="resource",subresource="",verb="POST",version="v1alpha1"} 10
apiserver_request_total{code="200",component="apiserver",dry_run="",group="workflowexecution.kubernaut.ai",resource="workflowexecutions",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 7
apiserver_request_total{code="409",component="apiserver",dry_run="",group="workflowexecution.kubernaut.ai",resource="workflowexecutions",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="WATCH",version="v1"} 4
`
	got, err := parseRequests(strings.NewReader(text))
	assert.NoError(t, err)
	assert.Equal(t, map[string]float64{"POST workflowexecutions": 10, "PATCH workflowexecutions/status": 9}, got,
		"codes are summed, watches left out")
	assert.Equal(t, map[string]float64{"PATCH workflowexecutions/status": 1},
		delta(got, map[string]float64{"POST workflowexecutions": 10, "PATCH workflowexecutions/status": 10}))
}
