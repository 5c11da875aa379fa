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

package reconciler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func TestAuditCondition(t *testing.T) {
	started, completed := wfev1.AuditEventStarted, wfev1.AuditEventCompleted
	queued := auditDelivery{queued: true}
	tests := []struct {
		name       string
		enabled    bool
		due, acked []string
		delivery   auditDelivery
		status     metav1.ConditionStatus
		reason     string
		messageHas string
	}{
		{name: "auditing disabled says so", enabled: false, due: []string{started},
			status: metav1.ConditionUnknown, reason: wfev1.ReasonAuditDisabled, messageHas: "--datastorage-url"},
		{name: "nothing due keeps the initial Unknown", enabled: true, delivery: queued,
			status: metav1.ConditionUnknown, reason: wfev1.ReasonAuditPending, messageHas: initialAuditRecorded.Message},
		{name: "a due event that is queued is pending and named", enabled: true, due: []string{started}, delivery: queued,
			status: metav1.ConditionUnknown, reason: wfev1.ReasonAuditPending, messageHas: "acknowledge " + started},
		{name: "a due event the full queue refused is pending and says why", enabled: true, due: []string{started},
			delivery: auditDelivery{queued: false},
			status:   metav1.ConditionUnknown, reason: wfev1.ReasonAuditPending, messageHas: "queue is full"},
		{name: "a retryable failure is False and says it is retried", enabled: true, due: []string{started},
			delivery: auditDelivery{queued: true, err: "DataStorage answered 503"},
			status:   metav1.ConditionFalse, reason: wfev1.ReasonAuditFailed, messageHas: "retried with backoff: DataStorage answered 503"},
		{name: "a final refusal is False and says it is final", enabled: true, due: []string{started, completed}, acked: []string{started},
			delivery: auditDelivery{queued: true, err: "DataStorage answered 400", final: true},
			status:   metav1.ConditionFalse, reason: wfev1.ReasonAuditFailed, messageHas: completed + " for good: DataStorage answered 400"},
		{name: "every due event acknowledged is True", enabled: true, due: []string{started, completed}, acked: []string{started, completed},
			delivery: queued, status: metav1.ConditionTrue, reason: wfev1.ReasonAuditSucceeded, messageHas: "latest: " + completed},
		{name: "an old failure does not hide that everything is acknowledged", enabled: true, due: []string{started}, acked: []string{started},
			delivery: auditDelivery{queued: true, err: "DataStorage answered 503"}, status: metav1.ConditionTrue, reason: wfev1.ReasonAuditSucceeded},
		{name: "a new event due after an earlier True turns it Unknown at once", enabled: true,
			due: []string{started, completed}, acked: []string{started}, delivery: queued,
			status: metav1.ConditionUnknown, reason: wfev1.ReasonAuditPending, messageHas: completed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := auditCondition(tt.enabled, tt.due, tt.acked, tt.delivery)
			assert.Equal(t, wfev1.ConditionAuditRecorded, c.Type)
			assert.Equal(t, tt.status, c.Status)
			assert.Equal(t, tt.reason, c.Reason)
			assert.Contains(t, c.Message, tt.messageHas)
			if c.Status == metav1.ConditionTrue {
				for _, d := range tt.due {
					assert.Contains(t, tt.acked, d, "True only when every due event is acknowledged")
				}
			}
		})
	}
}
