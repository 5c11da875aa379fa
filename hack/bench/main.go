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

// Command bench measures the product next to the apiserver's own floor: a real
// etcd and kube-apiserver, the manager in its own process, its webhook over
// TLS, and this program playing Tekton's part by writing PipelineRun status the
// way Tekton's controller does. `make bench` runs it; it prints one table and
// writes the figures as JSON under .bench/.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Config is what one run measures and at what scale.
type Config struct {
	Out              string        `json:"-"`
	AdmissionSamples int           `json:"admissionSamples"`
	Rate             int           `json:"createsPerSecond"`
	Running          int           `json:"runningWorkflowExecutions"`
	Propagations     int           `json:"propagationSamples"`
	Idle             time.Duration `json:"idle"`
	Lifecycles       int           `json:"lifecyclesPerPath"`
	Waiting          int           `json:"waitingWorkflowExecutions"`
	Throughput       time.Duration `json:"throughputWindow"`
	InFlight         int           `json:"throughputInFlight"`
	Scale            int           `json:"scale"`
	ManagerArgs      []string      `json:"managerArgs,omitempty"`
	ManagerEnv       []string      `json:"managerEnv,omitempty"`
	Only             []string      `json:"only,omitempty"`
	Profile          bool          `json:"-"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == noopCommand {
		if err := runNoopWebhook(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var cfg Config
	flag.StringVar(&cfg.Out, "out", ".bench", "Folder for the JSON results and the run's logs.")
	flag.IntVar(&cfg.AdmissionSamples, "admission-samples", 600, "Creates and status writes per admission variant.")
	flag.IntVar(&cfg.Rate, "rate", 50, "Creates per second while measuring the time to Unknown.")
	flag.IntVar(&cfg.Running, "running", 1000, "Running WorkflowExecutions during the propagation and idle figures.")
	flag.IntVar(&cfg.Propagations, "propagations", 400, "PipelineRun status writes timed for propagation.")
	flag.DurationVar(&cfg.Idle, "idle", 60*time.Second, "How long the running WorkflowExecutions sit idle.")
	flag.IntVar(&cfg.Lifecycles, "lifecycles", 100, "Lifecycles counted for write economy, per path (success, failure).")
	flag.IntVar(&cfg.Waiting, "waiting", 50, "Running WorkflowExecutions whose task waits for its image, for the cost of naming why.")
	flag.DurationVar(&cfg.Throughput, "throughput", 30*time.Second, "How long full lifecycles run back to back.")
	flag.IntVar(&cfg.InFlight, "in-flight", 100, "Lifecycles in flight during the throughput figure.")
	flag.IntVar(&cfg.Scale, "scale", 10000, "WorkflowExecutions (each with its PipelineRun) and unrelated PipelineRuns for the memory figure.")
	quick := flag.Bool("quick", false, "A small run to check the program itself (not for the README).")
	flag.Func("manager-arg", "An extra flag for the manager process (repeatable), e.g. --manager-arg=--reconcile-workers=8.", func(v string) error {
		cfg.ManagerArgs = append(cfg.ManagerArgs, v)
		return nil
	})
	flag.Func("manager-env", "An extra KEY=VALUE in the manager's environment (repeatable), e.g. GOGC=50.", func(v string) error {
		cfg.ManagerEnv = append(cfg.ManagerEnv, v)
		return nil
	})
	flag.Func("only", "Comma-separated steps to run (handlers, admission, unknown, propagation, economy, throughput, memory, tenant, waiting); default all.", func(v string) error {
		cfg.Only = strings.Split(v, ",")
		return nil
	})
	flag.BoolVar(&cfg.Profile, "profile", false, "Write CPU profiles of kube-apiserver and the manager for each step into the run's folder.")
	flag.Parse()
	if *quick {
		cfg.AdmissionSamples, cfg.Running, cfg.Propagations, cfg.Idle = 60, 100, 50, 5*time.Second
		cfg.Lifecycles, cfg.Throughput, cfg.Scale, cfg.Waiting = 10, 5*time.Second, 500, 5
	}
	env, err := memoryLimitEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: the manager's memory limit:", err)
		os.Exit(1)
	}
	cfg.ManagerEnv = append([]string{env}, cfg.ManagerEnv...)
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Results is every figure of one run.
type Results struct {
	Started    time.Time   `json:"started"`
	Machine    Machine     `json:"machine"`
	Config     Config      `json:"config"`
	Handlers   []HandlerB  `json:"handlers"`
	Admission  Admission   `json:"admission"`
	Unknown    Unknown     `json:"timeToUnknown"`
	Propagate  Propagation `json:"propagation"`
	Economy    Economy     `json:"writeEconomy"`
	Memory     Memory      `json:"memory"`
	Tenant     Tenant      `json:"tenant"`
	Waiting    Waiting     `json:"waiting"`
	Throughput Throughput  `json:"throughput"`
	// Requests is what kube-apiserver served during each step, by verb and resource.
	Requests map[string]map[string]float64 `json:"apiRequests"`
	Duration string                        `json:"duration"`
}

// Machine says where the figures come from.
type Machine struct {
	CPUs      int    `json:"cpus"`
	Model     string `json:"cpuModel"`
	MemoryGiB int    `json:"memoryGiB"`
	Go        string `json:"go"`
	APIServer string `json:"kubeAPIServer"`
}

func run(cfg Config) error {
	began := time.Now()
	res := &Results{Started: began.UTC().Truncate(time.Second), Config: cfg, Machine: machine(), Requests: map[string]map[string]float64{}}
	dir := filepath.Join(cfg.Out, began.UTC().Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dir, _ = filepath.Abs(dir)
	want := func(step string) bool {
		// Propagation runs on the WorkflowExecutions the time-to-Unknown step creates.
		return len(cfg.Only) == 0 || slices.Contains(cfg.Only, step) || (step == "unknown" && slices.Contains(cfg.Only, "propagation"))
	}
	var err error
	if want("handlers") {
		say("handler cost: go test -bench ./webhook")
		if res.Handlers, err = handlerBenchmarks(); err != nil {
			return err
		}
	}
	b, err := setUp(dir, cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer b.tearDown()
	defer cancel() // ends the watches before the control plane stops
	res.Machine.APIServer = b.apiServerVersion
	steps := []struct {
		name, title string
		run         func(context.Context) error
	}{
		{"admission", "admission overhead", func(ctx context.Context) (err error) { res.Admission, err = b.admission(ctx, cfg); return }},
		{"unknown", "time to Unknown", func(ctx context.Context) (err error) { res.Unknown, err = b.timeToUnknown(ctx, cfg); return }},
		{"propagation", "propagation and idle", func(ctx context.Context) error { return b.propagationAndIdle(ctx, cfg, res) }},
		{"economy", "write economy per lifecycle", func(ctx context.Context) error { return b.lifecycleWrites(ctx, cfg, &res.Economy) }},
		{"waiting", "the cost of naming why a task waits", func(ctx context.Context) (err error) {
			res.Waiting, err = b.waiting(ctx, cfg.Waiting, max(cfg.Idle, 30*time.Second))
			return
		}},
		{"throughput", "throughput", func(ctx context.Context) (err error) { res.Throughput, err = b.throughput(ctx, cfg); return }},
		{"memory", "memory at scale", func(ctx context.Context) (err error) { res.Memory, err = b.memory(ctx, cfg); return }},
		{"tenant", "memory a tenant cannot exhaust", func(ctx context.Context) (err error) { res.Tenant, err = b.tenant(ctx); return }},
	}
	for _, s := range steps {
		if !want(s.name) {
			continue
		}
		say("%s", s.title)
		if s.name != "admission" {
			if err := b.lead(ctx); err != nil {
				return err
			}
		}
		stopProfiles := b.profile(ctx, cfg.Profile, s.name)
		before, err := b.apiRequests(ctx)
		if err == nil {
			err = s.run(ctx)
		}
		stopProfiles()
		if err == nil {
			var after map[string]float64
			if after, err = b.apiRequests(ctx); err == nil {
				res.Requests[s.name] = delta(before, after)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w (logs in %s)", s.title, err, dir)
		}
		if err := b.watchErr(); err != nil {
			return err
		}
	}
	res.Duration = time.Since(began).Round(time.Second).String()
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	for _, p := range []string{filepath.Join(dir, "results.json"), filepath.Join(cfg.Out, "latest.json")} {
		if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	printTable(os.Stdout, res)
	fmt.Printf("\nJSON: %s (and %s); logs: %s\n", filepath.Join(dir, "results.json"), filepath.Join(cfg.Out, "latest.json"), dir)
	return nil
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.Model = field(string(data), "model name")
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		_, _ = fmt.Sscanf(field(string(data), "MemTotal"), "%d", &kb)
		m.MemoryGiB = (kb + 1<<19) >> 20
	}
	return m
}

// field returns the value of the first "key: value" line of a /proc file.
func field(text, key string) string {
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
