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

package v1alpha1_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

func readDoc(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
	require.NoError(t, err)
	return string(data)
}

// Every reason of the vocabulary is documented, tells users what GitOps
// tools show where it decides, and each final one is a label of the
// finished counter as docs/operations.md lists it: adding a reason without
// those fails here (the health scripts are held to the table by
// test/framework/gitops).
func TestTheVocabularyIsCompleteAndDocumented(t *testing.T) {
	conditions, operations := readDoc(t, "conditions.md"), readDoc(t, "operations.md")
	finishedRow := regexp.MustCompile("(?m)^\\| `wfe_executions_finished_total` .*$").FindString(operations)
	require.NotEmpty(t, finishedRow)
	initial := map[string]int{}
	seen := map[string]bool{}
	for _, r := range wfev1.Vocabulary {
		key := r.Condition + "/" + string(r.Status) + "/" + r.Name
		assert.False(t, seen[key], "%s is listed twice", key)
		seen[key] = true
		assert.Contains(t, wfev1.ConditionTypes, r.Condition, key)
		assert.True(t, strings.Contains(conditions, "`"+r.Name+"`"), "docs/conditions.md documents %s", key)
		if r.Initial != "" {
			initial[r.Condition]++
			assert.Equal(t, metav1.ConditionUnknown, r.Status, "%s: a status starts Unknown", key)
		}
		if r.Condition == wfev1.ConditionTektonPipelineComplete || r.Condition == wfev1.ConditionAuditRecorded {
			assert.NotEmpty(t, r.Health, "%s says what GitOps tools show", key)
		}
		if r.Final {
			assert.True(t, strings.Contains(finishedRow, "`"+r.Name+"`"), "docs/operations.md lists %s as a finished reason", key)
		}
		assert.Contains(t, []string{"", "Normal", "Warning"}, r.Event, key)
	}
	for _, c := range wfev1.ConditionTypes {
		assert.Equal(t, 1, initial[c], "%s has one initial reason", c)
	}
}

func TestTheInitialConditionsComeFromTheVocabulary(t *testing.T) {
	got := wfev1.MissingConditions(nil, 3)
	require.Len(t, got, len(wfev1.ConditionTypes))
	for i, c := range got {
		assert.Equal(t, wfev1.ConditionTypes[i], c.Type)
		assert.Equal(t, metav1.ConditionUnknown, c.Status)
		assert.Equal(t, int64(3), c.ObservedGeneration)
		assert.True(t, strings.TrimSpace(c.Message) != "", c.Type)
	}
}
