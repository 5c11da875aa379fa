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

// Package gitops evaluates the shipped GitOps health checks of a
// WorkflowExecution (config/gitops) as the tools that read them do: the Argo
// CD Lua script in gopher-lua, the Flux healthCheckExprs in cel-go, and
// kstatus, which Flux and kpt fall back to without expressions.
package gitops

import (
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// Argo CD's health statuses the script returns.
const (
	Healthy     = "Healthy"
	Progressing = "Progressing"
	Degraded    = "Degraded"
)

// FluxOf is the Flux (kstatus) status each Argo CD verdict corresponds to.
var FluxOf = map[string]kstatus.Status{
	Healthy:     kstatus.CurrentStatus,
	Progressing: kstatus.InProgressStatus,
	Degraded:    kstatus.FailedStatus,
}

// Dir is config/gitops of this repository. config holds no Go package, so
// the files are read at run time rather than embedded.
func Dir() (string, error) {
	root, err := paths.RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "config", "gitops"), nil
}

// Verdict is what each tool says of one WorkflowExecution.
type Verdict struct {
	// Argo is the shipped health.lua's answer.
	Argo Health
	// Flux is Flux's status with the shipped healthCheckExprs; FluxErr is set
	// instead when they fail to evaluate, as on an object without status.
	Flux    kstatus.Status
	FluxErr error
	// Exprs is each expression's own value; nil when Flux does not consult
	// them (a stale status) or they fail.
	Exprs *Exprs
	// KStatus is kstatus alone (status.Compute), without the expressions.
	KStatus kstatus.Status
}

// Judge evaluates obj, a WorkflowExecution as the apiserver serves it, with
// the three.
func Judge(obj map[string]any) (Verdict, error) {
	var v Verdict
	script, err := ArgoScript()
	if err != nil {
		return v, err
	}
	if v.Argo, err = RunHealthScript(script, obj); err != nil {
		return v, err
	}
	check, err := FluxCheck()
	if err != nil {
		return v, err
	}
	v.Flux, v.FluxErr = check.Status(obj)
	if v.FluxErr == nil && !Stale(obj) {
		e, err := check.Eval(obj)
		if err != nil {
			return v, err
		}
		v.Exprs = &e
	}
	res, err := kstatus.Compute(&unstructured.Unstructured{Object: obj})
	if err != nil {
		return v, err
	}
	v.KStatus = res.Status
	return v, nil
}

// Agree reports, as a non-empty string, where Flux's verdict departs from
// Argo CD's: a different status, or not exactly the matching expression true.
func (v Verdict) Agree() string {
	switch {
	case v.FluxErr != nil:
		return "the Flux expressions failed: " + v.FluxErr.Error()
	case v.Flux != FluxOf[v.Argo.Status]:
		return "Flux says " + v.Flux.String() + ", Argo CD " + v.Argo.Status
	case v.Exprs != nil && v.Exprs.Status() != v.Flux:
		return "the expressions do not single out " + v.Flux.String()
	}
	return ""
}
