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
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entry is what a test reads back of one tar entry.
type entry struct {
	typeflag byte
	mode     int64
	uid, gid int
	mtime    time.Time
	link     string
	data     []byte
}

// buildManager writes the manager image of a fake binary to a tarball, the
// way `make image` does, and reads it back as a runtime importing it would.
func buildManager(t *testing.T, version, commit string, created time.Time) (v1.Image, string) {
	t.Helper()
	img, err := managerImage([]byte("#!fake wfe-conditions\n"), version, commit, created)
	require.NoError(t, err)
	return writeAndRead(t, img, "wfe-conditions:test")
}

func writeAndRead(t *testing.T, img v1.Image, tag string) (v1.Image, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out", "image.tar")
	var stdout bytes.Buffer
	require.NoError(t, writeImage(&stdout, out, tag, img))
	require.Contains(t, stdout.String(), "digest sha256:")
	back, err := tarball.ImageFromPath(out, nil)
	require.NoError(t, err)
	return back, out
}

// layerEntries reads the image's one layer into a map by path.
func layerEntries(t *testing.T, img v1.Image) map[string]entry {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1, "one layer on an empty base")
	rc, err := layers[0].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	entries := map[string]entry{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		entries[hdr.Name] = entry{hdr.Typeflag, hdr.Mode, hdr.Uid, hdr.Gid, hdr.ModTime, hdr.Linkname, data}
	}
	return entries
}

func TestManagerImageConfig(t *testing.T) {
	img, _ := buildManager(t, "v1.2.3", "abc123", time.Unix(0, 0).UTC())
	cf, err := img.ConfigFile()
	require.NoError(t, err)

	cases := []struct {
		name string
		got  any
		want any
	}{
		{"the image is for linux", cf.OS, "linux"},
		{"the image is for amd64", cf.Architecture, "amd64"},
		{"the manager runs as distroless's nonroot user", cf.Config.User, "65532:65532"},
		{"the entrypoint is the binary", cf.Config.Entrypoint, []string{"/wfe-conditions"}},
		{"the working directory is nonroot's home, as in distroless:nonroot", cf.Config.WorkingDir, "/home/nonroot"},
		{"the webhook, probe and metrics ports are exposed",
			cf.Config.ExposedPorts, map[string]struct{}{"9443/tcp": {}, "8081/tcp": {}, "8443/tcp": {}}},
		{"the version and commit are labels, with the title",
			cf.Config.Labels, map[string]string{
				"org.opencontainers.image.version":  "v1.2.3",
				"org.opencontainers.image.revision": "abc123",
				"org.opencontainers.image.title":    "wfe-conditions",
			}},
		{"PATH is set and Go finds the CA bundle through SSL_CERT_FILE",
			cf.Config.Env, []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
			}},
		{"the created time is the fixed build time, not the clock", cf.Created.Unix(), int64(0)},
		{"the one history entry has the fixed time too", historyTimes(cf), []int64{0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.got)
		})
	}
}

func historyTimes(cf *v1.ConfigFile) []int64 {
	var times []int64
	for _, h := range cf.History {
		times = append(times, h.Created.Unix())
	}
	return times
}

func TestManagerImageFiles(t *testing.T) {
	img, _ := buildManager(t, "v1", "c1", time.Unix(0, 0).UTC())
	entries := layerEntries(t, img)

	cases := []struct {
		name     string
		path     string
		typeflag byte
		mode     int64
		uid      int
	}{
		{"the binary is executable and owned by root", "wfe-conditions", tar.TypeReg, 0o755, 0},
		{"passwd is world-readable", "etc/passwd", tar.TypeReg, 0o644, 0},
		{"group is world-readable", "etc/group", tar.TypeReg, 0o644, 0},
		{"the CA bundle is world-readable", "etc/ssl/certs/ca-certificates.crt", tar.TypeReg, 0o644, 0},
		{"nonroot's home belongs to nonroot alone", "home/nonroot/", tar.TypeDir, 0o700, 65532},
		{"/tmp is world-writable and sticky", "tmp/", tar.TypeDir, 0o1777, 0},
		{"/etc is a root-owned folder", "etc/", tar.TypeDir, 0o755, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := entries[tc.path]
			require.True(t, ok, "%s is in the layer", tc.path)
			assert.Equal(t, tc.typeflag, e.typeflag)
			assert.Equal(t, tc.mode, e.mode, "mode %o", e.mode)
			assert.Equal(t, tc.uid, e.uid, "owner")
			assert.Equal(t, tc.uid, e.gid, "group")
			assert.Equal(t, int64(0), e.mtime.Unix(), "mtime is the fixed build time")
		})
	}

	t.Run("the binary in the image is the one given", func(t *testing.T) {
		assert.Equal(t, "#!fake wfe-conditions\n", string(entries["wfe-conditions"].data))
	})
	t.Run("passwd has nonroot with uid and gid 65532", func(t *testing.T) {
		passwd := string(entries["etc/passwd"].data)
		assert.Contains(t, passwd, "root:x:0:0:root:/root:/sbin/nologin\n")
		assert.Contains(t, passwd, "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
	})
	t.Run("group has root and nonroot", func(t *testing.T) {
		assert.Equal(t, "root:x:0:\nnonroot:x:65532:\n", string(entries["etc/group"].data))
	})
	t.Run("the CA bundle parses into more than 100 certificates", func(t *testing.T) {
		rest := entries["etc/ssl/certs/ca-certificates.crt"].data
		n := 0
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			_, err := x509.ParseCertificate(block.Bytes)
			require.NoError(t, err, "certificate %d", n)
			n++
		}
		assert.Empty(t, bytes.TrimSpace(rest), "nothing but PEM")
		assert.Greater(t, n, 100)
	})
	t.Run("no entry names a file outside the root", func(t *testing.T) {
		for p := range entries {
			assert.NotContains(t, p, "..")
			assert.NotEqual(t, byte('/'), p[0], p)
		}
	})
}

func TestManagerImageIsReproducible(t *testing.T) {
	digestOf := func(t *testing.T, created time.Time) (v1.Hash, []byte) {
		img, path := buildManager(t, "v1", "c1", created)
		d, err := img.Digest()
		require.NoError(t, err)
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		return d, raw
	}
	epoch := time.Unix(0, 0).UTC()
	first, firstTar := digestOf(t, epoch)

	cases := []struct {
		name    string
		created time.Time
		same    bool
	}{
		{"a second build of the same binary gives the same digest and the same tarball", epoch, true},
		{"another build time gives another digest", time.Unix(1700000000, 0).UTC(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, raw := digestOf(t, tc.created)
			if tc.same {
				assert.Equal(t, first, d)
				assert.True(t, bytes.Equal(firstTar, raw), "the tarballs are byte for byte equal")
			} else {
				assert.NotEqual(t, first, d)
			}
		})
	}
}

func TestRootfsImage(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", "busybox"), []byte("fake busybox"), 0o755))
	require.NoError(t, os.Symlink("busybox", filepath.Join(dir, "bin", "sh")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("hello"), 0o600))

	img, err := rootfsImage(dir, rootfsConfig([]string{"/bin/sh", "-c"}, []string{"true"}, "1000:1000"), time.Unix(0, 0).UTC())
	require.NoError(t, err)
	back, _ := writeAndRead(t, img, "example.test/busybox:test")
	entries := layerEntries(t, back)
	cf, err := back.ConfigFile()
	require.NoError(t, err)

	cases := []struct {
		name string
		got  any
		want any
	}{
		{"a symlink stays a symlink", entries["bin/sh"].typeflag, byte(tar.TypeSymlink)},
		{"a symlink keeps its target", entries["bin/sh"].link, "busybox"},
		{"a file keeps its mode", entries["README"].mode, int64(0o600)},
		{"an executable stays executable", entries["bin/busybox"].mode, int64(0o755)},
		{"a file keeps its contents", string(entries["bin/busybox"].data), "fake busybox"},
		{"a folder is a folder", entries["bin/"].typeflag, byte(tar.TypeDir)},
		{"files are owned by root whoever built them", entries["bin/busybox"].uid, 0},
		{"the folder itself is not an entry", len(entries), 4},
		{"the entrypoint is the one given", cf.Config.Entrypoint, []string{"/bin/sh", "-c"}},
		{"the command is the one given", cf.Config.Cmd, []string{"true"}},
		{"the user is the one given", cf.Config.User, "1000:1000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.got)
		})
	}
}

func TestSplitList(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"an unset flag gives nothing, not one empty word", "", nil},
		{"one word is one item", "/pause", []string{"/pause"}},
		{"commas separate items", "/bin/sh,-c", []string{"/bin/sh", "-c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, splitList(tc.in))
		})
	}
}
