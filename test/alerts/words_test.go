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

package alerts

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// The alerts speak the condition vocabulary: a condition is said to be True,
// False or Unknown, and every reason named is one of ours.
func TestTheAlertTextsUseTheConditionVocabulary(t *testing.T) {
	_, rules := shippedRules(t)
	reasons := map[string]bool{}
	for _, r := range wfev1.Vocabulary {
		reasons[r.Name] = true
	}
	stays := regexp.MustCompile(`(TektonPipeline(?:Created|Running|Complete)|AuditRecorded) (?:stays|is|becomes|turns) (\w+)`)
	reasonLike := regexp.MustCompile(`\b(?:Pipeline|Audit)[A-Z]\w+\b`)
	checked := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			for key, text := range r.Annotations {
				for _, m := range stays.FindAllStringSubmatch(text, -1) {
					checked++
					assert.Contains(t, []string{"True", "False", "Unknown"}, m[2], "%s %s: %q", r.Alert, key, m[0])
				}
				for _, w := range reasonLike.FindAllString(text, -1) {
					checked++
					assert.True(t, reasons[w] || slices.Contains(wfev1.ConditionTypes, w), "%s %s names %s, which is no reason of ours", r.Alert, key, w)
				}
			}
		}
	}
	assert.Positive(t, checked, "the check saw condition words")
}

// Every metric the docs name is one the manager defines (a metric name in
// the non-test sources of the product's packages).
func TestTheDocsNameOnlyMetricsTheManagerExposes(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	name := regexp.MustCompile(`\bwfe_[a-z_]+[a-z]\b`)
	defined := map[string]bool{}
	for _, dir := range []string{"audit", "reconciler", "webhook", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			data, err := os.ReadFile(path)
			for _, m := range regexp.MustCompile(`"(wfe_[a-z_]+)"`).FindAllStringSubmatch(string(data), -1) {
				defined[m[1]] = true
			}
			return err
		})
		require.NoError(t, err)
	}
	require.Contains(t, defined, "wfe_executions_finished_total", "the scan finds the metrics")
	for _, doc := range []string{"README.md", "docs/operations.md", "docs/audit.md", "docs/performance.md", "charts/wfe-conditions/README.md"} {
		data, err := os.ReadFile(filepath.Join(root, doc))
		require.NoError(t, err)
		for _, m := range name.FindAllString(string(data), -1) {
			base := m
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				base = strings.TrimSuffix(base, suffix)
			}
			assert.True(t, defined[base], "%s names %s, which the manager does not define", doc, m)
		}
	}
}
