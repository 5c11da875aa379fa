package chart

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

func TestHelmLintFindsNothingToReport(t *testing.T) {
	for _, tc := range []struct{ name, values string }{
		{"default values", ""},
		{"self-managed certificates", "certificates: {mode: selfManaged}"},
		{"an execution namespace and DataStorage", `executionPolicy: {executionNamespace: kubernaut-workflows}
dataStorage: {url: "https://ds:8443", tokenSecret: {name: t}, ca: {secret: c}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			linter := lint.All(chartDir(t), values(t, tc.values), namespace, false)
			for _, m := range linter.Messages {
				// INFO is Helm's advice (an icon); warnings and errors count.
				assert.Less(t, m.Severity, support.WarningSev, m.Error())
			}
		})
	}
}
