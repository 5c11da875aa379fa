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
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// HandlerB is one `go test -bench` result of an admission handler.
type HandlerB struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"nsPerOp"`
	BytesPerOp  int64   `json:"bytesPerOp"`
	AllocsPerOp int64   `json:"allocsPerOp"`
}

// handlerBenchmarks runs the webhook package's benchmarks before anything else
// starts, so that they have the machine to themselves.
func handlerBenchmarks() ([]HandlerB, error) {
	root, err := paths.RepoRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "2s", "-count", "1", "./webhook")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench ./webhook: %w\n%s", err, out.String())
	}
	return parseBench(out.String())
}

// parseBench reads `go test -bench -benchmem` output lines such as
// "BenchmarkCreateHandler/handler-2  123456  9512 ns/op  1664 B/op  17 allocs/op".
func parseBench(out string) ([]HandlerB, error) {
	var res []HandlerB
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		h := HandlerB{Name: strings.TrimPrefix(f[0], "Benchmark")}
		if i := strings.LastIndexByte(h.Name, '-'); i > 0 {
			h.Name = h.Name[:i] // the GOMAXPROCS suffix
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, unit := f[i], f[i+1]
			switch unit {
			case "ns/op":
				h.NsPerOp, _ = strconv.ParseFloat(v, 64)
			case "B/op":
				h.BytesPerOp, _ = strconv.ParseInt(v, 10, 64)
			case "allocs/op":
				h.AllocsPerOp, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		res = append(res, h)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no benchmark results in:\n%s", out)
	}
	return res, nil
}
