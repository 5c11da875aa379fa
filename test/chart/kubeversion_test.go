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

package chart

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// The chart claims the oldest Kubernetes the tests prove: the kube-apiserver
// this project builds and runs them on. Claiming older needs that version in
// the tests first.
func TestTheChartsKubeVersionIsTheOneTheTestsProve(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	script, err := os.ReadFile(filepath.Join(root, "hack", "build-tool.sh"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^k8s_version=v(\d+)\.(\d+)\.\d+$`).FindSubmatch(script)
	require.NotNil(t, m, "hack/build-tool.sh names the Kubernetes version it builds")
	c := loadChart(t)
	assert.Equal(t, ">="+string(m[1])+"."+string(m[2])+".0-0", c.Metadata.KubeVersion)
	assert.True(t, strings.HasPrefix(c.Metadata.KubeVersion, ">="), "a floor, not a range")
}
