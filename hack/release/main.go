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

// Command release writes a release's artifacts into one folder, offline and
// byte for byte reproducible, from the manager's OCI layout (hack/image
// index) and the repository: the layout as a tarball, install.yaml and
// install-self-managed.yaml naming the image by its index digest, the chart
// packaged with that digest, a CycloneDX SBOM of the binary's modules, the
// kubectl plugin's archives (binary and LICENSE) with a krew manifest naming
// their checksums, and SHA256SUMS. `make release` runs it; it pushes nothing.
//
//	release -version vX.Y.Z -image-repo R -layout DIR -binary BIN -kustomize K -out DIR \
//	  [-plugin os/arch=BIN ...] [-download-url URL]
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"kubernaut.ai/wfe-conditions/hack/sourcedate"
)

// semver is the release version: v and SemVer 2, as the chart's version
// needs (without the v).
var semver = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$`)

type options struct {
	version, imageRepo, layout, binary, kustomize, config, chart, out string
	// plugins are the kubectl plugin's builds; downloadURL is where their
	// archives are published (the krew manifest's URIs); homepage the project's.
	plugins                        []pluginBinary
	downloadURL, homepage, license string
	mtime                          time.Time
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.StringVar(&o.version, "version", "", "the release, vX.Y.Z[-pre]")
	fs.StringVar(&o.imageRepo, "image-repo", "", "where the image will be pushed, e.g. ghcr.io/acme/wfe-conditions")
	fs.StringVar(&o.layout, "layout", "", "the OCI layout hack/image index wrote")
	fs.StringVar(&o.binary, "binary", "", "a manager binary of the release, whose modules the SBOM lists")
	fs.StringVar(&o.kustomize, "kustomize", "bin/kustomize", "kustomize")
	fs.StringVar(&o.config, "config", "config", "the kustomize folder")
	fs.StringVar(&o.chart, "chart", "charts/wfe-conditions", "the chart folder")
	fs.StringVar(&o.out, "out", "dist", "the folder to write into")
	fs.Func("plugin", "a build of the kubectl plugin, os/arch=path (repeated)", func(v string) error {
		b, err := parsePluginFlag(v)
		o.plugins = append(o.plugins, b)
		return err
	})
	fs.StringVar(&o.downloadURL, "download-url", "", "where the plugin's archives are published (required with -plugin)")
	fs.StringVar(&o.homepage, "homepage", "", "the project's home page, for the krew manifest")
	fs.StringVar(&o.license, "license", "LICENSE", "the license file the plugin's archives carry")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !semver.MatchString(o.version) {
		return fmt.Errorf("-version %q: want vX.Y.Z or vX.Y.Z-pre (make release VERSION=v1.2.3)", o.version)
	}
	if o.imageRepo == "" || o.layout == "" || o.binary == "" {
		return errors.New("-image-repo, -layout and -binary are required")
	}
	if len(o.plugins) > 0 && !strings.HasPrefix(o.downloadURL, "https://") {
		return fmt.Errorf("-download-url %q: the plugin's archives need an https:// URL where they will be published", o.downloadURL)
	}
	var err error
	if o.mtime, err = sourcedate.Time(); err != nil {
		return err
	}
	digest, err := verifyLayout(o.layout)
	if err != nil {
		return err
	}
	image := o.imageRepo + "@" + digest
	steps, err := releaseSteps(o, image, digest)
	if err != nil {
		return err
	}
	var files []string
	for _, s := range steps {
		if err := s.write(filepath.Join(o.out, s.file)); err != nil {
			return fmt.Errorf("%s: %w", s.file, err)
		}
		files = append(files, s.file)
	}
	if err := writeSums(o.out, files); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "release %s in %s: image %s\n", o.version, o.out, image)
	return err
}

// step writes one file of the release.
type step struct {
	file  string
	write func(string) error
}

// releaseSteps lists the release's files in the order they are written.
func releaseSteps(o options, image, digest string) ([]step, error) {
	steps := []step{
		{"wfe-conditions-" + o.version + "-oci.tar", func(path string) error { return tarFolder(o.layout, path, o.mtime) }},
		{"install.yaml", func(path string) error { return installManifest(o, "default", image, path) }},
		{"install-self-managed.yaml", func(path string) error { return installManifest(o, "self-managed", image, path) }},
		{"wfe-conditions-" + strings.TrimPrefix(o.version, "v") + ".tgz", func(path string) error { return packageChart(o, digest, path) }},
		{"wfe-conditions-" + o.version + ".cdx.json", func(path string) error { return writeSBOM(o, path) }},
	}
	if len(o.plugins) > 0 {
		license, err := os.ReadFile(o.license)
		if err != nil {
			return nil, err
		}
		for _, b := range o.plugins {
			steps = append(steps, step{pluginArchive(o.version, b), func(path string) error { return writePluginArchive(b, license, path, o) }})
		}
		// After the archives: it names their checksums.
		steps = append(steps, step{"krew-" + pluginName + ".yaml", func(path string) error { return writeKrewManifest(o, o.plugins, path) }})
	}
	return steps, nil
}

// writeSums writes SHA256SUMS in sha256sum's format, sorted by name.
func writeSums(dir string, files []string) error {
	var b strings.Builder
	for _, f := range slices.Sorted(slices.Values(files)) {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), f)
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(b.String()), 0o644)
}
