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

package wiring

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/reconciler"
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
	// MetricsSecure serves metrics over HTTPS with the webhook's serving
	// certificate, to scrapers whose token may get /metrics; false serves
	// plain HTTP to anyone.
	MetricsSecure bool
	// ProbeAddr serves /healthz and /readyz.
	ProbeAddr string
	// PprofAddr serves Go's profiler; "0" or empty turns it off.
	PprofAddr string
	// LeaderElect makes the reconciler run in one replica at a time; every
	// replica serves the webhook.
	LeaderElect bool
	// LeaderElectionNamespace holds the lease; empty means the pod's namespace.
	LeaderElectionNamespace string
	// LeaseDuration is how long a lost leader keeps the lease.
	LeaseDuration time.Duration
	// Retention deletes finished runs' PipelineRuns after a while; zero keeps them.
	Retention reconciler.Retention

	// ExecutionPolicy names the ValidatingAdmissionPolicy whose variable
	// "policy" says where PipelineRuns run, as whom by default, and which
	// bundles may run; the apiserver enforces the same text.
	ExecutionPolicy string
	// InstallNamespace is the controller's own namespace, where no
	// WorkflowExecution may run.
	InstallNamespace string
	// PipelineSource is reconciler.PipelineSourceBundle or
	// reconciler.PipelineSourceCluster.
	PipelineSource string

	// Workers is how many WorkflowExecutions are reconciled at once.
	Workers int

	// Certs configures the self-managed certificate mode.
	Certs CertOptions

	// DataStorage is where lifecycle audit events go; an empty URL turns
	// auditing off.
	DataStorage DataStorageOptions

	// SkipControllerNameValidation lets one process run several managers, as
	// tests do; it has no flag.
	SkipControllerNameValidation bool
}

// CertOptions configure the self-managed certificate mode, for clusters
// without cert-manager: the manager keeps a CA and serving certificate in a
// Secret, rotates them, and injects the CA into its webhook configuration.
type CertOptions struct {
	SelfManaged              bool
	SecretName               string
	Namespace                string
	ServiceName              string
	WebhookConfigurationName string
	// MetricsServiceName is the Service in front of the metrics endpoint;
	// the serving certificate names it too, when set.
	MetricsServiceName string
	// ExtraDNSNames are further names the serving certificate carries.
	ExtraDNSNames []string
	CAValidity    time.Duration
	Validity      time.Duration
	RotationCheck time.Duration
	Lookahead     time.Duration
}

// DataStorageOptions configure the audit client and its delivery.
type DataStorageOptions struct {
	URL       string
	TokenFile string
	CAFile    string
	// AllowInsecureToken lets the bearer token go over a plain http:// URL.
	AllowInsecureToken bool
	Timeout            time.Duration
	BatchSize          int
	FlushInterval      time.Duration
	QueueSize          int
	MaxBackoff         time.Duration
	// DeletionGrace bounds how long a deleted WorkflowExecution waits for
	// DataStorage to acknowledge its due events.
	DeletionGrace time.Duration
}

// BindFlags registers the options' flags on fs with their defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.WebhookHost, "webhook-host", "", "Address the webhook server binds to (empty: all).")
	fs.IntVar(&o.WebhookPort, "webhook-port", 9443, "Port of the webhook server (TLS).")
	fs.StringVar(&o.WebhookCertDir, "webhook-cert-dir", "/tmp/k8s-webhook-server/serving-certs",
		"Folder holding the webhook server's tls.crt and tls.key; changes are picked up without a restart.")
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8443", "Address of the Prometheus metrics endpoint; 0 turns it off.")
	fs.BoolVar(&o.MetricsSecure, "metrics-secure", true,
		"Serve metrics over HTTPS (the webhook's serving certificate) to bearer tokens the apiserver authenticates and allows to get /metrics; false serves plain HTTP to anyone who reaches the address.")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	fs.StringVar(&o.PprofAddr, "pprof-bind-address", "0", "Address of Go's /debug/pprof endpoints, e.g. 127.0.0.1:6060; 0 turns them off.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Run the reconciler in one replica at a time (the webhook runs in all).")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader-election Lease (default: the pod's).")
	fs.StringVar(&o.ExecutionPolicy, "execution-policy-name", wfev1.ExecutionPolicyName,
		"ValidatingAdmissionPolicy whose variable \"policy\" holds the execution policy (executionNamespace, defaultServiceAccount, allowedBundlePrefixes, requireBundleDigest, correlatingNamespaces) that the apiserver enforces.")
	fs.StringVar(&o.InstallNamespace, "install-namespace", cmp.Or(os.Getenv("POD_NAMESPACE"), wfev1.InstallNamespace),
		"The controller's own namespace, where no WorkflowExecution may run (default: $POD_NAMESPACE, else "+wfev1.InstallNamespace+").")
	for _, moved := range []struct{ flag, key string }{
		{"execution-namespace", "executionNamespace"}, {"default-service-account", "defaultServiceAccount"},
	} {
		fs.Func(moved.flag, "Removed: set "+moved.key+" in the execution policy.", func(string) error {
			return fmt.Errorf("--%s moved to the execution policy's %q key (docs/operations.md), which the admission policy reads too", moved.flag, moved.key)
		})
	}
	fs.Func("execution-policy-namespace", "Removed: the execution policy is a cluster-scoped ValidatingAdmissionPolicy; see --install-namespace.", func(string) error {
		return errors.New("--execution-policy-namespace was removed: the execution policy lives in the ValidatingAdmissionPolicy named by --execution-policy-name; the controller's namespace is --install-namespace")
	})
	fs.StringVar(&o.PipelineSource, "pipeline-source", reconciler.PipelineSourceBundle,
		"Where Pipelines come from: bundle (Tekton bundles resolver on workflowRef.containerImage) or cluster (the Pipeline named workflowRef.workflowId in the PipelineRun's namespace).")
	fs.IntVar(&o.Workers, "reconcile-workers", 4, "How many WorkflowExecutions are reconciled concurrently.")
	c := &o.Certs
	fs.BoolVar(&c.SelfManaged, "self-managed-certs", false, "Create, rotate and inject the webhook's certificates (clusters without cert-manager).")
	fs.StringVar(&c.SecretName, "cert-secret-name", "wfe-conditions-webhook-server-cert", "Secret holding the self-managed CA and serving certificate.")
	fs.StringVar(&c.Namespace, "cert-namespace", os.Getenv("POD_NAMESPACE"), "Namespace of that Secret and of the webhook Service (default: $POD_NAMESPACE).")
	fs.StringVar(&c.ServiceName, "webhook-service-name", "wfe-conditions-webhook-service", "Service in front of the webhook server; the serving certificate names it.")
	fs.StringVar(&c.MetricsServiceName, "metrics-service-name", "", "Service in front of the metrics endpoint; the self-managed serving certificate names it too.")
	fs.StringVar(&c.WebhookConfigurationName, "webhook-configuration-name", "wfe-conditions-mutating-webhook-configuration", "MutatingWebhookConfiguration whose CA bundle the manager injects.")
	fs.Func("cert-extra-dns-names", "Comma-separated further DNS names for the self-managed serving certificate.", func(v string) error {
		c.ExtraDNSNames = strings.Split(v, ",")
		return nil
	})
	fs.DurationVar(&c.CAValidity, "cert-ca-validity", 10*365*24*time.Hour, "Validity of the self-managed CA.")
	fs.DurationVar(&c.Validity, "cert-validity", 365*24*time.Hour, "Validity of the self-managed serving certificate.")
	fs.DurationVar(&c.RotationCheck, "cert-rotation-check", 12*time.Hour, "How often the self-managed certificates are checked.")
	fs.DurationVar(&c.Lookahead, "cert-lookahead", 90*24*time.Hour, "Rotate the self-managed certificates this long before they expire.")
	ds := &o.DataStorage
	fs.StringVar(&ds.URL, "datastorage-url", "", "Base URL of DataStorage, e.g. https://data-storage.kubernaut-system:8443; empty turns auditing off.")
	fs.StringVar(&ds.TokenFile, "datastorage-token-file", "", "File holding the bearer token for DataStorage; re-read when it changes.")
	fs.StringVar(&ds.CAFile, "datastorage-ca-file", "", "PEM CA bundle that verifies DataStorage's certificate (default: system roots); re-read when it changes.")
	fs.BoolVar(&ds.AllowInsecureToken, "datastorage-allow-insecure-token", false,
		"Send the bearer token to a plain http:// --datastorage-url. Dangerous: anyone on the network path can read the token and replay it against DataStorage; for local development only.")
	fs.DurationVar(&ds.Timeout, "datastorage-timeout", 35*time.Second, "Timeout of one DataStorage request; above DataStorage's own 30 s, so that a slow answer is not taken for a failure (and resent, a duplicate).")
	fs.IntVar(&ds.BatchSize, "audit-batch-size", 100, "Most audit events per DataStorage request (at most 500, DataStorage's limit; a request also stays under its 5 MiB body limit).")
	fs.DurationVar(&ds.FlushInterval, "audit-flush-interval", 200*time.Millisecond, "Longest an audit event waits for its batch to fill.")
	fs.IntVar(&ds.QueueSize, "audit-queue-size", 10000, "WorkflowExecutions whose audit events may wait in memory; beyond it they wait unacknowledged in their status.")
	fs.DurationVar(&ds.MaxBackoff, "audit-max-backoff", 30*time.Second, "Longest wait between two delivery attempts.")
	fs.DurationVar(&ds.DeletionGrace, "audit-deletion-grace", reconciler.DefaultAuditDeletionGrace,
		"Longest a deleted WorkflowExecution waits for DataStorage to acknowledge its due audit events before it is released anyway (counted in wfe_audit_events_abandoned_total).")
	fs.DurationVar(&o.LeaseDuration, "leader-election-lease-duration", 15*time.Second, "How long a leader's lease lasts without renewal.")
	fs.DurationVar(&o.Retention.Succeeded, "retain-succeeded", 0,
		"Delete a succeeded run's PipelineRun (with its TaskRuns and pods) this long after it finished and DataStorage acknowledged its audit record; 0 keeps it. The WorkflowExecution is never deleted.")
	fs.DurationVar(&o.Retention.Failed, "retain-failed", 0,
		"Likewise for a failed, timed-out or cancelled run; 0 keeps it. A run whose audit DataStorage refused for good is never pruned.")
}

// validate reports the first DataStorage option that cannot work; an empty
// URL (auditing off) needs nothing else.
func (ds DataStorageOptions) validate() error {
	if ds.URL == "" {
		return nil
	}
	u, err := url.Parse(ds.URL)
	if err != nil {
		// url.Parse's error quotes the whole URL, credentials included.
		return errors.New("--datastorage-url does not parse (not shown: it may hold credentials)")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--datastorage-url %q: want an http:// or https:// URL", u.Redacted())
	}
	if ds.BatchSize < 1 || ds.QueueSize < 1 || ds.FlushInterval <= 0 || ds.Timeout <= 0 || ds.MaxBackoff <= 0 || ds.DeletionGrace < 0 {
		return errors.New("--audit-batch-size, --audit-queue-size, --audit-flush-interval, --datastorage-timeout and --audit-max-backoff must be positive")
	}
	if ds.BatchSize > maxAuditBatch {
		return fmt.Errorf("--audit-batch-size %d: DataStorage refuses a batch of more than %d events", ds.BatchSize, maxAuditBatch)
	}
	return nil
}

// maxAuditBatch is the most events DataStorage accepts in one batch.
const maxAuditBatch = 500

// validate reports the first option that cannot work.
func (o *Options) validate() error {
	if err := o.validateWebhook(); err != nil {
		return err
	}
	if o.ExecutionPolicy == "" || o.InstallNamespace == "" {
		return errors.New("--execution-policy-name must name the execution ValidatingAdmissionPolicy and --install-namespace (or $POD_NAMESPACE) the controller's namespace")
	}
	if o.Workers < 1 {
		return fmt.Errorf("--reconcile-workers %d: want at least 1", o.Workers)
	}
	if o.PipelineSource != reconciler.PipelineSourceBundle && o.PipelineSource != reconciler.PipelineSourceCluster {
		return fmt.Errorf("--pipeline-source %q: want %s or %s", o.PipelineSource, reconciler.PipelineSourceBundle, reconciler.PipelineSourceCluster)
	}
	if err := o.DataStorage.validate(); err != nil {
		return err
	}
	if o.LeaseDuration < 2*time.Second {
		return fmt.Errorf("--leader-election-lease-duration %s is too short", o.LeaseDuration)
	}
	if o.Retention.Succeeded < 0 || o.Retention.Failed < 0 {
		return errors.New("--retain-succeeded and --retain-failed must be 0 (keep) or positive")
	}
	return nil
}

// validateWebhook reports the first webhook or certificate option that cannot work.
func (o *Options) validateWebhook() error {
	if o.WebhookPort < 0 || o.WebhookPort > 65535 {
		return fmt.Errorf("--webhook-port %d is not a port", o.WebhookPort)
	}
	if o.WebhookCertDir == "" {
		return errors.New("--webhook-cert-dir must name a folder")
	}
	if c := o.Certs; c.SelfManaged && (c.Namespace == "" || c.SecretName == "" || c.ServiceName == "" || c.WebhookConfigurationName == "") {
		return errors.New("--self-managed-certs needs --cert-namespace (or $POD_NAMESPACE), --cert-secret-name, --webhook-service-name and --webhook-configuration-name")
	}
	return nil
}
