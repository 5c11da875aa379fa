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
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// imageOS and imageArch are what every docker-archive image here declares;
// the Makefile cross-compiles the manager for them (hack/image's test holds
// the two equal). The release's index adds other architectures.
const (
	imageOS   = "linux"
	imageArch = "amd64"
)

// defaultPath is the PATH distroless and most base images set.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// buildImage puts one layer on an empty base for linux/arch, with Docker's
// media types or, oci, the OCI ones. created stands in for the clock in the
// config and its history, which is what keeps the digest the same from one
// build to the next.
func buildImage(files []file, cfg v1.Config, createdBy string, created time.Time, arch string, oci bool) (v1.Image, error) {
	var opts []tarball.LayerOption
	base := empty.Image
	if oci {
		opts = append(opts, tarball.WithMediaType(types.OCILayer))
		base = mutate.ConfigMediaType(mutate.MediaType(base, types.OCIManifestSchema1), types.OCIConfigJSON)
	}
	layer, err := tarLayer(files, created, opts...)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, fmt.Errorf("appending the layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config of the new image: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS = imageOS
	cf.Architecture = arch
	cf.Created = v1.Time{Time: created}
	cf.Config = cfg
	// One entry per layer; without a time of its own it would say year 1.
	cf.History = []v1.History{{Created: v1.Time{Time: created}, CreatedBy: createdBy}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("setting the image config: %w", err)
	}
	return img, nil
}

// writeImage writes img as a docker-archive tarball named tag, and prints
// its digest. A tag, not any reference: the archive names images by
// RepoTags, and `ctr images import` takes the name from there.
func writeImage(stdout io.Writer, out, tag string, img v1.Image) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("-tag %q is not an image tag: %w", tag, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("making the folder of %s: %w", out, err)
	}
	if err := tarball.WriteToFile(out, ref, img); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("computing the digest: %w", err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("computing the image ID: %w", err)
	}
	// The manifest digest is go-containerregistry's; a runtime that imports
	// the archive may write its own manifest, the image ID (config) stays.
	_, err = fmt.Fprintf(stdout, "wrote %s: %s digest %s image ID %s\n", out, tag, digest, id)
	return err
}
