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
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/webhook"
)

// Admission compares create and status-write latency with no webhook, a no-op
// TLS webhook (the floor of any webhook) and ours.
type Admission struct {
	Create AdmissionPath `json:"create"`
	Status AdmissionPath `json:"status"`
}

// AdmissionPath is one write path in the variants.
type AdmissionPath struct {
	None Latency `json:"none"`
	Noop Latency `json:"noop"`
	// Patch is a no-op webhook that answers CREATE with a constant patch of
	// our size: the floor of any webhook that mutates.
	Patch       Latency `json:"constantPatch"`
	Ours        Latency `json:"ours"`
	OursToNoop  float64 `json:"oursToNoopP50"`
	OursToNone  float64 `json:"oursToNoneP50"`
	OursToPatch float64 `json:"oursToConstantPatchP50"`
}

var variants = []string{"none", "noop", "patch", "ours"}

// batch is how many writes one variant makes before the next takes over; the
// variants alternate so that drift on a shared machine hits all three alike.
const batch = 20

func (b *bench) admission(ctx context.Context, cfg Config) (Admission, error) {
	if err := b.registerAdmissionWebhooks(ctx); err != nil {
		return Admission{}, err
	}
	for _, v := range variants {
		if err := b.createNamespace(ctx, "adm-"+v); err != nil {
			return Admission{}, err
		}
	}
	// The apiserver's first calls to a new webhook configuration can wait for
	// it to settle; warm every variant up unmeasured.
	time.Sleep(2 * time.Second)
	for _, v := range variants {
		for i := range batch {
			if _, err := b.timedCreate(ctx, newWE("adm-"+v, fmt.Sprintf("warm-%d", i))); err != nil {
				return Admission{}, err
			}
		}
	}
	create := map[string][]time.Duration{}
	status := map[string][]time.Duration{}
	err := alternate(cfg.AdmissionSamples, func(v string, i int) error {
		d, err := b.timedCreate(ctx, newWE("adm-"+v, fmt.Sprintf("we-%d", i)))
		create[v] = append(create[v], d)
		return err
	})
	if err != nil {
		return Admission{}, err
	}
	if err := b.checkWebhooksCalled(ctx); err != nil {
		return Admission{}, err
	}
	body, err := completeStatusPatch()
	if err != nil {
		return Admission{}, err
	}
	err = alternate(cfg.AdmissionSamples, func(v string, i int) error {
		we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "adm-" + v, Name: fmt.Sprintf("we-%d", i)}}
		began := time.Now()
		if err := b.c.Status().Patch(ctx, we, client.RawPatch(types.MergePatchType, body)); err != nil {
			return fmt.Errorf("patch status of %s/%s: %w", we.Namespace, we.Name, err)
		}
		status[v] = append(status[v], time.Since(began))
		return nil
	})
	if err != nil {
		return Admission{}, err
	}
	if n, err := metric(ctx, b.mgrMetrics, "controller_runtime_webhook_requests_total", `webhook="/mutate-workflowexecution-status"`); err != nil || n < float64(cfg.AdmissionSamples) {
		return Admission{}, fmt.Errorf("our /status webhook answered %.0f requests, want at least %d (%v)", n, cfg.AdmissionSamples, err)
	}
	// The manager leads next: it must not find these.
	for _, v := range variants {
		if err := b.c.DeleteAllOf(ctx, &wfev1.WorkflowExecution{}, client.InNamespace("adm-"+v)); err != nil {
			return Admission{}, err
		}
	}
	return Admission{Create: path(create), Status: path(status)}, nil
}

func path(samples map[string][]time.Duration) AdmissionPath {
	p := AdmissionPath{None: summarize(samples["none"]), Noop: summarize(samples["noop"]), Patch: summarize(samples["patch"]), Ours: summarize(samples["ours"])}
	p.OursToNoop, p.OursToNone, p.OursToPatch = ratio(p.Ours.P50, p.Noop.P50), ratio(p.Ours.P50, p.None.P50), ratio(p.Ours.P50, p.Patch.P50)
	return p
}

// alternate runs n writes per variant in batches, rotating which variant
// goes first in each round.
func alternate(n int, write func(variant string, i int) error) error {
	for round := 0; round*batch < n; round++ {
		for k := range variants {
			v := variants[(round+k)%len(variants)]
			for i := round * batch; i < min(n, (round+1)*batch); i++ {
				if err := write(v, i); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (b *bench) timedCreate(ctx context.Context, we *wfev1.WorkflowExecution) (time.Duration, error) {
	began := time.Now()
	if err := b.c.Create(ctx, we); err != nil {
		return 0, fmt.Errorf("create %s/%s: %w", we.Namespace, we.Name, err)
	}
	return time.Since(began), nil
}

// completeStatusPatch is a merge patch writing the four conditions, as the
// reconciler does: our /status webhook finds nothing missing.
func completeStatusPatch() ([]byte, error) {
	we := newWE("", "")
	we.Generation = 1
	wfev1.EnsureConditions(&we.Status, 1)
	we.Status.Phase = wfev1.PhasePending
	return json.Marshal(map[string]any{"status": we.Status})
}

// registerAdmissionWebhooks registers ours for every namespace but the other
// variants', and the no-op webhook, configured alike, for adm-noop, and with
// a constant patch on CREATE for adm-patch.
func (b *bench) registerAdmissionWebhooks(ctx context.Context) error {
	ours, err := controlplane.WebhookConfiguration("wfe-conditions", b.webhookAddr, b.ca)
	if err != nil {
		return err
	}
	noop, err := controlplane.WebhookConfiguration("bench-noop", b.noopAddr, b.ca)
	if err != nil {
		return err
	}
	patching, err := controlplane.WebhookConfiguration("bench-constant-patch", b.noopAddr, b.ca)
	if err != nil {
		return err
	}
	only := func(ns string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
	}
	for i := range ours.Webhooks {
		sel := ours.Webhooks[i].NamespaceSelector
		sel.MatchExpressions[0].Values = append(sel.MatchExpressions[0].Values, "adm-none", "adm-noop", "adm-patch")
		noop.Webhooks[i].NamespaceSelector = only("adm-noop")
		patching.Webhooks[i].NamespaceSelector = only("adm-patch")
		if *patching.Webhooks[i].ClientConfig.URL == "https://"+b.noopAddr+webhook.CreatePath {
			*patching.Webhooks[i].ClientConfig.URL = "https://" + b.noopAddr + patchingPath
		}
	}
	for _, c := range []client.Object{ours, noop, patching} {
		if err := b.c.Create(ctx, c); err != nil {
			return fmt.Errorf("register webhook %s: %w", c.GetName(), err)
		}
	}
	return nil
}

// checkWebhooksCalled proves the variants differ as intended: ours labelled
// its WorkflowExecutions, the others did not.
func (b *bench) checkWebhooksCalled(ctx context.Context) error {
	for _, v := range variants {
		we := &wfev1.WorkflowExecution{}
		if err := b.c.Get(ctx, client.ObjectKey{Namespace: "adm-" + v, Name: "we-0"}, we); err != nil {
			return err
		}
		want := v == "ours" || v == "patch"
		if _, labelled := we.Labels[wfev1.LabelWorkflowID]; labelled != want {
			return fmt.Errorf("variant %s: labelled %v, want %v: the webhook configurations do not select as intended", v, labelled, want)
		}
	}
	return nil
}
