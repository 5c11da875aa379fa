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
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// installManifest renders a kustomize overlay with the manager's image set
// to image, as `make build-installer` does with IMG.
func installManifest(o options, overlay, image, path string) error {
	tmp, err := os.MkdirTemp("", "wfe-release-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	if err := os.CopyFS(filepath.Join(tmp, "config"), os.DirFS(o.config)); err != nil {
		return fmt.Errorf("copy %s: %w", o.config, err)
	}
	kustomize, err := filepath.Abs(o.kustomize)
	if err != nil {
		return err
	}
	set := exec.Command(kustomize, "edit", "set", "image", "controller="+image)
	set.Dir = filepath.Join(tmp, "config", "manager")
	if out, err := set.CombinedOutput(); err != nil {
		return fmt.Errorf("kustomize edit set image: %w: %s", err, out)
	}
	var stdout, stderr bytes.Buffer
	build := exec.Command(kustomize, "build", filepath.Join(tmp, "config", overlay))
	build.Stdout, build.Stderr = &stdout, &stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("kustomize build config/%s: %w: %s", overlay, err, stderr.Bytes())
	}
	if !bytes.Contains(stdout.Bytes(), []byte("image: "+image+"\n")) {
		return fmt.Errorf("kustomize build config/%s does not name %s", overlay, image)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, stdout.Bytes(), 0o644)
}
