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

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
	"kubernaut.ai/wfe-conditions/webhook"
)

// provoke makes the series the dashboard shows move beyond a run and an
// outage, each the way it happens in a cluster, and returns by cause the
// query on the manager's metrics that must then be above 0.
func provoke(t *testing.T) map[string]string {
	t.Helper()
	ctx := t.Context()

	// DataStorage refuses an event for good.
	ds.SetFault(datastorage.Fault{Status: 400, Problem: `{"type":"https://kubernaut.ai/problems/validation-error","title":"Validation Error","status":400,"detail":"refused by the dashboard scenario"}`})
	refused := wetest.New(ns, "dashboard-ds-refusal", wetest.Pipeline("build-test-deploy"))
	require.NoError(t, cp.Client.Create(ctx, refused))
	wetest.WaitFor(t, cp.Client, refused, time.Minute, wetest.AuditedIs(metav1.ConditionFalse))
	ds.SetFault(datastorage.Fault{})

	// The apiserver refuses the manager's status writes to one execution.
	stop := refuseStatusWrites(t, "dashboard-refused-write")
	require.NoError(t, cp.Client.Create(ctx, wetest.New(ns, "dashboard-refused-write", wetest.Pipeline("build-test-deploy"))))

	// Another writer keeps changing an execution's status under the manager.
	contested := wetest.New(ns, "dashboard-contested", wetest.Pipeline("build-test-deploy"))
	require.NoError(t, cp.Client.Create(ctx, contested))
	writeCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	go contend(writeCtx, client.ObjectKeyFromObject(contested))
	t.Cleanup(func() { cancel(); stop() })

	// A request the create handler answers with an error.
	postToWebhook(t, webhook.CreatePath, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",`+
		`"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},`+
		`"namespace":"`+ns+`","operation":"CREATE","userInfo":{"username":"dashboard"},"object":{}}}`)

	return map[string]string{
		"a DataStorage refusal": `sum(wfe_audit_events_failed_total{reason="400"})`,
		"a refused write":       `sum(wfe_status_writes_refused_total)`,
		"a conflicting writer":  `sum(wfe_status_write_conflicts_total)`,
		"a webhook error":       `sum(wfe_webhook_errors_total)`,
	}
}

// refuseStatusWrites installs an admission policy that refuses every status
// update of the named WorkflowExecution; the returned func removes it.
func refuseStatusWrites(t *testing.T, name string) func() {
	t.Helper()
	ctx := t.Context()
	fail := admissionregistrationv1.Fail
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "dashboard-refuses-status-writes"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{wfev1.GroupVersion.Group}, APIVersions: []string{"*"},
						Resources: []string{"workflowexecutions/status"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "object.metadata.name != '" + name + "'", Message: "refused by the dashboard scenario"}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}},
	}
	require.NoError(t, cp.Client.Create(ctx, policy))
	require.NoError(t, cp.Client.Create(ctx, binding))
	return func() {
		_ = cp.Client.Delete(context.Background(), binding)
		_ = cp.Client.Delete(context.Background(), policy)
	}
}

// contend writes a condition of its own into the execution's status as
// fast as it can until ctx ends, as another controller sharing it would.
func contend(ctx context.Context, key client.ObjectKey) {
	for i := 0; ctx.Err() == nil; i++ {
		we := &wfev1.WorkflowExecution{}
		if cp.Client.Get(ctx, key, we) != nil {
			continue
		}
		we.SetCondition("ExampleContested", metav1.ConditionUnknown, "Writing", "write "+strconv.Itoa(i))
		_ = cp.Client.Status().Update(ctx, we)
	}
}

// postToWebhook sends an AdmissionReview straight to the manager's webhook
// server, as the apiserver would.
func postToWebhook(t *testing.T, path, review string) {
	t.Helper()
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(mgr.CA))
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	url := fmt.Sprintf("https://%s:%d%s", mgr.Options.WebhookHost, mgr.Options.WebhookPort, path)
	resp, err := c.Post(url, "application/json", bytes.NewReader([]byte(review)))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "an error answer travels as HTTP 200")
}
