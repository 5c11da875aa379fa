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
	"archive/tar"
	"debug/elf"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// managerPath is the manager binary's path in each image's layer.
const managerPath = "wfe-conditions"

// machines is the ELF machine each architecture's binary must be built for.
var machines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// verifyLayout checks the OCI layout before anything names its digest: one
// image index, OCI media types throughout, and each platform's entry a
// config of that platform whose binary is an ELF for its architecture. It
// returns the index's digest.
func verifyLayout(dir string) (string, error) {
	root, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return "", fmt.Errorf("read the OCI layout %s: %w", dir, err)
	}
	top, err := root.IndexManifest()
	if err != nil {
		return "", err
	}
	if len(top.Manifests) == 0 {
		return "", fmt.Errorf("the OCI layout %s holds nothing", dir)
	}
	digest := top.Manifests[0].Digest
	for _, d := range top.Manifests {
		if d.Digest != digest || d.MediaType != types.OCIImageIndex {
			return "", fmt.Errorf("the OCI layout %s holds %s %s besides the image index %s", dir, d.MediaType, d.Digest, digest)
		}
	}
	idx, err := root.ImageIndex(digest)
	if err != nil {
		return "", err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return "", err
	}
	if len(m.Manifests) == 0 {
		return "", errors.New("the image index lists no image")
	}
	for _, d := range m.Manifests {
		if err := verifyImage(idx, d); err != nil {
			return "", fmt.Errorf("image index %s: %w", digest, err)
		}
	}
	return digest.String(), nil
}

func verifyImage(idx v1.ImageIndex, d v1.Descriptor) error {
	if d.Platform == nil || d.MediaType != types.OCIManifestSchema1 {
		return fmt.Errorf("entry %s: want an OCI image manifest with a platform, got %s", d.Digest, d.MediaType)
	}
	platform := d.Platform.OS + "/" + d.Platform.Architecture
	img, err := idx.Image(d.Digest)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	if cf.OS != d.Platform.OS || cf.Architecture != d.Platform.Architecture {
		return fmt.Errorf("the %s entry's config says %s/%s", platform, cf.OS, cf.Architecture)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return err
	}
	if manifest.Config.MediaType != types.OCIConfigJSON || len(manifest.Layers) != 1 || manifest.Layers[0].MediaType != types.OCILayer {
		return fmt.Errorf("the %s entry: want an OCI config and one OCI layer", platform)
	}
	return checkBinary(img, platform, d.Platform.Architecture)
}

// checkBinary checks that the image's binary is a 64-bit ELF for arch.
func checkBinary(img v1.Image, platform, arch string) error {
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	binary, err := fileInLayer(layers[0], managerPath)
	if err != nil {
		return fmt.Errorf("the %s entry: %w", platform, err)
	}
	if err := checkExecutable(binary, "linux", arch); err != nil {
		return fmt.Errorf("the %s entry's /%s %w", platform, managerPath, err)
	}
	return nil
}

// fileInLayer reads one regular file out of a layer.
func fileInLayer(l v1.Layer, name string) ([]byte, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("no /%s in the layer", name)
		}
		if err != nil {
			return nil, err
		}
		if hdr.Name == name && hdr.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}
