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
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

// projectSecret copies the Secret's certificate into dir whenever it changes,
// as the kubelet does for a Secret volume (no kubelet runs here).
func projectSecret(ctx context.Context, c client.Client, key client.ObjectKey, dir string) {
	var last []byte
	for ctx.Err() == nil {
		s := &corev1.Secret{}
		if c.Get(ctx, key, s) == nil && len(s.Data["tls.crt"]) > 0 && !bytes.Equal(s.Data["tls.crt"], last) {
			for name, data := range s.Data {
				tmp := filepath.Join(dir, "."+name)
				if os.WriteFile(tmp, data, 0o600) == nil {
					_ = os.Rename(tmp, filepath.Join(dir, name))
				}
			}
			last = s.Data["tls.crt"]
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// statusWriteCompletes writes one condition as another writer would and says
// whether the stored result carries all four: only the webhook adds them.
func statusWriteCompletes(t *testing.T, cp *controlplane.ControlPlane, name string) bool {
	t.Helper()
	out, err := cp.Kubectl(t.Context(), "patch", "wfe", name, "-n", "default", "--subresource=status", "--type=merge", "-o", "json",
		"-p", `{"status":{"conditions":[{"type":"AuditRecorded","status":"False","reason":"Probe","message":"probe","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`)
	require.NoError(t, err)
	we := &wfev1.WorkflowExecution{}
	require.NoError(t, json.Unmarshal([]byte(out), we))
	return len(we.Status.Conditions) == 4
}

func TestSelfManagedCertificatesAreCreatedInjectedAndRotated(t *testing.T) {
	cp := controlplane.Start(t)
	ctx := t.Context()
	cp.CreateNamespace(t, namespace)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "webhook-cert"}}
	require.NoError(t, cp.Client.Create(ctx, secret))

	opts, err := controlplane.ManagerOptions(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(opts.WebhookCertDir, 0o700))
	opts.Certs.SelfManaged = true
	opts.Certs.Namespace, opts.Certs.SecretName, opts.Certs.ServiceName = namespace, "webhook-cert", "webhook-service"
	opts.Certs.WebhookConfigurationName = "self-managed"
	opts.Certs.ExtraDNSNames = []string{"localhost"}
	opts.Certs.MetricsServiceName = "metrics-service"
	opts.Certs.CAValidity, opts.Certs.Validity = time.Hour, 20*time.Second
	opts.Certs.RotationCheck, opts.Certs.Lookahead = time.Second, 10*time.Second
	// Registered without a CA bundle: the manager injects it.
	require.NoError(t, cp.InstallWebhookAs(ctx, "self-managed", "localhost:"+strconv.Itoa(opts.WebhookPort), nil))
	projectCtx, stopProjecting := context.WithCancel(ctx)
	defer stopProjecting()
	go projectSecret(projectCtx, cp.Client, client.ObjectKeyFromObject(secret), opts.WebhookCertDir)
	cp.RunManager(t, opts)

	require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret))
	for _, k := range []string{"ca.crt", "ca.key", "tls.crt", "tls.key"} {
		assert.NotEmpty(t, secret.Data[k], "the manager filled %s", k)
	}
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
	require.Eventually(t, func() bool {
		require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Name: "self-managed"}, cfg))
		return len(cfg.Webhooks[0].ClientConfig.CABundle) > 0 && len(cfg.Webhooks[1].ClientConfig.CABundle) > 0
	}, 10*time.Second, 100*time.Millisecond, "the CA bundle is injected into both webhooks")

	we := wetest.New("default", "self-managed-probe", wetest.Workflow("w", "1", "registry.example/w:1"))
	require.NoError(t, cp.Client.Create(ctx, we))
	assert.Equal(t, "w", we.Labels[wfev1.LabelWorkflowID], "the apiserver called the webhook with the injected CA")
	assert.True(t, statusWriteCompletes(t, cp, we.Name), "the /status webhook completed the conditions")

	// The files were absent when the manager started; the metrics server
	// loads them once there, without a restart.
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(secret.Data["ca.crt"]))
	require.Eventually(t, func() bool {
		_, _, err := servedCert(opts.MetricsAddr, &tls.Config{RootCAs: pool, ServerName: "metrics-service." + namespace + ".svc"})
		return err == nil
	}, 10*time.Second, 100*time.Millisecond, "the metrics server serves the self-managed certificate under the metrics Service's name")

	first := append([]byte(nil), secret.Data["tls.crt"]...)
	start := time.Now()
	require.Eventually(t, func() bool {
		s := &corev1.Secret{}
		require.NoError(t, cp.Client.Get(ctx, client.ObjectKeyFromObject(secret), s))
		return !bytes.Equal(s.Data["tls.crt"], first)
	}, 40*time.Second, 200*time.Millisecond, "the serving certificate is rotated before it expires")
	t.Logf("serving certificate (20s validity, 10s lookahead) rotated after %s", time.Since(start).Round(time.Millisecond))
	require.Eventually(t, func() bool { return statusWriteCompletes(t, cp, we.Name) }, 15*time.Second, 500*time.Millisecond,
		"after the rotation the webhook still serves a certificate the apiserver trusts")
}
