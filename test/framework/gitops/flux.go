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

package gitops

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

// Check is one entry of a Flux Kustomization's spec.healthCheckExprs.
type Check struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Current    string `json:"current"`
	InProgress string `json:"inProgress"`
	Failed     string `json:"failed"`
}

// Exprs is the value of each expression on one object.
type Exprs struct{ Current, InProgress, Failed bool }

// Status is the one status the expressions single out, or "" when not
// exactly one holds.
func (e Exprs) Status() kstatus.Status {
	switch {
	case e.Current && !e.InProgress && !e.Failed:
		return kstatus.CurrentStatus
	case e.InProgress && !e.Current && !e.Failed:
		return kstatus.InProgressStatus
	case e.Failed && !e.Current && !e.InProgress:
		return kstatus.FailedStatus
	}
	return ""
}

// FluxCheck reads the one entry of config/gitops/flux/health-check-exprs.yaml.
func FluxCheck() (Check, error) {
	dir, err := Dir()
	if err != nil {
		return Check{}, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "flux", "health-check-exprs.yaml"))
	if err != nil {
		return Check{}, err
	}
	// Strict: a misspelt key (say, inprogress) would silently drop an expression.
	var k struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       struct {
			HealthCheckExprs []Check `json:"healthCheckExprs"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		return Check{}, err
	}
	if len(k.Spec.HealthCheckExprs) != 1 {
		return Check{}, fmt.Errorf("want one healthCheckExprs entry, found %d", len(k.Spec.HealthCheckExprs))
	}
	return k.Spec.HealthCheckExprs[0], nil
}

// Status is Flux's verdict: InProgress while status.observedGeneration
// differs from metadata.generation, else the first of inProgress, failed and
// current that holds, else InProgress. An expression that fails to evaluate
// is an error, as in Flux.
func (c Check) Status(obj map[string]any) (kstatus.Status, error) {
	if Stale(obj) {
		return kstatus.InProgressStatus, nil
	}
	for _, e := range []struct {
		expr   string
		status kstatus.Status
	}{{c.InProgress, kstatus.InProgressStatus}, {c.Failed, kstatus.FailedStatus}, {c.Current, kstatus.CurrentStatus}} {
		if e.expr == "" {
			continue
		}
		ok, err := evalBool(e.expr, obj)
		if err != nil {
			return "", err
		}
		if ok {
			return e.status, nil
		}
	}
	return kstatus.InProgressStatus, nil
}

// Stale says whether status.observedGeneration is set and differs from
// metadata.generation: Flux then says InProgress without the expressions.
func Stale(obj map[string]any) bool {
	observed, ok, err := unstructured.NestedInt64(obj, "status", "observedGeneration")
	if err != nil || !ok {
		return false
	}
	gen, ok, err := unstructured.NestedInt64(obj, "metadata", "generation")
	return err == nil && ok && gen != observed
}

// Eval evaluates each expression on its own.
func (c Check) Eval(obj map[string]any) (Exprs, error) {
	var e Exprs
	var err error
	if e.Current, err = evalBool(c.Current, obj); err != nil {
		return e, err
	}
	if e.InProgress, err = evalBool(c.InProgress, obj); err != nil {
		return e, err
	}
	e.Failed, err = evalBool(c.Failed, obj)
	return e, err
}

// evalBool evaluates expr with the environment Flux gives health checks: the
// object's top-level fields as undeclared variables (parsed, not compiled),
// optional types and the strings, sets and encoders extensions.
func evalBool(expr string, obj map[string]any) (bool, error) {
	env, err := cel.NewEnv(cel.HomogeneousAggregateLiterals(), cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true), cel.CrossTypeNumericComparisons(true), cel.OptionalTypes(),
		ext.Strings(), ext.Sets(), ext.Encoders())
	if err != nil {
		return false, err
	}
	ast, iss := env.Parse(expr)
	if iss.Err() != nil {
		return false, iss.Err()
	}
	prg, err := env.Program(ast)
	if err != nil {
		return false, err
	}
	out, _, err := prg.Eval(obj)
	if err != nil {
		return false, fmt.Errorf("evaluate %q: %w", expr, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("%q is %s, not a bool", expr, out.Type())
	}
	return b, nil
}
