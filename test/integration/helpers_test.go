package integration

import (
	"strconv"

	"k8s.io/apimachinery/pkg/runtime"
)

func itoa(i int) string { return strconv.Itoa(i) }

func runtimeTypeMeta(kind string) runtime.TypeMeta {
	return runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: kind}
}
