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

package node

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/wetest"
)

func TestMakeDeployRunsTwoReadyReplicasUnderTheirOwnIdentityOneLeading(t *testing.T) {
	ctx := t.Context()
	t.Logf("make deploy OVERLAY=self-managed to two Ready replicas: %s", installTook.Round(time.Millisecond))
	pods, err := node.ManagerPods(ctx)
	require.NoError(t, err)
	require.Len(t, pods, 2)
	names := map[string]bool{}
	for _, p := range pods {
		names[p.Name] = true
		assert.Equal(t, corev1.PodRunning, p.Status.Phase, p.Name)
		assert.Equal(t, wfev1.ControllerServiceAccount, p.Spec.ServiceAccountName, "in-cluster config under its own ServiceAccount")
		require.Len(t, p.Status.ContainerStatuses, 1)
		cs := p.Status.ContainerStatuses[0]
		assert.True(t, cs.Ready, p.Name)
		assert.Equal(t, image, cs.Image, "the image make image built")
		for _, e := range p.Spec.Containers[0].Env {
			assert.NotEqual(t, "KUBECONFIG", e.Name, "no kubeconfig: the in-cluster configuration")
		}
	}
	holder := waitLeader(t)
	assert.True(t, names[holder], "the leader %q is one of the two replicas %v", holder, names)
}

// The apiserver picks one endpoint of the Service per call: ten creates reach
// both replicas (all ten miss one with probability 1/1024), and every one
// comes back labelled by the mutating webhook during its CREATE.
func TestTheApiserverReachesTheWebhookOfEitherReplicaThroughItsService(t *testing.T) {
	for i := range 10 {
		we := wetest.New(ns, fmt.Sprintf("labelled-%d", i), wetest.Pipeline("greets"))
		require.NoError(t, node.Client.Create(t.Context(), we))
		assert.Equal(t, "greets", we.Labels[wfev1.LabelWorkflowID], we.Name)
		assert.Equal(t, "rr-"+we.Name, we.Labels[wfev1.LabelCorrelationID], we.Name)
	}
	wetest.WaitFor(t, node.Client, wetest.New(ns, "labelled-0", wetest.Pipeline("greets")), 2*time.Minute, wetest.CompleteIs("True", wfev1.ReasonPipelineSucceeded))
}

// Each replica, leader or not, serves the create path: a self-managed
// replica that registered its handlers only when leading answered 404 while
// Ready (found here). The call goes to each pod's address; TLS is not
// verified, since only the handler is in question.
func TestEveryReplicaServesTheWebhookNotOnlyTheLeader(t *testing.T) {
	pods, err := node.ManagerPods(t.Context())
	require.NoError(t, err)
	review := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE",` +
		`"kind":{"group":"workflowexecution.kubernaut.ai","version":"v1alpha1","kind":"WorkflowExecution"},` +
		`"resource":{"group":"workflowexecution.kubernaut.ai","version":"v1alpha1","resource":"workflowexecutions"},` +
		`"object":{"apiVersion":"workflowexecution.kubernaut.ai/v1alpha1","kind":"WorkflowExecution","metadata":{"name":"x"},` +
		`"spec":{"remediationRequestRef":{"name":"rr-x"},"workflowRef":{"workflowId":"w"}}}}}`
	httpc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // only the handler is in question
	for _, p := range pods {
		resp, err := httpc.Post("https://"+net.JoinHostPort(p.Status.PodIP, "9443")+"/mutate-workflowexecution", "application/json", strings.NewReader(review))
		require.NoError(t, err, p.Name)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s (leader %s): %s", p.Name, leader(t), body)
		assert.Contains(t, string(body), `"allowed":true`, p.Name)
	}
}
