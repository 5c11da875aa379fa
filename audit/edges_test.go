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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/audit"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
)

// deliver starts a delivery through the real client to the test server at
// url, and stops it when the test ends.
func deliver(t *testing.T, url, tokenFile string) *audit.Delivery {
	t.Helper()
	c, err := audit.NewClient(audit.ClientOptions{URL: url, TokenFile: tokenFile, AllowInsecureToken: true, Timeout: time.Second})
	require.NoError(t, err)
	return deliverWith(t, c)
}

func TestARotatedTokenIsRetriedUntilDataStorageAcceptsIt(t *testing.T) {
	tests := []struct {
		name   string
		status int
		says   string
	}{
		{"a rejected token (401)", 401, "the token was rejected"},
		{"an identity without the service's permissions (403)", 403, "lacks get or create on services/data-storage-service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t)
			s.SetAuth(func(token string) int {
				if token == "rotated" {
					return 0
				}
				return tt.status
			})
			tokenFile := filepath.Join(t.TempDir(), "token")
			require.NoError(t, os.WriteFile(tokenFile, []byte("old"), 0o600))
			d := deliver(t, s.URL, tokenFile)
			we := finishedWE("rotated", false)
			require.True(t, d.Offer(we, audit.Pending(we)))

			var st audit.State
			require.Eventually(t, func() bool { st = d.State(we.UID); return st.Err != nil }, 2*time.Second, 5*time.Millisecond)
			assert.False(t, st.Final, "retried, never refused for good")
			assert.Contains(t, st.Err.Message, tt.says)

			// The kubelet writes the rotated token (or the RoleBinding lands).
			require.NoError(t, os.WriteFile(tokenFile, []byte("rotated"), 0o600))
			require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 5*time.Second, 5*time.Millisecond)
			assert.Nil(t, d.State(we.UID).Err)
			assert.Empty(t, s.Invalid())
		})
	}
}

func TestAnEightDayOldRunIsStoredNotRefused(t *testing.T) {
	s := startServer(t)
	d := deliver(t, s.URL, "")
	we := finishedWE("old-run", true)
	start := metav1.NewTime(time.Now().Add(-8 * 24 * time.Hour))
	end := metav1.NewTime(start.Add(time.Minute))
	we.Status.StartTime, we.Status.CompletionTime = &start, &end
	require.True(t, d.Offer(we, audit.Pending(we)))
	require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 2*time.Second, 5*time.Millisecond,
		"DataStorage's 7-day window admits the events: %+v", d.State(we.UID).Err)
	assert.Empty(t, s.Invalid())
}

func TestParametersDataStorageWouldRefuseAreSentCutWithAMarker(t *testing.T) {
	s := startServer(t)
	d := deliver(t, s.URL, "")
	we := finishedWE("large", false)
	// What the CRD admitted before it bounded the parameters' total:
	// 128 values of 4 KiB, which DataStorage's encoding makes 6 times larger.
	we.Spec.Parameters = map[string]string{}
	for i := range 128 {
		we.Spec.Parameters[fmt.Sprintf("P_%03d", i)] = strings.Repeat("<", 4096)
	}
	e := audit.BuildEvent(we, wfev1.AuditEventCompleted)
	data, err := json.Marshal(e.EventData)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(data), 256*1000, "event_data fits DataStorage's limit")
	assert.Contains(t, e.EventData.Parameters, audit.TruncatedParametersKey)
	assert.Len(t, e.EventData.Parameters, 129, "every parameter is still named")

	require.True(t, d.Offer(we, audit.Pending(we)))
	require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 2*time.Second, 5*time.Millisecond,
		"stored, not refused for good: %+v", d.State(we.UID).Err)
	assert.Empty(t, s.Invalid())
}

func TestSmallParametersAreSentWhole(t *testing.T) {
	we := finishedWE("small", false)
	e := audit.BuildEvent(we, wfev1.AuditEventCompleted)
	assert.Equal(t, we.Spec.Parameters, e.EventData.Parameters)
}

func TestABatchOverDataStoragesLimitsIsSplitAndEveryEventStored(t *testing.T) {
	s := startServer(t)
	c, err := audit.NewClient(audit.ClientOptions{URL: s.URL, Timeout: 5 * time.Second})
	require.NoError(t, err)
	d := audit.NewDelivery(c, audit.Options{BatchSize: 500, FlushInterval: time.Second, QueueSize: 1000,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, func(types.NamespacedName) {}, logr.Discard())
	// 40 WorkflowExecutions of 2 events of about 200 KB each: 16 MB in all,
	// more than three 5 MiB bodies.
	var wes []*wfev1.WorkflowExecution
	for i := range 40 {
		we := finishedWE(fmt.Sprintf("heavy-%02d", i), false)
		we.Spec.Parameters = map[string]string{"BLOB": strings.Repeat("x", 200_000)}
		require.True(t, d.Offer(we, audit.Pending(we)))
		wes = append(wes, we)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- d.Start(ctx) }()
	require.Eventually(t, func() bool {
		for _, we := range wes {
			if len(d.State(we.UID).Acknowledged) != 2 {
				return false
			}
		}
		return true
	}, 20*time.Second, 10*time.Millisecond, "every WorkflowExecution's events are acknowledged")
	cancel()
	require.NoError(t, <-done)
	assert.Len(t, s.Events(), 80, "each stored once")
	assert.Empty(t, s.Invalid())
}

func TestAnAnswerLostAfterDataStorageStoredTheBatchIsNotSentAgain(t *testing.T) {
	s := startServer(t)
	// DataStorage stores the batch, then answers after our timeout.
	s.SetFault(datastorage.Fault{CommitFirst: true, Delay: 2 * time.Second})
	c, err := audit.NewClient(audit.ClientOptions{URL: s.URL, Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	d := deliverWith(t, c)

	we := finishedWE("lost-answer", false)
	require.True(t, d.Offer(we, audit.Pending(we)))
	require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 10*time.Second, 10*time.Millisecond,
		"the search finds both events stored: %+v", d.State(we.UID).Err)
	assert.Len(t, s.Events(), 2, "stored once: no duplicate")
	assert.Positive(t, s.Searches())
	assert.Empty(t, s.Invalid())
}

func TestAResendTheSearchCannotDecideIsCountedAsAPossibleDuplicate(t *testing.T) {
	s := startServer(t)
	s.SetFault(datastorage.Fault{CommitFirst: true, Delay: 2 * time.Second})
	c, err := audit.NewClient(audit.ClientOptions{URL: s.URL, Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	d := deliverWith(t, c)
	before := counterValue(t, audit.MetricPossibleDuplicates)

	we := finishedWE("undecided", false)
	require.True(t, d.Offer(we, audit.Pending(we)))
	require.Eventually(t, func() bool { return len(s.Events()) == 2 }, 5*time.Second, 10*time.Millisecond, "the first batch is stored")
	// From now on the search fails and writes are answered at once.
	s.SetFault(datastorage.Fault{SearchStatus: 503})
	require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 10*time.Second, 10*time.Millisecond)
	assert.Len(t, s.Events(), 4, "sent again: DataStorage keeps both copies")
	assert.Equal(t, before+2, counterValue(t, audit.MetricPossibleDuplicates), "each resent event is counted")
	assert.Empty(t, s.Invalid())
}

func TestARefusedConnectionIsNoAmbiguity(t *testing.T) {
	s := startServer(t)
	s.Refuse()
	c, err := audit.NewClient(audit.ClientOptions{URL: s.URL, Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	d := deliverWith(t, c)
	we := finishedWE("refused", false)
	require.True(t, d.Offer(we, audit.Pending(we)))
	require.Eventually(t, func() bool { return d.State(we.UID).Err != nil }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, s.Resume())
	require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 10*time.Second, 10*time.Millisecond)
	assert.Zero(t, s.Searches(), "nothing was sent, so nothing is searched")
	assert.Len(t, s.Events(), 2)
}

// deliverWith starts a delivery through c, stopped when the test ends.
func deliverWith(t *testing.T, c *audit.Client) *audit.Delivery {
	t.Helper()
	d := audit.NewDelivery(c, audit.Options{BatchSize: 100, FlushInterval: 5 * time.Millisecond, QueueSize: 100,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, func(types.NamespacedName) {}, logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Start(ctx) }()
	t.Cleanup(func() { cancel(); assert.NoError(t, <-done) })
	return d
}

func TestA202IsAnAcknowledgementAndTheBatchIsNotSentAgain(t *testing.T) {
	s := startServer(t)
	s.SetFault(datastorage.Fault{Park: true})
	d := deliver(t, s.URL, "")
	we := finishedWE("parked", false)
	require.True(t, d.Offer(we, audit.Pending(we)))
	require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 5*time.Second, 10*time.Millisecond)
	assert.Len(t, s.Parked(), 2)
	assert.Equal(t, 1, s.Requests(), "one batch, never searched nor resent")
	s.WriteParked()
	assert.Len(t, s.Events(), 2, "written once")
	assert.Empty(t, s.Invalid())
}

func TestAParkedBatchWhoseAnswerIsLostIsSentAgainAndCountedAsAPossibleDuplicate(t *testing.T) {
	s := startServer(t)
	// DataStorage's database fails: it parks the batch, then the answer is lost.
	s.SetFault(datastorage.Fault{Park: true, CommitFirst: true, Drop: true})
	d := deliver(t, s.URL, "")
	before := counterValue(t, audit.MetricPossibleDuplicates)
	we := finishedWE("parked-lost", false)
	require.True(t, d.Offer(we, audit.Pending(we)))
	require.Eventually(t, func() bool { return len(s.Parked()) >= 2 }, 5*time.Second, 10*time.Millisecond, "the first batch is parked")
	s.SetFault(datastorage.Fault{})
	require.Eventually(t, func() bool { return len(d.State(we.UID).Acknowledged) == 2 }, 10*time.Second, 10*time.Millisecond)
	assert.Positive(t, s.Searches(), "the search was asked first")
	// Every attempt but the last was parked, and each was followed by a
	// search that found nothing and a resend.
	parked := len(s.Parked())
	assert.Equal(t, before+float64(parked), counterValue(t, audit.MetricPossibleDuplicates), "not found is no proof: each resent event is counted")
	s.WriteParked()
	assert.Len(t, s.Events(), 2+parked, "the dead-letter worker writes the parked copies too: DataStorage keeps them all")
	assert.Empty(t, s.Invalid())
}
