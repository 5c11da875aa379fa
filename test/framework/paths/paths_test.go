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
