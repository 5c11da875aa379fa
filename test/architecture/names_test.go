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

package architecture_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// In the reconciler, methods do I/O and package functions decide: one name
// for both would hide which one a call makes.
func TestNoReconcilerMethodSharesItsNameWithAPackageFunction(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(root, "reconciler", "*.go"))
	require.NoError(t, err)
	methods, funcs := map[string]bool{}, map[string]bool{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				if fn.Recv != nil {
					methods[strings.ToLower(fn.Name.Name)] = true
				} else {
					funcs[strings.ToLower(fn.Name.Name)] = true
				}
			}
		}
	}
	require.NotEmpty(t, methods)
	for name := range methods {
		assert.False(t, funcs[name], "%s is both a method and a package function of the reconciler", name)
	}
}
