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

// Package release builds a release as `make release` does, for linux/amd64
// only (the arm64 and darwin builds are `make release`'s own, outside make
// test), for the suites that install from one.
package release

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// Release is a release's folder.
type Release struct {
	Dir, Version, Repo string
}

// Make runs `make release` into dir with a fixed SOURCE_DATE_EPOCH.
func Make(dir, version, repo string) (Release, error) {
	root, err := paths.RepoRoot()
	if err != nil {
		return Release{}, err
	}
	cmd := exec.Command("make", "--no-print-directory", "release", "VERSION="+version, "IMAGE_REPO="+repo,
		"RELEASE_PLATFORMS=linux/amd64", "PLUGIN_PLATFORMS=linux/amd64", "DIST="+dir, "SOURCE_DATE_EPOCH=1700000000")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return Release{}, fmt.Errorf("make release: %w: %s", err, out)
	}
	return Release{Dir: dir, Version: version, Repo: repo}, nil
}

// Digest is the image index's digest, from the OCI layout's index.json.
func (r Release) Digest() (string, error) {
	data, err := os.ReadFile(filepath.Join(r.Dir, "oci", "index.json"))
	if err != nil {
		return "", err
	}
	var index struct{ Manifests []struct{ Digest string } }
	if err := json.Unmarshal(data, &index); err != nil || len(index.Manifests) == 0 {
		return "", fmt.Errorf("%s/oci/index.json names no image index: %v", r.Dir, err)
	}
	return index.Manifests[0].Digest, nil
}

// File is the path of one of the release's files.
func (r Release) File(name string) string { return filepath.Join(r.Dir, name) }

// Chart is the packaged chart.
func (r Release) Chart() string {
	return r.File("wfe-conditions-" + strings.TrimPrefix(r.Version, "v") + ".tgz")
}

// OCIArchive is the OCI layout's tarball.
func (r Release) OCIArchive() string { return r.File("wfe-conditions-" + r.Version + "-oci.tar") }

// PluginArchive is the kubectl plugin's archive for linux/amd64.
func (r Release) PluginArchive() string {
	return r.File("kubectl-wfe_" + r.Version + "_linux_amd64.tar.gz")
}

// KrewManifest is the plugin's manifest for krew.
func (r Release) KrewManifest() string { return r.File("krew-wfe.yaml") }
