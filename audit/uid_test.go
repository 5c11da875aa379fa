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

package audit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
)

// gate is a Sender that holds every batch until released, then answers
// with what answer says.
type gate struct {
	release chan struct{}
	mu      sync.Mutex
	sent    [][]audit.Event
	answer  func() error
}

func (g *gate) Send(ctx context.Context, events []audit.Event) error {
	g.mu.Lock()
	g.sent = append(g.sent, events)
	g.mu.Unlock()
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.answer()
}

func (g *gate) batches() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent)
}

func TestAWorkflowExecutionReCreatedUnderAnOldNameIsAuditedOnItsOwn(t *testing.T) {
	failing := &audit.DeliveryError{Retryable: true, Status: 503, Message: "DataStorage answered 503"}
	g := &gate{release: make(chan struct{}), answer: func() error { return failing }}
	d := audit.NewDelivery(g, audit.Options{BatchSize: 10, FlushInterval: 5 * time.Millisecond, QueueSize: 10,
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, func(types.NamespacedName) {}, logr.Discard())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- d.Start(ctx) }()

	old := finishedWE("reused", false)
	require.True(t, d.Offer(old, audit.Pending(old)))
	require.Eventually(t, func() bool { return g.batches() == 1 }, 2*time.Second, time.Millisecond, "the old one's batch is on its way")

	// The old WorkflowExecution is deleted while DataStorage fails, and one
	// of the same name is created: another UID.
	d.Forget(old.UID)
	reborn := finishedWE("reused", false)
	reborn.UID = "uid-reborn"
	reborn.Status.AuditedEvents = nil
	assert.Empty(t, d.State(reborn.UID).Acknowledged, "nothing is inherited")
	require.True(t, d.Offer(reborn, audit.Pending(reborn)))

	// DataStorage recovers: both batches settle.
	g.answer = func() error { return nil }
	close(g.release)
	require.Eventually(t, func() bool {
		return len(d.State(reborn.UID).Acknowledged) == 2
	}, 2*time.Second, time.Millisecond, "the new one's own started and completed are acknowledged")
	cancel()
	require.NoError(t, <-done)

	assert.Empty(t, d.State(old.UID), "a settle for a forgotten UID records nothing")
	assert.Equal(t, []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted}, d.State(reborn.UID).Acknowledged)
	d.Recorded(reborn.UID, reborn.Status.AuditedEvents)
	d.Recorded(reborn.UID, []string{wfev1.AuditEventStarted, wfev1.AuditEventCompleted})
	assert.Zero(t, d.Tracked(), "no per-UID state is left once every acknowledgement is recorded")
}
