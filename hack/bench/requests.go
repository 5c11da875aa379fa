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
	"bufio"
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"
)

// requestLine matches apiserver_request_total samples and captures the labels.
var requestLine = regexp.MustCompile(`^apiserver_request_total\{(.*)\} (\S+)$`)

// apiRequests counts the requests kube-apiserver served so far, by
// "VERB resource[/subresource]", leaving out watches and its own reads.
func (b *bench) apiRequests(ctx context.Context) (map[string]float64, error) {
	hc, err := rest.HTTPClientFor(b.unlimited)
	if err != nil {
		return nil, err
	}
	body, err := get(ctx, hc, strings.TrimSuffix(b.unlimited.Host, "/")+"/metrics")
	if err != nil {
		return nil, err
	}
	defer func() { _ = body.Close() }()
	return parseRequests(body)
}

func parseRequests(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := requestLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, kv := range strings.Split(m[1], `",`) {
			k, v, _ := strings.Cut(kv, "=")
			labels[k] = strings.Trim(v, `"`)
		}
		if labels["verb"] == "WATCH" || labels["resource"] == "" {
			continue
		}
		key := labels["verb"] + " " + labels["resource"]
		if s := labels["subresource"]; s != "" {
			key += "/" + s
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, err
		}
		out[key] += v
	}
	return out, sc.Err()
}

// delta is after minus before, keeping what changed.
func delta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}
