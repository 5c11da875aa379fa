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
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// An upgrade applies the rendered overlay again, server-side with kubectl's
// own field manager, as `make deploy` does, after the manager filled its
// certificate Secret: that apply must neither conflict with the manager's
// writes nor blank them.
func TestReapplyingTheSelfManagedOverlayKeepsTheManagersCertificate(t *testing.T) {
	cp := controlplane.Start(t)
	ctx := t.Context()
	manifest := render(t, "self-managed")
	_, err := cp.KubectlStdin(ctx, manifest, "apply", "--server-side", "-f", "-")
	require.NoError(t, err)

	var defaults wiring.Options
	defaults.BindFlags(flag.NewFlagSet("defaults", flag.ContinueOnError))
	opts, err := controlplane.ManagerOptions(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(opts.WebhookCertDir, 0o700))
	opts.Certs = defaults.Certs
	opts.Certs.SelfManaged, opts.Certs.Namespace = true, namespace
	opts.Certs.ExtraDNSNames = []string{"localhost"}
	key := client.ObjectKey{Namespace: namespace, Name: opts.Certs.SecretName}
	projectCtx, stopProjecting := context.WithCancel(ctx)
	defer stopProjecting()
	go projectSecret(projectCtx, cp.Client, key, opts.WebhookCertDir)
	cp.RunManager(t, opts) // ready: the Secret is filled and the CA injected

	filled := &corev1.Secret{}
	require.NoError(t, cp.Client.Get(ctx, key, filled))
	keys := []string{"ca.crt", "tls.crt", "tls.key"}
	for _, k := range keys {
		require.NotEmpty(t, filled.Data[k], "the manager filled %s", k)
	}

	out, err := cp.KubectlStdin(ctx, manifest, "apply", "--server-side", "-f", "-")
	require.NoError(t, err, "the second apply conflicts")
	assert.Contains(t, out, "secret/"+key.Name+" serverside-applied")
	after := &corev1.Secret{}
	require.NoError(t, cp.Client.Get(ctx, key, after))
	for _, k := range keys {
		assert.Equal(t, filled.Data[k], after.Data[k], "%s is kept", k)
	}
	assert.Equal(t, filled.ResourceVersion, after.ResourceVersion, "the apply did not write the Secret at all")
}

// renderRelease renders an overlay of controlplane.PreviousRelease's config/, taken from
// the repository's history.
func renderRelease(t *testing.T, overlay string) []byte {
	t.Helper()
	kustomize, err := paths.Binary("kustomize")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, controlplane.ExtractPreviousRelease(dir, "config"))
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kustomize, "build", filepath.Join(dir, "config", overlay))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	return stdout.Bytes()
}

// v0.1.0 shipped the Secret as kubernetes.io/tls with empty keys, and a
// Secret's type cannot change: docs/operations.md has the upgrade delete it
// before applying, once.
func TestUpgradingASelfManagedInstallFromV010RecreatesTheSecretAsDocumented(t *testing.T) {
	cp := controlplane.Start(t)
	ctx := t.Context()
	// Forced: the control plane installed this build's CRD, and v0.1.0 is
	// installed as if on its own.
	_, err := cp.KubectlStdin(ctx, renderRelease(t, "self-managed"), "apply", "--server-side", "--force-conflicts", "-f", "-")
	require.NoError(t, err)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "wfe-conditions-webhook-server-cert"}}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	// What v0.1.0's manager (cert-controller) writes: an update of every key.
	b, err := certs.SelfSigned("localhost")
	require.NoError(t, err)
	secret.Data = map[string][]byte{"ca.crt": b.CAPEM, "tls.crt": b.CertPEM, "tls.key": b.KeyPEM}
	require.NoError(t, cp.Client.Update(ctx, secret))
	manifest := render(t, "self-managed")

	_, err = cp.KubectlStdin(ctx, manifest, "apply", "--server-side", "-f", "-")
	require.ErrorContains(t, err, "field is immutable", "without the step, the apply fails on the Secret's type")
	cp.MustKubectl(t, "delete", "secret", "-n", namespace, secret.Name)
	_, err = cp.KubectlStdin(ctx, manifest, "apply", "--server-side", "-f", "-")
	require.NoError(t, err)
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	assert.Equal(t, corev1.SecretTypeOpaque, secret.Type)
	assert.Empty(t, secret.Data, "the new managers fill it")
}
