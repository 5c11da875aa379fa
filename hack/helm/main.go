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

// Command helm renders or lints charts/wfe-conditions with Helm's own Go
// library, so that `make helm-template` and `make helm-lint` need no helm
// binary. Usage: helm template|lint [-f values.yaml] [--set key=value] [-n namespace].
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "helm:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || (args[0] != "template" && args[0] != "lint") {
		return errors.New("usage: helm template|lint [-f values.yaml] [--set key=value] [-n namespace] [--chart dir]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	var opts values.Options
	fs.Func("f", "a values file (repeatable)", func(v string) error { opts.ValueFiles = append(opts.ValueFiles, v); return nil })
	fs.Func("set", "key=value, as helm --set (repeatable)", func(v string) error { opts.Values = append(opts.Values, v); return nil })
	namespace := fs.String("n", "wfe-conditions-system", "release namespace")
	dir := fs.String("chart", "charts/wfe-conditions", "chart folder")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	vals, err := opts.MergeValues(getter.Providers{})
	if err != nil {
		return err
	}
	if args[0] == "lint" {
		return lintChart(*dir, *namespace, vals)
	}
	c, err := loader.Load(*dir)
	if err != nil {
		return err
	}
	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun, install.ClientOnly, install.Replace = true, true, true
	install.ReleaseName, install.Namespace = "wfe-conditions", *namespace
	// Client-only, Helm assumes Kubernetes v1.20: render for the oldest the
	// chart supports instead.
	if install.KubeVersion, err = floor(c.Metadata.KubeVersion); err != nil {
		return err
	}
	rel, err := install.Run(c, vals)
	if err != nil {
		return err
	}
	fmt.Print(rel.Manifest)
	return nil
}

// lintChart prints Helm's findings and fails on a warning or an error.
func lintChart(dir, namespace string, vals map[string]any) error {
	linter := lint.All(dir, vals, namespace, false)
	for _, m := range linter.Messages {
		fmt.Println(m.Error())
	}
	if linter.HighestSeverity >= support.WarningSev {
		return fmt.Errorf("%s: lint found warnings or errors", dir)
	}
	fmt.Printf("%s: linted, %d informational message(s)\n", dir, len(linter.Messages))
	return nil
}

// floor is the lowest version a kubeVersion constraint of the form
// ">=X.Y.Z-0" admits.
func floor(constraint string) (*chartutil.KubeVersion, error) {
	v, ok := strings.CutPrefix(constraint, ">=")
	if !ok {
		return nil, fmt.Errorf("the chart's kubeVersion %q: want >=X.Y.Z-0", constraint)
	}
	return chartutil.ParseKubeVersion("v" + strings.TrimSuffix(v, "-0"))
}
