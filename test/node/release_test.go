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

package node

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// previousImage is the previous release's manager as an image on the node.
const previousImage = "localhost/wfe-conditions:" + controlplane.PreviousRelease

// buildPreviousImage builds the previous release's manager from the
// repository's history, as `make image` builds this one, and returns the
// tarball and the release's config folder.
func buildPreviousImage(t *testing.T) (tar, config string) {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	require.NoError(t, os.MkdirAll(src, 0o755))
	require.NoError(t, controlplane.ExtractPreviousRelease(src))
	bin := filepath.Join(dir, "wfe-conditions")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/wfe-conditions")
	build.Dir, build.Env = src, append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build %s: %s", controlplane.PreviousRelease, out)
	tar = filepath.Join(dir, "previous.tar")
	pack := exec.Command("go", "run", "./hack/image", "manager", "-binary", bin, "-version", controlplane.PreviousRelease,
		"-tag", previousImage, "-out", tar)
	pack.Dir = root
	out, err = pack.CombinedOutput()
	require.NoError(t, err, "pack %s: %s", controlplane.PreviousRelease, out)
	return tar, filepath.Join(src, "config")
}

// render builds config's self-managed overlay with the manager's image set
// (as `make deploy` does) and args added to the manager, the way an operator
// keeps them in an overlay of their own.
func render(t *testing.T, config, image string, args ...string) []*unstructured.Unstructured {
	t.Helper()
	kustomize := filepath.Join(node.Bin, "kustomize")
	tmp := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(tmp, "config"), os.DirFS(config)))
	edit := exec.Command(kustomize, "edit", "set", "image", "controller="+image)
	edit.Dir = filepath.Join(tmp, "config", "manager")
	out, err := edit.CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command(kustomize, "build", filepath.Join(tmp, "config", "self-managed")).Output()
	require.NoError(t, err)
	objs, err := controlplane.DecodeObjects(out)
	require.NoError(t, err)
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		c := containers[0].(map[string]any)
		for _, a := range args {
			c["args"] = append(c["args"].([]any), a)
		}
		require.NoError(t, unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers"))
	}
	return objs
}

// apply applies objects server-side with the built kubectl, as a user would.
func apply(ctx context.Context, t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	var buf bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o.Object)
		require.NoError(t, err)
		buf.WriteString("---\n")
		buf.Write(data)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(node.Bin, "kubectl"), "--kubeconfig", node.Kubeconfig, "apply", "--server-side", "-f", "-")
	cmd.Stdin = &buf
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "kubectl apply: %s", out)
}

// undeploy runs `make undeploy OVERLAY=self-managed` and returns its output.
func undeploy(ctx context.Context, t *testing.T) string {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, "make", "-s", "--no-print-directory", "undeploy", "OVERLAY=self-managed", "IMG="+image)
	cmd.Dir, cmd.Env = root, append(cmd.Environ(), "KUBECONFIG="+node.Kubeconfig)
	cmd.WaitDelay = 10 * time.Second // kubectl, make's child, may outlive a killed make
	began := time.Now()
	out, err := cmd.CombinedOutput()
	undeploys = append(undeploys, [2]time.Time{began, time.Now()})
	require.NoError(t, err, "make undeploy: %s", out)
	return string(out)
}

// kinds keeps the objects of one kind, or all others with not.
func kinds(objs []*unstructured.Unstructured, kind string, not bool) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if (o.GetKind() == kind) != not {
			out = append(out, o)
		}
	}
	return out
}
