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
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/golangci/dupl/lib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// duplThreshold is the clone size, in syntax tokens, that counts: the
// linter's own dupl default is 150 per package; across packages a copy
// half that long is one the framework should hold once.
const duplThreshold = 75

// crossPackageClones lists the clone pairs of at least duplThreshold tokens
// whose two copies sit in different folders, among the Go files under dirs.
func crossPackageClones(t *testing.T, root string, dirs ...string) []string {
	t.Helper()
	var files []string
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && (e.Name() == "tools" || e.Name() == "testdata") {
				return filepath.SkipDir // tool modules of their own, fixtures
			}
			if !e.IsDir() && strings.HasSuffix(p, ".go") {
				files = append(files, p)
			}
			return nil
		})
		require.NoError(t, err)
	}
	issues, err := lib.Run(files, duplThreshold)
	require.NoError(t, err)
	var out []string
	for _, i := range issues {
		if filepath.Dir(i.From.Filename()) == filepath.Dir(i.To.Filename()) {
			continue
		}
		rel := func(f string) string { r, _ := filepath.Rel(root, f); return r }
		ends := []string{fmt.Sprintf("%s:%d-%d", rel(i.From.Filename()), i.From.LineStart(), i.From.LineEnd()),
			fmt.Sprintf("%s:%d-%d", rel(i.To.Filename()), i.To.LineStart(), i.To.LineEnd())}
		sort.Strings(ends) // dupl reports each pair both ways
		out = append(out, ends[0]+" = "+ends[1])
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func TestNoCodeIsCopiedBetweenPackagesOfTestAndHack(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	clones := crossPackageClones(t, root, "test", "hack")
	assert.Empty(t, clones, "clones of %d tokens or more across packages (move them into test/framework):\n%s",
		duplThreshold, strings.Join(clones, "\n"))
}

func TestTheCloneCheckBites(t *testing.T) {
	dir := t.TempDir()
	body := `package p

func f(xs []int) (int, int, int) {
	sum, odd, even := 0, 0, 0
	for i, x := range xs {
		if x%2 == 0 {
			even += x * i
		} else {
			odd += x * i
		}
		sum += x
		if sum > 1000 {
			sum -= 1000
		}
		if odd > even {
			odd, even = even, odd
		}
	}
	for _, x := range xs {
		if x < 0 {
			return -1, -1, -1
		}
	}
	return sum, odd, even
}
`
	for _, d := range []string{"a", "b"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "test", d), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "test", d, "f.go"), []byte(body), 0o644))
	}
	assert.Len(t, crossPackageClones(t, dir, "test"), 1, "one function in two packages is one clone pair")
}
