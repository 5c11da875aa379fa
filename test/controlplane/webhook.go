package controlplane

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/webhook"
)

// InstallWebhook registers the generated MutatingWebhookConfiguration
// (config/webhook/manifests.yaml) with the apiserver, pointed at a webhook
// server on this machine at hostPort that presents a certificate signed by caPEM.
// With replace, an existing registration is replaced.
func (cp *ControlPlane) InstallWebhook(ctx context.Context, hostPort string, caPEM []byte, replace ...bool) error {
	return cp.InstallWebhookAs(ctx, "wfe-conditions", hostPort, caPEM, replace...)
}

// InstallWebhookAs is InstallWebhook under another configuration name.
func (cp *ControlPlane) InstallWebhookAs(ctx context.Context, name, hostPort string, caPEM []byte, replace ...bool) error {
	cfg, err := WebhookConfiguration(name, hostPort, caPEM)
	if err != nil {
		return err
	}
	if len(replace) > 0 && replace[0] {
		_ = cp.Client.Delete(ctx, cfg.DeepCopy())
	}
	if err := cp.Client.Create(ctx, cfg); err != nil {
		return fmt.Errorf("register webhook: %w", err)
	}
	return nil
}

// WebhookConfiguration returns the generated MutatingWebhookConfiguration under
// name, pointed at hostPort, intercepting every namespace but the system ones.
func WebhookConfiguration(name, hostPort string, caPEM []byte) (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "webhook", "manifests.yaml"))
	if err != nil {
		return nil, fmt.Errorf("read webhook manifest: %w", err)
	}
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := yaml.UnmarshalStrict(data, cfg); err != nil {
		return nil, fmt.Errorf("decode webhook manifest: %w", err)
	}
	cfg.Name = name
	for i := range cfg.Webhooks {
		w := &cfg.Webhooks[i]
		url := "https://" + hostPort + *w.ClientConfig.Service.Path
		w.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM}
		w.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: webhook.SystemNamespaces,
		}}}
	}
	return cfg, nil
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
