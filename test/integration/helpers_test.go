package integration

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"

	"kubernaut.ai/wfe-conditions/certs"
)

func itoa(i int) string { return strconv.Itoa(i) }

func writeSelfSigned(t *testing.T, dir string) {
	t.Helper()
	b, err := certs.SelfSigned("127.0.0.1", "localhost")
	require.NoError(t, err)
	require.NoError(t, b.WriteFiles(dir))
}

func runtimeTypeMeta(kind string) runtime.TypeMeta {
	return runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: kind}
}
