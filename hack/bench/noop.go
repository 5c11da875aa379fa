package main

import (
	"context"
	"crypto/tls"
	"flag"
	"os/signal"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	ourwebhook "kubernaut.ai/wfe-conditions/webhook"
)

// noopCommand runs the floor of any webhook: the same controller-runtime
// server and TLS settings as the manager, answering "allowed" at once.
const noopCommand = "noop-webhook"

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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return srv.Start(ctx)
}
