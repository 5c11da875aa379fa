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
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// describe reads a WorkflowExecution, its PipelineRun and their TaskRuns and
// returns them as a tree. A PipelineRun or TaskRuns it may not read, or that
// are gone, are said so in the tree rather than failing it.
func describe(ctx context.Context, c client.Client, key client.ObjectKey, now time.Time) (int, string) {
	we, msg := getExecution(ctx, c, key)
	if we == nil {
		return exitError, msg
	}
	var pr *tektonv1.PipelineRun
	var taskRuns []tektonv1.TaskRun
	var note string
	if ref, at := we.Status.PipelineRunRef, we.Status.PipelineRunPrunedAt; ref != nil && at != nil {
		note = fmt.Sprintf("PipelineRun %s pruned at %s (retention), with its TaskRuns and pods", ref.Name, at.UTC().Format(time.RFC3339))
	} else if key, ok := we.PipelineRunKey(); ok {
		ns := key.Namespace
		got := &tektonv1.PipelineRun{}
		switch err := c.Get(ctx, key, got); {
		case err == nil && (ref.UID == "" || got.UID == ref.UID):
			pr = got
			list := &tektonv1.TaskRunList{}
			if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{"tekton.dev/pipelineRun": ref.Name}); err != nil {
				note = fmt.Sprintf("TaskRuns not readable: %v", err)
			}
			// Only this PipelineRun's: an earlier one of the same name had others.
			taskRuns = slices.DeleteFunc(list.Items, func(tr tektonv1.TaskRun) bool { return !ownedBy(&tr, got.UID) })
		case err == nil:
			note = fmt.Sprintf("PipelineRun %s/%s is another one than this execution's (UID %s)", ns, ref.Name, got.UID)
		case apierrors.IsNotFound(err):
			note = fmt.Sprintf("PipelineRun %s/%s is gone (deleted or pruned)", ns, ref.Name)
		default:
			note = fmt.Sprintf("PipelineRun %s/%s not readable: %v", ns, ref.Name, err)
		}
	}
	return exitSucceeded, tree(we, pr, taskRuns, note, now)
}

// ownedBy says whether the TaskRun's controller is the object with uid.
func ownedBy(tr *tektonv1.TaskRun, uid types.UID) bool {
	ref := metav1.GetControllerOf(tr)
	return ref != nil && ref.UID == uid
}

// tree draws the WorkflowExecution, its conditions, its PipelineRun and
// TaskRuns with state, duration and failed step.
func tree(we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun, taskRuns []tektonv1.TaskRun, note string, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "WorkflowExecution %s/%s  %s  %s\n", we.Namespace, we.Name, orDash(string(we.Status.Phase)),
		took(we.CreationTimestamp.Time, we.Status.CompletionTime, now))
	lines := conditionLines(we)
	switch {
	case pr != nil:
		lines = append(lines, pipelineRunLine(pr, now))
	case note != "":
		lines = append(lines, note)
	case we.Status.PipelineRunRef == nil:
		lines = append(lines, "no PipelineRun yet")
	}
	for i, l := range lines {
		branch := "├─ "
		if i == len(lines)-1 {
			branch = "└─ "
		}
		b.WriteString(branch + l + "\n")
	}
	if pr != nil {
		slices.SortFunc(taskRuns, func(a, b tektonv1.TaskRun) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
		for i := range taskRuns {
			branch := "   ├─ "
			if i == len(taskRuns)-1 {
				branch = "   └─ "
			}
			b.WriteString(branch + taskRunLine(&taskRuns[i], now) + "\n")
		}
		if note != "" {
			b.WriteString("   " + note + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// conditionLines are the execution's conditions, why a task waits when one
// does, and its failure.
func conditionLines(we *wfev1.WorkflowExecution) []string {
	var lines []string
	for _, t := range wfev1.ConditionTypes {
		c := we.Condition(t)
		if c == nil {
			lines = append(lines, fmt.Sprintf("%-23s -", t))
			continue
		}
		line := fmt.Sprintf("%-23s %-7s %s: %s", t, c.Status, c.Reason, oneLine(c.Message))
		if t == wfev1.ConditionAuditRecorded && len(we.Status.AuditedEvents) > 0 {
			line += fmt.Sprintf(" (acknowledged: %s)", strings.Join(we.Status.AuditedEvents, ", "))
		}
		lines = append(lines, line)
	}
	if c := we.Condition(wfev1.ConditionTektonPipelineRunning); c != nil {
		if cause, detail, ok := wfev1.WaitingOf(c.Message); ok {
			lines = append(lines, fmt.Sprintf("waiting: %s: %s", cause, oneLine(detail)))
		}
	}
	if fd := we.Status.FailureDetails; fd != nil {
		lines = append(lines, fmt.Sprintf("failure: %s, %s", fd.Reason, oneLine(fd.Message)))
	}
	return lines
}

func pipelineRunLine(pr *tektonv1.PipelineRun, now time.Time) string {
	return fmt.Sprintf("PipelineRun %s/%s  %s  %s", pr.Namespace, pr.Name, state(pr.Status.GetCondition(apis.ConditionSucceeded)),
		took(startOr(pr.Status.StartTime, pr.CreationTimestamp), pr.Status.CompletionTime, now))
}

func taskRunLine(tr *tektonv1.TaskRun, now time.Time) string {
	name := tr.Labels["tekton.dev/pipelineTask"]
	if name == "" {
		name = tr.Name
	}
	line := fmt.Sprintf("TaskRun %s  %s  %s", name, state(tr.Status.GetCondition(apis.ConditionSucceeded)),
		took(startOr(tr.Status.StartTime, tr.CreationTimestamp), tr.Status.CompletionTime, now))
	for _, s := range tr.Status.Steps {
		if t := s.Terminated; t != nil && t.ExitCode != 0 {
			return line + fmt.Sprintf("  step %s exited %d", s.Name, t.ExitCode)
		}
		if w := s.Waiting; w != nil && w.Reason != "" {
			return line + fmt.Sprintf("  step %s waiting: %s", s.Name, w.Reason)
		}
	}
	return line
}

// state is a Tekton Succeeded condition as "Status/Reason".
func state(c *apis.Condition) string {
	if c == nil {
		return "Pending"
	}
	if c.Status == corev1.ConditionUnknown {
		return c.Reason
	}
	return string(c.Status) + "/" + c.Reason
}

// took is "took D" once ended, else "running for D".
func took(start time.Time, end *metav1.Time, now time.Time) string {
	if start.IsZero() {
		return ""
	}
	if end != nil {
		return "took " + end.Sub(start).Round(time.Second).String()
	}
	return "for " + now.Sub(start).Round(time.Second).String()
}

func startOr(start *metav1.Time, created metav1.Time) time.Time {
	if start != nil {
		return start.Time
	}
	return created.Time
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a message on its line, cut at 160 characters.
func oneLine(s string) string {
	return wfev1.Truncate(strings.Join(strings.Fields(s), " "), 160)
}
