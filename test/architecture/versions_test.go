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
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A cold make test compiles each package once for the project and the tools
// of hack/tools/kubernetes together only when both pick the same version of
// every module they share (and the Makefile gives both the same flags).
func TestTheKubernetesToolsUseTheProjectsVersionsOfSharedModules(t *testing.T) {
	root := repoRoot(t)
	project := compiledModules(t, root, "-test", "./...")
	tools := compiledModules(t, filepath.Join(root, "hack", "tools", "kubernetes"), "-tags=tools", ".")
	require.Contains(t, tools, "k8s.io/client-go", "the tools module lists its dependencies")
	shared := 0
	for path, version := range project {
		other, ok := tools[path]
		if !ok {
			continue
		}
		shared++
		assert.Equal(t, version, other, "%s: go.mod and hack/tools/kubernetes/go.mod pick different versions (go get %s@<the higher> in the other)", path, path)
	}
	assert.Greater(t, shared, 100, "the two builds share the Kubernetes libraries")
}

// compiledModules maps each module whose packages `go list -deps` compiles in
// dir to the version used (after replace directives).
func compiledModules(t *testing.T, dir string, args ...string) map[string]string {
	t.Helper()
	format := `{{with .Module}}{{.Path}} {{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}{{end}}`
	cmd := exec.Command("go", append([]string{"list", "-e", "-deps", "-f", format}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &stdout, &stderr
	require.NoError(t, cmd.Run(), "go list in %s: %s", dir, stderr.String())
	modules := map[string]string{}
	for s := bufio.NewScanner(&stdout); s.Scan(); {
		if path, version, ok := strings.Cut(s.Text(), " "); ok && version != "" {
			modules[path] = version
		}
	}
	return modules
}
