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
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// The events' arrival at a real apiserver is tested in test/integration
// ("events tell each transition"); these cases are the recorder's own logic.
func TestTheRecorderBuildsBoundedEventsAndDropsWhenFull(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, wfev1.AddToScheme(scheme))
	we := &wfev1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "we", UID: "uid-1"}}
	r := NewRecorder(fake.NewClientBuilder().WithScheme(scheme).Build(), scheme, "wfe-conditions", 1, logr.Discard())

	r.Eventf(we, nil, corev1.EventTypeNormal, wfev1.ReasonPipelineCreated, wfev1.ReasonPipelineCreated, "%s", strings.Repeat("x", 2000))
	r.Eventf(we, nil, corev1.EventTypeNormal, wfev1.ReasonPipelineStarted, wfev1.ReasonPipelineStarted, "started")

	require.Len(t, r.queue, 1, "a full queue drops the event instead of growing")
	e := <-r.queue
	assert.Equal(t, wfev1.ReasonPipelineCreated, e.Reason, "the first event is kept, the second dropped")
	assert.Equal(t, wfev1.ReasonPipelineCreated, e.Action)
	assert.Equal(t, "ns", e.Namespace)
	assert.Equal(t, "we", e.Regarding.Name)
	assert.Equal(t, "WorkflowExecution", e.Regarding.Kind)
	assert.Equal(t, "wfe-conditions", e.ReportingController)
	assert.True(t, strings.HasPrefix(e.ReportingInstance, "wfe-conditions-"))
	assert.Len(t, e.Note, 1024, "notes are cut to the API's limit")
	assert.True(t, strings.HasSuffix(e.Note, wfev1.TruncationMarker), "a cut note says so")
	assert.False(t, e.EventTime.IsZero())
}
