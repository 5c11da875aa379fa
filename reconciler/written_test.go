package reconciler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/types"
)

func TestWritesTellAStaleCacheFromAFreshOne(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "we"}
	other := types.NamespacedName{Namespace: "ns", Name: "other"}
	tests := []struct {
		name  string
		steps func(w *writes) bool
		stale bool
	}{
		{"nothing written: nothing is stale", func(w *writes) bool { return w.stale(key, "1") }, false},
		{"the version our write replaced is stale", func(w *writes) bool { w.wrote(key, "1"); return w.stale(key, "1") }, true},
		{"it stays stale until the cache moves on", func(w *writes) bool { w.wrote(key, "1"); w.stale(key, "1"); return w.stale(key, "1") }, true},
		{"any other version ends the wait for good", func(w *writes) bool { w.wrote(key, "1"); w.stale(key, "2"); return w.stale(key, "1") }, false},
		{"another WorkflowExecution is not affected", func(w *writes) bool { w.wrote(key, "1"); return w.stale(other, "1") }, false},
		{"a deleted WorkflowExecution is forgotten", func(w *writes) bool { w.wrote(key, "1"); w.forget(key); return w.stale(key, "1") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.stale, tt.steps(&writes{})) })
	}
}
