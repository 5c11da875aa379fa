package invariants_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/invariants"
)

func TestUnacknowledgedWhileAudited(t *testing.T) {
	finished := func(audit metav1.ConditionStatus, acked ...string) *wfev1.WorkflowExecution {
		we := &wfev1.WorkflowExecution{}
		wfev1.EnsureConditions(&we.Status, 1)
		we.SetTektonPipelineRunning(metav1.ConditionTrue, wfev1.ReasonPipelineStarted, "started")
		we.SetTektonPipelineComplete(metav1.ConditionTrue, wfev1.ReasonPipelineSucceeded, "done")
		we.SetAuditRecorded(audit, "R", "m")
		we.Status.AuditedEvents = acked
		return we
	}
	tests := []struct {
		name string
		we   *wfev1.WorkflowExecution
		want []string
	}{
		{"True with every due event recorded keeps the promise", finished(metav1.ConditionTrue, wfev1.AuditEventStarted, wfev1.AuditEventCompleted), nil},
		{"True with the final event missing lies", finished(metav1.ConditionTrue, wfev1.AuditEventStarted), []string{wfev1.AuditEventCompleted}},
		{"Unknown with events missing promises nothing", finished(metav1.ConditionUnknown, wfev1.AuditEventStarted), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, invariants.UnacknowledgedWhileAudited(tt.we))
		})
	}
}
