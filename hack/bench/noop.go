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
	"context"
	"crypto/tls"
	"flag"
	"os/signal"
	"syscall"

	"gomodules.xyz/jsonpatch/v2"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	ourwebhook "kubernaut.ai/wfe-conditions/webhook"
)

// noopCommand runs the floor of any webhook: the same controller-runtime
// server and TLS settings as the manager, answering "allowed" at once.
const noopCommand = "noop-webhook"

// patchingPath is where the no-op server answers CREATE with a constant patch.
const patchingPath = "/mutate-constant-labels"

func runNoopWebhook(args []string) error {
	fs := flag.NewFlagSet(noopCommand, flag.ContinueOnError)
	port := fs.Int("port", 0, "TLS port")
	certDir := fs.String("cert-dir", "", "folder with tls.crt and tls.key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv := webhook.NewServer(webhook.Options{
		Host: "127.0.0.1", Port: *port, CertDir: *certDir,
		// As the manager: TLS 1.2 or newer, HTTP/1.1 only.
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.MinVersion = tls.VersionTLS12; c.NextProtos = []string{"http/1.1"} }},
	})
	allow := admission.HandlerFunc(func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })
	for _, path := range []string{ourwebhook.CreatePath, ourwebhook.StatusPath} {
		srv.Register(path, &admission.Webhook{Handler: allow})
	}
	// The floor of a mutating webhook: a constant patch as large as ours,
	// which the apiserver applies and decodes again.
	patch := admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		return admission.Patched("", jsonpatch.NewOperation("add", "/metadata/labels",
			map[string]string{wfev1.LabelWorkflowID: "increase-memory-and-restart", wfev1.LabelCorrelationID: "rr-we-0000"}))
	})
	srv.Register(patchingPath, &admission.Webhook{Handler: patch})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return srv.Start(ctx)
}
