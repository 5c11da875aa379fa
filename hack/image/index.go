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
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"kubernaut.ai/wfe-conditions/hack/sourcedate"
)

// Annotations of the layout's index.json: the OCI one names the tag, and
// containerd's the name `ctr images import` creates: repo@digest, the
// reference the release's manifests use.
const (
	annotationRefName       = "org.opencontainers.image.ref.name"
	annotationContainerName = "io.containerd.image.name"
)

// runIndex writes the manager for several linux platforms as one OCI image
// index into an OCI layout folder, and prints the index's digest.
func runIndex(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	binaries := map[string]string{}
	fs.Func("binary", "linux/<arch>=<path of the static binary> (repeatable)", func(v string) error {
		platform, path, ok := strings.Cut(v, "=")
		arch, found := strings.CutPrefix(platform, imageOS+"/")
		if !ok || !found || arch == "" || path == "" {
			return fmt.Errorf("-binary %q: want linux/<arch>=<path>", v)
		}
		binaries[arch] = path
		return nil
	})
	version := fs.String("version", "dev", "org.opencontainers.image.version, and the tag")
	commit := fs.String("commit", "unknown", "org.opencontainers.image.revision")
	ref := fs.String("name", "", "the image's repository and tag, e.g. ghcr.io/acme/wfe-conditions:v1.2.3")
	dir := fs.String("layout", "", "the OCI layout folder to write (replaced)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(binaries) == 0 || *ref == "" || *dir == "" {
		return errors.New("index: -binary, -name and -layout are required")
	}
	tag, err := name.NewTag(*ref, name.StrictValidation)
	if err != nil {
		return fmt.Errorf("index: -name %q is not repository:tag: %w", *ref, err)
	}
	byDigest, err := writeIndex(binaries, *version, *commit, tag, *dir)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %s\n", *dir, byDigest)
	return err
}

// writeIndex builds one image per architecture into an index and writes it,
// named as tag and by its digest, into the layout folder dir. It returns the
// digest reference.
func writeIndex(binaries map[string]string, version, commit string, tag name.Tag, dir string) (string, error) {
	created, err := sourcedate.Time()
	if err != nil {
		return "", err
	}
	var adds []mutate.IndexAddendum
	for _, arch := range slices.Sorted(maps.Keys(binaries)) {
		bin, err := os.ReadFile(binaries[arch])
		if err != nil {
			return "", fmt.Errorf("reading the %s binary: %w", arch, err)
		}
		img, err := managerImageFor(bin, version, commit, created, arch, true)
		if err != nil {
			return "", fmt.Errorf("%s: %w", arch, err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: imageOS, Architecture: arch}}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	digest, err := idx.Digest()
	if err != nil {
		return "", fmt.Errorf("computing the digest: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return "", fmt.Errorf("writing the layout %s: %w", dir, err)
	}
	byDigest := tag.Context().Digest(digest.String()).String()
	// One entry: crane push reads a layout of one index as that index.
	a := map[string]string{annotationRefName: tag.TagStr(), annotationContainerName: byDigest}
	if err := p.AppendIndex(idx, layout.WithAnnotations(a)); err != nil {
		return "", fmt.Errorf("writing the layout %s: %w", dir, err)
	}
	return byDigest, nil
}
