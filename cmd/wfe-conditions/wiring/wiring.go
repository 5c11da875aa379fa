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

// Package wiring builds the binary's one controller-runtime manager from its
// options: the webhook server, the reconciler, the audit delivery, metrics,
// health endpoints and leader election. Only cmd/wfe-conditions, tests and
// hack/ programs import it; nothing it wires imports it back.
package wiring

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
	"kubernaut.ai/wfe-conditions/reconciler"
)

// eventQueueSize bounds the Events waiting to be sent.
const eventQueueSize = 4096

// LeaderElectionID names the Lease the replicas compete for.
const LeaderElectionID = "wfe-conditions.kubernaut.ai"

// Scheme returns the types the manager reads and writes.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wfev1.AddToScheme, tektonv1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// secureTLS enforces TLS 1.2 or newer and turns HTTP/2 off (CVE-2023-44487:
// HTTP/2 rapid reset).
func secureTLS(c *tls.Config) {
	c.MinVersion = tls.VersionTLS12
	c.NextProtos = []string{"http/1.1"}
}

// New builds the manager from the options.
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	scheme, err := Scheme()
	if err != nil {
		return nil, fmt.Errorf("build scheme: %w", err)
	}
	policy, err := readPolicy(context.Background(), cfg, o.ExecutionPolicy)
	if err != nil {
		return nil, err
	}
	prCache := cache.ByObject{Label: reconciler.PipelineRunSelector(), Transform: reconciler.TrimPipelineRun}
	if watched := policy.WatchedNamespaces(); watched != nil {
		// Only there: the execution-namespace overlay grants PipelineRuns there
		// (and in the previous execution namespaces) only.
		prCache.Namespaces = map[string]cache.Config{}
		for _, ns := range watched {
			prCache.Namespaces[ns] = cache.Config{}
		}
	}
	metricsCert := &servingCert{dir: o.WebhookCertDir}
	lease := o.LeaseDuration
	renew := lease * 2 / 3
	retry := lease / 7
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			// Only our PipelineRuns, trimmed to what the mapping reads.
			&tektonv1.PipelineRun{}:                              prCache,
			&wfev1.WorkflowExecution{}:                           {Transform: reconciler.TrimWorkflowExecution},
			&admissionregistrationv1.ValidatingAdmissionPolicy{}: policyCache(o.ExecutionPolicy),
		}},
		WebhookServer: ctrlwebhook.NewServer(ctrlwebhook.Options{
			Host:    o.WebhookHost,
			Port:    o.WebhookPort,
			CertDir: o.WebhookCertDir,
			TLSOpts: []func(*tls.Config){secureTLS},
		}),
		Metrics:                       metricsOptions(o, metricsCert),
		HealthProbeBindAddress:        o.ProbeAddr,
		PprofBindAddress:              o.PprofAddr,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &lease,
		RenewDeadline:                 &renew,
		RetryPeriod:                   &retry,
		GracefulShutdownTimeout:       ptr.To(10 * time.Second),
		Controller: ctrlconfig.Controller{
			SkipNameValidation:      &o.SkipControllerNameValidation,
			MaxConcurrentReconciles: o.Workers,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}

	policies := policySource{reader: mgr.GetClient(), name: o.ExecutionPolicy, started: policy}
	if err := addMetricsCert(mgr, o, metricsCert); err != nil {
		return nil, err
	}
	webhookReady, err := setUpWebhook(mgr, o.Certs, o.WebhookCertDir, o.SkipControllerNameValidation, policies)
	if err != nil {
		return nil, err
	}
	events := reconciler.NewRecorder(mgr.GetClient(), mgr.GetScheme(), "wfe-conditions", eventQueueSize, ctrl.Log.WithName("events"))
	if err := mgr.Add(events); err != nil {
		return nil, fmt.Errorf("add event recorder: %w", err)
	}
	rec := &reconciler.Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  events,
		Options: reconciler.PipelineRunOptions{
			ExecutionNamespace: policy.ExecutionNamespace,
			PipelineSource:     o.PipelineSource,
			InstallNamespace:   o.InstallNamespace,
			WatchedNamespaces:  policy.WatchedNamespaces(),
		},
		Policy:    policies,
		Retention: o.Retention,
	}
	if err := setUpAudit(mgr, rec, o.DataStorage); err != nil {
		return nil, err
	}
	if err := rec.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("set up reconciler: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddHealthzCheck("execution-policy", policies.healthy); err != nil {
		return nil, fmt.Errorf("add health check: %w", err)
	}
	// Ready only once the webhook server answers TLS.
	if err := mgr.AddReadyzCheck("webhook", webhookReady); err != nil {
		return nil, fmt.Errorf("add readiness check: %w", err)
	}
	return mgr, nil
}

// setUpAudit adds the DataStorage delivery to the manager, or says plainly that
// auditing is off.
func setUpAudit(mgr ctrl.Manager, rec *reconciler.Reconciler, o DataStorageOptions) error {
	log := ctrl.Log.WithName("audit")
	if o.URL == "" {
		log.Info("auditing is disabled: no --datastorage-url; AuditRecorded stays Unknown with reason AuditDisabled")
		return nil
	}
	// Validated already; parsed here only to log the URL without its password.
	u, err := url.Parse(o.URL)
	if err != nil {
		return errors.New("--datastorage-url does not parse")
	}
	c, err := audit.NewClient(audit.ClientOptions{URL: o.URL, TokenFile: o.TokenFile, CAFile: o.CAFile,
		AllowInsecureToken: o.AllowInsecureToken, Timeout: o.Timeout, Log: log})
	if err != nil {
		return fmt.Errorf("set up the DataStorage client: %w", err)
	}
	results := make(chan event.GenericEvent, 4096)
	d := audit.NewDelivery(c, audit.Options{
		BatchSize: o.BatchSize, FlushInterval: o.FlushInterval, QueueSize: o.QueueSize,
		MinBackoff: 200 * time.Millisecond, MaxBackoff: o.MaxBackoff,
	}, reconciler.NotifyChannel(results), log)
	if err := mgr.Add(d); err != nil {
		return fmt.Errorf("add audit delivery: %w", err)
	}
	rec.Audit, rec.AuditResults, rec.AuditDeletionGrace = d, results, o.DeletionGrace
	log.Info("auditing to DataStorage", "url", u.Redacted(), "batchSize", o.BatchSize, "flushInterval", o.FlushInterval.String())
	return nil
}
