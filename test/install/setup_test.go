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

// Package install tests the cluster-wide install: the kustomize manifests
// against the real apiserver, the generated RBAC, self-managed certificates,
// the webhook server's TLS, and leader election between manager processes.
package install

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

const (
	namespace      = "wfe-conditions-system"
	serviceAccount = "system:serviceaccount:wfe-conditions-system:wfe-conditions-controller-manager"
)

// render runs bin/kustomize on an overlay of config/.
func render(t *testing.T, overlay string) []byte {
	t.Helper()
	kustomize, err := paths.Binary("kustomize")
	require.NoError(t, err)
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	var out, stderr bytes.Buffer
	cmd := exec.Command(kustomize, "build", filepath.Join(root, "config", overlay))
	cmd.Stdout, cmd.Stderr = &out, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	return out.Bytes()
}

// certManagerCRDs is the folder of cert-manager's CRDs in its Go module.
func certManagerCRDs(t *testing.T) string {
	t.Helper()
	dir, err := paths.ModuleDir("github.com/cert-manager/cert-manager@v1.21.2")
	require.NoError(t, err)
	return filepath.Join(dir, "deploy", "crds")
}

func writeCerts(t *testing.T, dir string) {
	t.Helper()
	b, err := certs.SelfSigned("127.0.0.1", "localhost")
	require.NoError(t, err)
	require.NoError(t, b.WriteFiles(dir))
}
