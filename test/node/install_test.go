package node

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
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

func TestTheApiserverReachesTheWebhookThroughItsService(t *testing.T) {
	we := newWE("labelled", "greets")
	require.NoError(t, node.Client.Create(t.Context(), we))
	// The labels are in the object the apiserver stored: the mutating webhook,
	// behind the Service, added them during the CREATE.
	assert.Equal(t, "greets", we.Labels[wfev1.LabelWorkflowID])
	assert.Equal(t, "rr-labelled", we.Labels[wfev1.LabelCorrelationID])
	waitFor(t, we, 2*time.Minute, completeIs("True", wfev1.ReasonPipelineSucceeded))
}
