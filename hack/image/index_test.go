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
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheIndexIsOneOCILayoutEntryNamedByItsDigestWithAnImagePerPlatform(t *testing.T) {
	dir := t.TempDir()
	binaries := map[string]string{}
	for _, arch := range []string{"arm64", "amd64"} {
		binaries[arch] = filepath.Join(dir, arch)
		require.NoError(t, os.WriteFile(binaries[arch], []byte("binary for "+arch), 0o755))
	}
	tag, err := name.NewTag("registry.example/acme/wfe-conditions:v1.2.3", name.StrictValidation)
	require.NoError(t, err)
	out := filepath.Join(dir, "oci")
	byDigest, err := writeIndex(binaries, "v1.2.3", "abc", tag, out)
	require.NoError(t, err)

	root, err := layout.ImageIndexFromPath(out)
	require.NoError(t, err)
	top, err := root.IndexManifest()
	require.NoError(t, err)
	require.Len(t, top.Manifests, 1, "one entry: crane push and ctr import read it as the index")
	entry := top.Manifests[0]
	assert.Equal(t, types.OCIImageIndex, entry.MediaType)
	assert.Equal(t, "registry.example/acme/wfe-conditions@"+entry.Digest.String(), byDigest)
	assert.Equal(t, map[string]string{annotationContainerName: byDigest, annotationRefName: "v1.2.3"}, entry.Annotations)

	idx, err := root.ImageIndex(entry.Digest)
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	require.Len(t, m.Manifests, 2)
	for i, arch := range []string{"amd64", "arm64"} {
		d := m.Manifests[i]
		assert.Equal(t, types.OCIManifestSchema1, d.MediaType)
		assert.Equal(t, "linux/"+arch, d.Platform.OS+"/"+d.Platform.Architecture)
		img, err := idx.Image(d.Digest)
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, arch, cf.Architecture, "the config says the entry's architecture")
		manifest, err := img.Manifest()
		require.NoError(t, err)
		assert.Equal(t, types.OCIConfigJSON, manifest.Config.MediaType)
		assert.Equal(t, types.OCILayer, manifest.Layers[0].MediaType)
	}

	again, err := writeIndex(binaries, "v1.2.3", "abc", tag, filepath.Join(dir, "again"))
	require.NoError(t, err)
	assert.Equal(t, byDigest, again, "the same inputs give the same digest")
}
