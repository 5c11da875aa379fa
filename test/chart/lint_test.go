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
