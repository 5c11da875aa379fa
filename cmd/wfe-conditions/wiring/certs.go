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
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"kubernaut.ai/wfe-conditions/webhook"
)

// rotatorCount numbers the rotators of one process.
var rotatorCount atomic.Int64

// setUpWebhook registers the admission handlers and returns the readiness
// check of the webhook server. With self-managed certificates the server
// starts only once cert-controller has put the certificate in place.
func setUpWebhook(mgr ctrl.Manager, o CertOptions, certDir string, uniqueNames bool, policy webhook.PolicySource) (healthz.Checker, error) {
	if !o.SelfManaged {
		webhook.Register(mgr.GetWebhookServer(), policy)
		return mgr.GetWebhookServer().StartedChecker(), nil
	}
	ready := make(chan struct{})
	svc := fmt.Sprintf("%s.%s.svc", o.ServiceName, o.Namespace)
	extra := []string{svc + ".cluster.local"}
	if o.MetricsServiceName != "" {
		// The metrics server serves the same certificate.
		metrics := fmt.Sprintf("%s.%s.svc", o.MetricsServiceName, o.Namespace)
		extra = append(extra, metrics, metrics+".cluster.local")
	}
	// cert-controller builds its controller outside the manager, so the
	// manager's SkipNameValidation does not reach it: a process running
	// several managers (tests) names each rotator apart.
	name := "cert-rotator"
	if uniqueNames {
		name += "-" + strconv.FormatInt(rotatorCount.Add(1), 10)
	}
	err := rotator.AddRotator(mgr, &rotator.CertRotator{
		ControllerName:         name,
		SecretKey:              types.NamespacedName{Namespace: o.Namespace, Name: o.SecretName},
		CertDir:                certDir,
		CAName:                 "wfe-conditions-ca",
		CAOrganization:         "kubernaut",
		DNSName:                svc,
		ExtraDNSNames:          append(extra, o.ExtraDNSNames...),
		IsReady:                ready,
		Webhooks:               []rotator.WebhookInfo{{Name: o.WebhookConfigurationName, Type: rotator.Mutating}},
		CaCertDuration:         o.CAValidity,
		ServerCertDuration:     o.Validity,
		RotationCheckFrequency: o.RotationCheck,
		LookaheadInterval:      o.Lookahead,
		// Every replica serves the webhook, so every replica keeps the files
		// fresh; writes to the Secret are guarded by resourceVersion.
		RequireLeaderElection: false,
	})
	if err != nil {
		return nil, fmt.Errorf("set up certificate rotation: %w", err)
	}
	// The handlers are registered once the certificate exists, in every
	// replica: a plain RunnableFunc would run in the leader only, and the
	// other replicas would answer 404 while Ready.
	if err := mgr.Add(everyReplica(func(ctx context.Context) error {
		select {
		case <-ready:
			webhook.Register(mgr.GetWebhookServer(), policy)
		case <-ctx.Done():
		}
		return nil
	})); err != nil {
		return nil, err
	}
	return func(req *http.Request) error {
		select {
		case <-ready:
			return mgr.GetWebhookServer().StartedChecker()(req)
		default:
			return errors.New("the self-managed certificate is not ready yet")
		}
	}, nil
}

// everyReplica is a runnable that runs whether or not this replica leads.
type everyReplica func(context.Context) error

// Start implements manager.Runnable.
func (f everyReplica) Start(ctx context.Context) error { return f(ctx) }

// NeedLeaderElection implements manager.LeaderElectionRunnable.
func (everyReplica) NeedLeaderElection() bool { return false }
