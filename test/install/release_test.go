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

package install

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart/loader"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/release"
)

const (
	releaseVersion = "v0.0.0-test"
	releaseRepo    = "localhost/wfe-conditions"
)

func TestAReleaseIsReproducibleAndEachInstallManifestAppliesServerSide(t *testing.T) {
	first, err := release.Make(t.TempDir(), releaseVersion, releaseRepo)
	require.NoError(t, err)
	second, err := release.Make(t.TempDir(), releaseVersion, releaseRepo)
	require.NoError(t, err)
	sums, err := os.ReadFile(first.File("SHA256SUMS"))
	require.NoError(t, err)
	again, err := os.ReadFile(second.File("SHA256SUMS"))
	require.NoError(t, err)
	assert.Equal(t, string(sums), string(again), "two releases of one commit are byte for byte the same")
	for _, f := range []string{"install.yaml", "install-self-managed.yaml", "wfe-conditions-0.0.0-test.tgz",
		"wfe-conditions-" + releaseVersion + "-oci.tar", "wfe-conditions-" + releaseVersion + ".cdx.json",
		"kubectl-wfe_" + releaseVersion + "_linux_amd64.tar.gz", "krew-wfe.yaml"} {
		assert.Contains(t, string(sums), "  "+f+"\n")
	}
	pluginFromArchiveAsKrewWouldInstallIt(t, first)

	digest, err := first.Digest()
	require.NoError(t, err)
	image := releaseRepo + "@" + digest
	c, err := loader.Load(first.Chart())
	require.NoError(t, err, "Helm's loader reads the packaged chart")
	assert.Equal(t, releaseVersion, c.Metadata.AppVersion)
	assert.Equal(t, map[string]any{"repository": releaseRepo, "digest": digest, "tag": "", "pullPolicy": "IfNotPresent"}, c.Values["image"])

	cp := controlplane.Start(t, controlplane.WithCRDs(certManagerCRDs(t)))
	cp.MustKubectl(t, "create", "namespace", namespace)
	for _, f := range []string{"install.yaml", "install-self-managed.yaml"} {
		out := cp.MustKubectl(t, "apply", "--server-side", "--force-conflicts", "-f", first.File(f))
		assert.Contains(t, out, "deployment.apps/wfe-conditions-controller-manager serverside-applied", f)
		d := &appsv1.Deployment{}
		require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKey{Namespace: namespace, Name: "wfe-conditions-controller-manager"}, d))
		assert.Equal(t, image, d.Spec.Template.Spec.Containers[0].Image, "%s names the image by its index digest", f)
	}
}

// pluginFromArchiveAsKrewWouldInstallIt checks the krew manifest's checksum
// against the archive, then runs the archived binary: it answers a usage
// error with exit 3, as its table test says.
func pluginFromArchiveAsKrewWouldInstallIt(t *testing.T, r release.Release) {
	t.Helper()
	var manifest struct {
		Spec struct {
			Version   string
			Platforms []struct {
				Selector         struct{ MatchLabels map[string]string }
				URI, SHA256, Bin string
			}
		}
	}
	data, err := os.ReadFile(r.KrewManifest())
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &manifest))
	assert.Equal(t, releaseVersion, manifest.Spec.Version)
	require.Len(t, manifest.Spec.Platforms, 1, "make test builds linux/amd64 only; make release all four")
	p := manifest.Spec.Platforms[0]
	archive, err := os.ReadFile(r.PluginArchive())
	require.NoError(t, err)
	sum := sha256.Sum256(archive)
	assert.Equal(t, hex.EncodeToString(sum[:]), p.SHA256, "krew verifies this before it installs")
	assert.True(t, strings.HasSuffix(p.URI, "/"+filepath.Base(r.PluginArchive())), p.URI)

	gz, err := gzip.NewReader(bytes.NewReader(archive))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	bin := filepath.Join(t.TempDir(), p.Bin)
	for {
		hdr, err := tr.Next()
		require.NoError(t, err, "the archive holds %s", p.Bin)
		if hdr.Name == p.Bin {
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(bin, data, os.FileMode(hdr.Mode)))
			break
		}
	}
	out, err := exec.Command(bin, "frobnicate", "x").CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	assert.Equal(t, 3, exit.ExitCode(), "%s", out)
	assert.Contains(t, string(out), "usage: kubectl wfe wait NAME")
}
