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
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// ownBinary is this test's executable: an ELF for the machine running it.
func ownBinary(t *testing.T) []byte {
	t.Helper()
	path, err := os.Executable()
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// writeLayout writes an OCI layout whose index holds one image declaring
// arch, its layer holding binary as /wfe-conditions.
func writeLayout(t *testing.T, arch string, binary []byte) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: managerPath, Mode: 0o755, Size: int64(len(binary)), Typeflag: tar.TypeReg}))
	_, err := tw.Write(binary)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil },
		tarball.WithMediaType(types.OCILayer))
	require.NoError(t, err)
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), layer)
	require.NoError(t, err)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cf)
	require.NoError(t, err)
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img,
		Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}}), types.OCIImageIndex)
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, p.AppendIndex(idx))
	return dir
}

func TestTheLayoutCheckRefusesABinaryOfAnotherArchitecture(t *testing.T) {
	own := ownBinary(t)
	hostArch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	require.NotEmpty(t, hostArch, "runs on amd64 or arm64")
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[hostArch]

	digest, err := verifyLayout(writeLayout(t, hostArch, own))
	require.NoError(t, err, "an entry whose binary fits its platform")
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, digest)

	_, err = verifyLayout(writeLayout(t, other, own))
	require.Error(t, err, "a %s binary in the %s entry", hostArch, other)
	assert.Contains(t, err.Error(), "the linux/"+other+" entry's /wfe-conditions is a ELFCLASS64")

	_, err = verifyLayout(writeLayout(t, hostArch, []byte("#!/bin/sh\n")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is no ELF")
}

func TestArchivesAreTheSameBytesWhateverTheOrderAndClock(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1700000000, 0).UTC()
	a, b := filepath.Join(dir, "a.tgz"), filepath.Join(dir, "b.tgz")
	require.NoError(t, writeArchive(a, []entry{{name: "x/b", data: []byte("2")}, {name: "x/a", data: []byte("1")}}, at, true))
	require.NoError(t, writeArchive(b, []entry{{name: "x/a", data: []byte("1")}, {name: "x/b", data: []byte("2")}}, at, true))
	da, err := os.ReadFile(a)
	require.NoError(t, err)
	db, err := os.ReadFile(b)
	require.NoError(t, err)
	assert.Equal(t, da, db)

	gz, err := gzip.NewReader(bytes.NewReader(da))
	require.NoError(t, err)
	assert.True(t, gz.ModTime.IsZero(), "no time in the gzip header")
	tr := tar.NewReader(gz)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, hdr.Name)
		assert.Equal(t, at, hdr.ModTime.UTC())
		assert.Zero(t, hdr.Uid)
		assert.Zero(t, hdr.Gid)
		assert.Empty(t, hdr.Uname)
	}
	assert.Equal(t, []string{"x/a", "x/b"}, names, "sorted")
}

func TestThePackagedChartLoadsLintsAndNamesTheImageByDigest(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	out := filepath.Join(t.TempDir(), "chart.tgz")
	o := options{version: "v1.2.3-rc.1", imageRepo: "registry.example/acme/wfe-conditions", chart: "../../charts/wfe-conditions",
		mtime: time.Unix(1700000000, 0).UTC()}
	require.NoError(t, packageChart(o, digest, out), "packaged, loaded by Helm and linted")
	first, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NoError(t, packageChart(o, digest, out))
	second, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, first, second, "the same bytes twice")

	err = checkChart(out, "v1.2.4", o.imageRepo, digest)
	require.Error(t, err, "the check bites on another version")
}

func TestThePluginArchivesCarryTheBinaryAndLicenseAndTheKrewManifestTheirChecksums(t *testing.T) {
	dir := t.TempDir()
	self, err := os.Executable()
	require.NoError(t, err)
	o := options{version: "v1.2.3", downloadURL: "https://example.org/releases/v1.2.3/", mtime: time.Unix(1700000000, 0)}
	builds := []pluginBinary{{os: "linux", arch: runtime.GOARCH, path: self}}
	for _, b := range builds {
		require.NoError(t, writePluginArchive(b, []byte("the license"), filepath.Join(dir, pluginArchive(o.version, b)), o))
	}
	require.NoError(t, writeKrewManifest(o, builds, filepath.Join(dir, "krew-wfe.yaml")))

	archive, err := os.ReadFile(filepath.Join(dir, "kubectl-wfe_v1.2.3_linux_"+runtime.GOARCH+".tar.gz"))
	require.NoError(t, err)
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	modes := map[string]int64{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		modes[hdr.Name] = hdr.Mode
	}
	assert.Equal(t, map[string]int64{"kubectl-wfe": 0o755, "LICENSE": 0o644}, modes, "an executable plugin and its license")

	var m krewManifest
	data, err := os.ReadFile(filepath.Join(dir, "krew-wfe.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.UnmarshalStrict(data, &m))
	require.Len(t, m.Spec.Platforms, 1)
	p := m.Spec.Platforms[0]
	sum := sha256.Sum256(archive)
	assert.Equal(t, hex.EncodeToString(sum[:]), p.SHA256)
	assert.Equal(t, "https://example.org/releases/v1.2.3/kubectl-wfe_v1.2.3_linux_"+runtime.GOARCH+".tar.gz", p.URI)
	assert.Equal(t, map[string]string{"os": "linux", "arch": runtime.GOARCH}, p.Selector.MatchLabels)
	assert.Equal(t, "kubectl-wfe", p.Bin)
	assert.Equal(t, "wfe", m.Metadata.Name)
	assert.Equal(t, "v1.2.3", m.Spec.Version)

	wrong := pluginBinary{os: "darwin", arch: runtime.GOARCH, path: self}
	assert.ErrorContains(t, writePluginArchive(wrong, nil, filepath.Join(dir, "wrong.tar.gz"), o), "no Mach-O", "an ELF is no darwin build")
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	assert.ErrorContains(t, writePluginArchive(pluginBinary{os: "linux", arch: other, path: self}, nil, filepath.Join(dir, "w.tar.gz"), o),
		"not linux/"+other)
}
