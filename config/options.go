// Package config holds the manager's options and the command-line flags that
// set them.
package config

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

// Options configures one manager process.
type Options struct {
	// WebhookHost and WebhookPort are where the webhook server listens.
	WebhookHost string
	WebhookPort int
	// WebhookCertDir holds tls.crt and tls.key; the server reloads them on change.
	WebhookCertDir string
	// MetricsAddr serves Prometheus metrics; "0" turns them off.
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz.
	ProbeAddr string
	// LeaderElect makes the reconciler run in one replica at a time; every
	// replica serves the webhook.
	LeaderElect bool
	// LeaderElectionNamespace holds the lease; empty means the pod's namespace.
	LeaderElectionNamespace string
	// LeaseDuration is how long a lost leader keeps the lease.
	LeaseDuration time.Duration

	// SkipControllerNameValidation lets one process run several managers, as
	// tests do; it has no flag.
	SkipControllerNameValidation bool
}

// BindFlags registers the options' flags on fs with their defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.WebhookHost, "webhook-host", "", "Address the webhook server binds to (empty: all).")
	fs.IntVar(&o.WebhookPort, "webhook-port", 9443, "Port of the webhook server (TLS).")
	fs.StringVar(&o.WebhookCertDir, "webhook-cert-dir", "/tmp/k8s-webhook-server/serving-certs",
		"Folder holding the webhook server's tls.crt and tls.key; changes are picked up without a restart.")
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 turns it off.")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Run the reconciler in one replica at a time (the webhook runs in all).")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader-election Lease (default: the pod's).")
	fs.DurationVar(&o.LeaseDuration, "leader-election-lease-duration", 15*time.Second, "How long a leader's lease lasts without renewal.")
}

// Validate reports the first option that cannot work.
func (o *Options) Validate() error {
	if o.WebhookPort < 0 || o.WebhookPort > 65535 {
		return fmt.Errorf("--webhook-port %d is not a port", o.WebhookPort)
	}
	if o.WebhookCertDir == "" {
		return errors.New("--webhook-cert-dir must name a folder")
	}
	if o.LeaseDuration < 2*time.Second {
		return fmt.Errorf("--leader-election-lease-duration %s is too short", o.LeaseDuration)
	}
	return nil
}
