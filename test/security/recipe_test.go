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

package security

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// recipe returns the YAML block docs/security.md marks "<!-- recipe: name -->".
func recipe(t *testing.T, name string) []byte {
	t.Helper()
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "security.md"))
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)<!-- recipe: " + regexp.QuoteMeta(name) + " -->\n```yaml\n(.*?)```").FindSubmatch(doc)
	require.NotNil(t, m, "docs/security.md has the %s recipe", name)
	return m[1]
}

// The grant recipes of docs/security.md, applied verbatim with kubectl, give
// exactly what the page says.
func TestTheGrantRecipesOfTheSecurityPageWorkAsWritten(t *testing.T) {
	namespace(t, "team-a", "runner-a", "runner-b")
	namespace(t, "payments", "workflow-runner")
	ctx := t.Context()

	t.Run("a team runs as its one runner and no other", func(t *testing.T) {
		_, err := cp.KubectlStdin(ctx, recipe(t, "team"), "apply", "-f", "-")
		require.NoError(t, err)
		// The team's WorkflowExecutions correlate within team-a.
		setPolicy(t, wfev1.ExecutionPolicy{CorrelatingNamespaces: []string{"team-a"}})
		dev := cp.As(t, "dana", "team-a-developers")
		admits(t, dev, newWE("team-a", "runner-a", anyBundle), true)
		msg := admits(t, dev, newWE("team-a", "runner-b", anyBundle), false)
		assert.Contains(t, msg, "dana may not run WorkflowExecutions as ServiceAccount runner-b in namespace team-a")
		admits(t, cp.As(t, "eve", "team-b-developers"), newWE("team-a", "runner-a", anyBundle), false)
	})

	t.Run("an orchestrator's ServiceAccount runs as the runner in every namespace and adds its own conditions", func(t *testing.T) {
		require.NoError(t, cp.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubernaut-system"}}))
		require.NoError(t, cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "kubernaut-system", Name: "remediation-orchestrator"}}))
		_, err := cp.KubectlStdin(ctx, recipe(t, "orchestrator"), "apply", "-f", "-")
		require.NoError(t, err)
		orchestrator := cp.As(t, "system:serviceaccount:kubernaut-system:remediation-orchestrator",
			"system:serviceaccounts", "system:serviceaccounts:kubernaut-system")
		we := newWE("payments", "workflow-runner", anyBundle)
		admits(t, orchestrator, we, true)
		require.NoError(t, orchestrator.Create(ctx, we))
		admits(t, orchestrator, newWE("team-a", "runner-a", anyBundle), false)
		require.NoError(t, writeStatus(t, orchestrator, we, ownCondition(metav1.ConditionTrue)))
	})
}
