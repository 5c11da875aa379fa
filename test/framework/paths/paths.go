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

// Package paths finds the repository, its built tools and Go modules the tests read.
package paths

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// module is the project's module path, as go.mod declares it.
const module = "kubernaut.ai/wfe-conditions"

// RepoRoot is the folder holding the project's go.mod. It is found from this
// file's path, or, in a binary built with -trimpath (as make builds them),
// from the working folder up: go test runs in the package's folder, and the
// programs under hack/ run from the repository's root.
func RepoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", ".."))
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(data, []byte("module "+module+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot locate the repository root: run from inside it")
		}
		dir = parent
	}
}

// LaneEnv names the lane make runs; "unit" means no tool in bin/ may be used.
const LaneEnv = "WFE_TEST_LANE"

// Binary returns the path of a tool built into bin/, or an error that says how
// to build it.
func Binary(name string) (string, error) {
	if os.Getenv(LaneEnv) == "unit" {
		return "", fmt.Errorf("the unit lane runs without bin/, and this test needs bin/%s: move it to an integration, e2e or node suite (docs/testing.md)", name)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, "bin", name)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s is not built: run 'make tools' first: %w", path, err)
	}
	return path, nil
}

// TektonModuleDir is where the Go module cache holds the tektoncd/pipeline
// module this project builds against.
func TektonModuleDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tektoncd/pipeline")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locate the tektoncd/pipeline module: %w: %s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// ModuleDir is where a Go module at an exact version (module@version) lies in
// the module cache, downloaded if need be: for files such as another project's
// CRDs that the tests install.
func ModuleDir(moduleAtVersion string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", moduleAtVersion)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("download %s: %w: %s", moduleAtVersion, err, stderr.String())
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return "", fmt.Errorf("read go mod download's answer for %s: %w", moduleAtVersion, err)
	}
	return mod.Dir, nil
}
