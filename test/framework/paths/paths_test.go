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

package paths_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

func TestTheUnitLaneRefusesEveryToolInBin(t *testing.T) {
	t.Setenv(paths.LaneEnv, "unit")
	_, err := paths.Binary("kube-apiserver")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unit lane runs without bin/")
}

func TestTheRepositoryRootHoldsTheModulesGoMod(t *testing.T) {
	root, err := paths.RepoRoot()
	require.NoError(t, err)
	assert.FileExists(t, root+"/go.mod")
	assert.FileExists(t, root+"/Makefile")
}
