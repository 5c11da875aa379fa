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

package controlplane

import (
	"context"
	"errors"
	"fmt"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
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

// WebhookConfiguration returns the MutatingWebhookConfiguration config/default
// installs (namespace selector, match conditions and all) under name, pointed
// at hostPort.
func WebhookConfiguration(name, hostPort string, caPEM []byte) (*admissionregistrationv1.MutatingWebhookConfiguration, error) {
	objs, err := Render("default")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(objs, func(u *unstructured.Unstructured) bool { return u.GetKind() == "MutatingWebhookConfiguration" })
	if i < 0 {
		return nil, errors.New("config/default renders no MutatingWebhookConfiguration")
	}
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs[i].Object, cfg); err != nil {
		return nil, fmt.Errorf("decode webhook configuration: %w", err)
	}
	cfg.ObjectMeta = metav1.ObjectMeta{Name: name}
	for i := range cfg.Webhooks {
		w := &cfg.Webhooks[i]
		url := "https://" + hostPort + *w.ClientConfig.Service.Path
		w.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM}
	}
	return cfg, nil
}
