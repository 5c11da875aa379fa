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

// Package architecture_test checks the import rules of docs/architecture.md
// against `go list -deps` of the whole module.
package architecture_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

const (
	mod        = "kubernaut.ai/wfe-conditions"
	api        = mod + "/api"
	webhook    = mod + "/webhook"
	reconciler = mod + "/reconciler"
	audit      = mod + "/audit"
	certs      = mod + "/certs"
	binary     = mod + "/cmd/wfe-conditions"
	plugin     = mod + "/cmd/kubectl-wfe"
	wiring     = binary + "/wiring"
	testDir    = mod + "/test"
	framework  = testDir + "/framework"
	hackDir    = mod + "/hack"
	configDir  = mod + "/config"
)

// pkg is the part of `go list -json` the rules read.
type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
	Error      *struct{ Err string }
}

type rule struct {
	name  string
	check func([]pkg) []string // one line per violation, naming the offending import path
	bites string               // what check must report for brokenGraph
}

var rules = []rule{
	{"every package of ours loads without error", packagesWhere(func(p pkg) bool { return p.Error != nil }), mod + "/gone"},
	{"api imports only the standard library, k8s.io/api, k8s.io/apimachinery and controller-runtime's scheme builder",
		forbid(in(api), true, func(imp string) bool { return !apiMayImport(imp) }), "k8s.io/apiextensions-apiserver/pkg/apis"},
	{"webhook imports nothing of ours but api", forbid(in(webhook), false, oursBut(webhook, api)), reconciler},
	{"reconciler imports nothing of ours but api and audit", forbid(in(reconciler), false, oursBut(reconciler, api, audit)), certs},
	{"audit imports nothing of ours but api, so never the reconciler or the webhook",
		forbid(in(audit), false, oursBut(audit, api)), reconciler},
	{"certs imports nothing of ours", forbid(in(certs), false, oursBut(certs)), api + "/v1alpha1"},
	{"nothing below the wiring imports it", forbid(func(path string) bool {
		return path != binary && !in(wiring, testDir, hackDir)(path)
	}, false, in(wiring)), wiring},
	{"no production package depends on test or hack",
		forbid(func(path string) bool { return !in(testDir, hackDir)(path) }, false, in(testDir, hackDir)), hackDir + "/dev"},
	{"the test framework imports no suite and nothing of hack", forbid(in(framework), false, func(imp string) bool {
		return in(hackDir)(imp) || (in(testDir)(imp) && !in(framework)(imp))
	}), testDir + "/e2e"},
	{"the kubectl plugin imports nothing of ours but api", forbid(in(plugin), false, oursBut(plugin, api)), reconciler},
	{"config holds no Go package", packagesWhere(func(p pkg) bool { return in(configDir)(p.ImportPath) }), configDir},
	{"every package of ours sits where the layout puts it", packagesWhere(func(p pkg) bool {
		return p.ImportPath != binary && p.ImportPath != plugin && !in(api, webhook, reconciler, audit, certs, wiring, testDir, hackDir)(p.ImportPath)
	}), mod + "/manager"},
}

func TestImportRules(t *testing.T) {
	graph := loadGraph(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			got := r.check(graph)
			assert.Zero(t, len(got), "violations:\n%s", strings.Join(got, "\n"))
		})
	}
	t.Run("the checker bites: a made-up package list that breaks every rule is reported", func(t *testing.T) {
		for _, r := range rules {
			got := strings.Join(r.check(brokenGraph), "\n")
			assert.Contains(t, got, r.bites, "rule %q did not report %s", r.name, r.bites)
		}
	})
}

// brokenGraph breaks each rule at least once; rule.bites names the offender.
var brokenGraph = []pkg{
	{ImportPath: mod + "/gone", Error: &struct{ Err string }{"no required module provides package"}},
	{ImportPath: api + "/v1alpha1", Imports: []string{"fmt", "k8s.io/api/core/v1", "k8s.io/apiextensions-apiserver/pkg/apis"}},
	{ImportPath: webhook, Imports: []string{reconciler}, Deps: []string{api + "/v1alpha1", reconciler}},
	{ImportPath: reconciler, Imports: []string{reconciler + "/internal/mapping", certs},
		Deps: []string{api + "/v1alpha1", audit, reconciler + "/internal/mapping", certs}},
	{ImportPath: reconciler + "/internal/mapping", Imports: []string{wiring}, Deps: []string{wiring}},
	{ImportPath: audit, Imports: []string{reconciler}, Deps: []string{api + "/v1alpha1", reconciler}},
	{ImportPath: certs, Imports: []string{api + "/v1alpha1"}, Deps: []string{api + "/v1alpha1"}},
	{ImportPath: binary, Imports: []string{wiring, hackDir + "/dev"}, Deps: []string{wiring, hackDir + "/dev"}},
	{ImportPath: framework + "/controlplane", Imports: []string{testDir + "/e2e"}, Deps: []string{testDir + "/e2e"}},
	{ImportPath: plugin, Imports: []string{reconciler}, Deps: []string{reconciler}},
	{ImportPath: configDir, Dir: "config"},
	{ImportPath: mod + "/manager", Dir: "manager"},
}

// in reports whether a path is one of roots or below one of them.
func in(roots ...string) func(string) bool {
	return func(path string) bool {
		return slices.ContainsFunc(roots, func(r string) bool { return path == r || strings.HasPrefix(path, r+"/") })
	}
}

// oursBut forbids every package of ours except the allowed ones and self's
// own internal sub-packages.
func oursBut(self string, allowed ...string) func(string) bool {
	return func(dep string) bool { return in(mod)(dep) && !in(append(allowed, self+"/internal")...)(dep) }
}

func apiMayImport(path string) bool {
	return !strings.Contains(strings.Split(path, "/")[0], ".") || // the standard library
		in("k8s.io/api", "k8s.io/apimachinery")(path) || path == "sigs.k8s.io/controller-runtime/pkg/scheme"
}

// packagesWhere reports every package of ours for which bad holds.
func packagesWhere(bad func(pkg) bool) func([]pkg) []string {
	return func(graph []pkg) (out []string) {
		for _, p := range graph {
			if in(mod)(p.ImportPath) && bad(p) {
				line := p.ImportPath
				if p.Dir != "" {
					line += " (folder " + p.Dir + ")"
				}
				if p.Error != nil {
					line += ": " + p.Error.Err
				}
				out = append(out, line)
			}
		}
		return out
	}
}

// forbid reports, for every package of ours whose path matches subject, each
// direct import (direct) or dependency (!direct) matching bad, with the direct
// import that pulls a dependency in.
func forbid(subject func(string) bool, direct bool, bad func(string) bool) func([]pkg) []string {
	return func(graph []pkg) (out []string) {
		byPath := map[string]pkg{}
		for _, p := range graph {
			byPath[p.ImportPath] = p
		}
		for _, p := range graph {
			if !in(mod)(p.ImportPath) || !subject(p.ImportPath) {
				continue
			}
			deps, verb := p.Deps, " depends on "
			if direct {
				deps, verb = p.Imports, " imports "
			}
			for _, dep := range deps {
				if !bad(dep) {
					continue
				}
				line := p.ImportPath + verb + dep
				via := slices.IndexFunc(p.Imports, func(imp string) bool { return slices.Contains(byPath[imp].Deps, dep) })
				if via >= 0 && !slices.Contains(p.Imports, dep) {
					line += " (via " + p.Imports[via] + ")"
				}
				out = append(out, line)
			}
		}
		return out
	}
}

// loadGraph lists every package of the module and all it depends on, and each
// folder under config/ holding a .go file (./... skips a folder whose files
// build constraints exclude; naming the folder lists it).
func loadGraph(t *testing.T) (graph []pkg) {
	root := repoRoot(t)
	args := []string{"list", "-e", "-deps", "-json=ImportPath,Dir,Imports,Deps,Error", "./..."}
	err := filepath.WalkDir(filepath.Join(root, "config"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !slices.Contains(args, filepath.Dir(path)) {
			args = append(args, filepath.Dir(path))
		}
		return err
	})
	if !errors.Is(err, fs.ErrNotExist) {
		require.NoError(t, err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, &stdout, &stderr
	require.NoError(t, cmd.Run(), "go list: %s", stderr.String())
	for dec := json.NewDecoder(&stdout); dec.More(); {
		var p pkg
		require.NoError(t, dec.Decode(&p))
		graph = append(graph, p)
	}
	require.NotEmpty(t, graph)
	return graph
}

// repoRoot is the folder holding the project's go.mod.
func repoRoot(t *testing.T) string {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	return root
}
