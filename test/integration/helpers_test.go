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

package integration

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

func itoa(i int) string { return strconv.Itoa(i) }

func runtimeTypeMeta(kind string) runtime.TypeMeta {
	return runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: kind}
}

// eventTypes waits for Events of at least n reasons about the
// WorkflowExecution and returns their types by reason; none may have been
// told twice (a series).
func eventTypes(t *testing.T, cp *controlplane.ControlPlane, namespace, name string, n int) map[string]string {
	t.Helper()
	reasons := map[string]string{}
	require.Eventually(t, func() bool {
		list := &eventsv1.EventList{}
		require.NoError(t, cp.Client.List(t.Context(), list, client.InNamespace(namespace)))
		for _, e := range list.Items {
			if e.Regarding.Name == name {
				reasons[e.Reason] = e.Type
				assert.Nil(t, e.Series, "%s was told more than once", e.Reason)
				assert.Equal(t, int32(0), e.DeprecatedCount, "%s was told more than once", e.Reason)
			}
		}
		return len(reasons) >= n
	}, 5*time.Second, 50*time.Millisecond, "Events about %s/%s: %v", namespace, name, reasons)
	return reasons
}
