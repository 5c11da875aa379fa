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
	"fmt"
	"io"
	"math"
	"strings"
)

// printTable writes the figures as one Markdown table, each with its floor,
// target and whether this run met it.
func printTable(w io.Writer, r *Results) {
	m := r.Machine
	fmt.Fprintf(w, "\n%d CPUs (%s), %d GiB, %s, kube-apiserver %s; run %s, took %s\n\n",
		m.CPUs, m.Model, m.MemoryGiB, m.Go, m.APIServer, r.Started.Format("2006-01-02 15:04 UTC"), r.Duration)
	fmt.Fprintln(w, "| Figure | Ours | Floor (same run) | Ratio | Target | Met |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	row := func(figure, ours, floor, ratio, target string, met bool) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", figure, ours, floor, ratio, target, map[bool]string{true: "yes", false: "**no**"}[met])
	}
	for _, p := range []struct {
		name string
		a    AdmissionPath
	}{{"create", r.Admission.Create}, {"status write", r.Admission.Status}} {
		floor := fmt.Sprintf("no-op webhook %s; none %s", lat(p.a.Noop), lat(p.a.None))
		ratios := fmt.Sprintf("%.2f vs no-op; %.2f vs none", p.a.OursToNoop, p.a.OursToNone)
		if p.name == "create" {
			floor += fmt.Sprintf("; no-op with a constant patch of our size %s", lat(p.a.Patch))
			ratios += fmt.Sprintf("; %.2f vs constant patch", p.a.OursToPatch)
		}
		row("Admission, "+p.name+" (p50 / p99)", lat(p.a.Ours), floor, ratios, "≤ 1.10 vs no-op (p50)", p.a.OursToNoop <= 1.10)
	}
	for _, h := range r.Handlers {
		if !strings.HasSuffix(h.Name, "/handler") {
			continue
		}
		row("Handler "+strings.TrimSuffix(h.Name, "/handler"), fmt.Sprintf("%.1f µs/op, %d B/op, %d allocs/op", h.NsPerOp/1000, h.BytesPerOp, h.AllocsPerOp),
			serveFigure(r.Handlers, strings.TrimSuffix(h.Name, "/handler")+"/serve"), "", "< 30 µs/op", h.NsPerOp < 30000)
	}
	u := r.Unknown
	row(fmt.Sprintf("Time to Unknown at %d creates/s (p50 / p99)", u.Rate), lat(u.FromRequest)+" from the request; "+lat(u.FromResponse)+" from the response",
		lat(u.FloorFromRequest)+" from the request; "+lat(u.FloorFromResponse)+" from the response",
		fmt.Sprintf("%.2f", u.RatioP50), "p50 ≤ 3× floor, p99 < 50 ms", u.RatioP50 <= 3 && u.FromResponse.P99 < 50)
	if len(u.CPU) > 0 {
		fmt.Fprintf(w, "| (CPU during that step, %% of one core) | kube-apiserver %.0f%%, etcd %.0f%%, manager %.0f%%, this program %.0f%% | | | | |\n",
			u.CPU["kube-apiserver"], u.CPU["etcd"], u.CPU["manager"], u.CPU["bench"])
	}
	p := r.Propagate
	row(fmt.Sprintf("Propagation, %d running (p50 / p99)", p.Running), lat(p.FromRequest), lat(p.FloorFromRequest),
		fmt.Sprintf("%.2f", p.RatioP50), "p50 ≤ 3× floor", p.RatioP50 <= 3)
	for _, l := range []struct {
		name string
		l    Lifecycle
	}{{"success", r.Economy.Success}, {"failure", r.Economy.Failure}} {
		row(fmt.Sprintf("Writes per lifecycle, %s path (%d)", l.name, l.l.Lifecycles),
			fmt.Sprintf("%.2f status + %.2f other (max %d)", l.l.StatusWrites, l.l.OtherWrites, l.l.MaxWrites),
			fmt.Sprintf("%.2f transitions", l.l.Transitions), fmt.Sprintf("%.2f", ratio(l.l.StatusWrites, l.l.Transitions)),
			"≤ 1 status write per transition; ≤ 2 other (the audit finalizer on and off)",
			l.l.StatusWrites <= l.l.Transitions+1e-9 && l.l.OtherWrites <= auditFinalizerWrites+1e-9)
	}
	i := r.Economy.Idle
	// Each running execution is looked at once, 10 s after its PipelineRun's
	// last change, for a task that waits (none does here, none retries).
	row(fmt.Sprintf("Idle %.0f s, %d running", i.Seconds, i.Running), fmt.Sprintf("%d WE writes, %d PipelineRun writes, %.0f reconciles, CPU %.1f%%", i.WEWrites, i.PRWrites, i.Reconciles, i.CPUPercent),
		"", "", "0 writes; ≤ 1 reconcile per running execution (the waiting look)", i.WEWrites == 0 && i.PRWrites == 0 && i.Reconciles <= float64(i.Running))
	wt := r.Waiting
	row(fmt.Sprintf("Waiting, %d runs whose image cannot be pulled", wt.Running),
		fmt.Sprintf("cause named %s after the PipelineRun's last write; held %.0f s: %d writes, %.1f reconciles and %.1f TaskRun reads per run per minute, CPU %.1f%%",
			lat(wt.ToCause), wt.HeldSeconds, wt.HeldWrites, wt.ReconcilesPerMin, wt.TaskRunGetsPerMin, wt.CPUPercent),
		fmt.Sprintf("%.2f writes per run up to the cause", wt.StatusWritesToCause), "",
		"named within 30 s; 0 writes while held; ≤ 7 TaskRun reads per run per minute (a look every 10 s)",
		wt.Running > 0 && wt.ToCause.P99 < 30000 && wt.HeldWrites == 0 && wt.TaskRunGetsPerMin <= 7)
	mm := r.Memory
	flat := mm.RSSWithOther <= mm.RSSMiB*1.10+5
	row(fmt.Sprintf("Memory, %d WEs + %d PipelineRuns", mm.WorkflowExecutions, mm.OurPipelineRuns), fmt.Sprintf("RSS %.0f MiB (heap %.0f MiB); idle CPU %.1f%%", mm.RSSMiB, mm.HeapMiB, mm.IdleCPUPercent),
		fmt.Sprintf("+%d unrelated PipelineRuns: RSS %.0f MiB (heap %.0f MiB)", mm.UnrelatedRuns, mm.RSSWithOther, mm.HeapWithOther),
		fmt.Sprintf("%.2f", ratio(mm.RSSWithOther, mm.RSSMiB)), "< 150 MiB, flat", math.Max(mm.RSSMiB, mm.RSSWithOther) < 150 && flat)
	tn := r.Tenant
	row(fmt.Sprintf("Tenant, %d maximal WEs + %d padded PipelineRuns", tn.MaximalWorkflowExecutions, tn.PaddedPipelineRuns),
		fmt.Sprintf("peak heap in use %.0f MiB", tn.PeakHeapMiB), "parameters at the CRD's bounds; our selector label, 60 more of our prefix, 32 KiB annotations",
		"", fmt.Sprintf("< %.0f MiB", tn.LimitMiB), tn.PeakHeapMiB > 0 && tn.PeakHeapMiB < tn.LimitMiB)
	t := r.Throughput
	row(fmt.Sprintf("Throughput, %d in flight", t.InFlight), fmt.Sprintf("%.1f lifecycles/s (%d in %.0f s; each %s)", t.PerSecond, t.Lifecycles, t.Seconds, lat(t.Latency)),
		fmt.Sprintf("CPU per lifecycle: manager %.1f ms, kube-apiserver %.1f ms, etcd %.1f ms, this program %.1f ms", t.ManagerCPUms, t.APIServerMs, t.EtcdMs, t.BenchCPUms),
		fmt.Sprintf("%.2f", ratio(t.ManagerCPUms, t.APIServerMs)), "manager CPU below the apiserver's", t.ManagerCPUms < t.APIServerMs)
}

// auditFinalizerWrites are the metadata writes of a lifecycle with auditing
// on: the audit finalizer added before the PipelineRun, removed once audited.
const auditFinalizerWrites = 2

func lat(l Latency) string { return fmt.Sprintf("%.1f / %.1f ms", l.P50, l.P99) }

func serveFigure(hs []HandlerB, name string) string {
	for _, h := range hs {
		if h.Name == name {
			return fmt.Sprintf("whole request (decode, handle, encode): %.1f µs/op, %d B/op", h.NsPerOp/1000, h.BytesPerOp)
		}
	}
	return ""
}
