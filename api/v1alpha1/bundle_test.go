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
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// The pattern is distribution/reference's grammar with the domain required
// and no digest, built here from the library's own exported expressions.
func TestTheBundlePatternIsDistributionsReferenceGrammar(t *testing.T) {
	domain := reference.DomainRegexp.String()
	remoteName := strings.TrimPrefix(reference.NameRegexp.String(), "(?:"+domain+"/)?")
	require.NotEqual(t, reference.NameRegexp.String(), remoteName, "NameRegexp starts with the optional domain")
	want := "^" + domain + "/" + remoteName + "(?::" + reference.TagRegexp.String() + ")?$"
	assert.Equal(t, want, wfev1.BundleImagePattern)
}

func TestTheCRDCarriesTheBundlePattern(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "workflowexecution.kubernaut.ai_workflowexecutions.yaml"))
	require.NoError(t, err)
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema struct {
						Properties map[string]struct {
							Properties map[string]struct {
								Properties map[string]struct {
									Pattern string `json:"pattern"`
								} `json:"properties"`
							} `json:"properties"`
						} `json:"properties"`
					} `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(data, &crd))
	got := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["workflowRef"].Properties["containerImage"].Pattern
	assert.Equal(t, wfev1.BundleImagePattern, got, "make manifests after changing the pattern")
}

// Every reference the Go check admits also parses with distribution/reference
// and names the domain it wrote.
func TestAnAdmittedBundleParsesWithDistributionAsWritten(t *testing.T) {
	for _, ref := range []string{"quay.io/team/x:v1", "localhost:5000/a/b", "[::1]:5000/x", "registry.example/a-b/c_d/e.f:1.2-rc"} {
		require.NoError(t, wfev1.CheckBundleImage(ref), ref)
		named, err := reference.ParseNormalizedNamed(ref)
		require.NoError(t, err, ref)
		assert.Equal(t, ref, named.String(), "no implicit docker.io: the reference means what it says")
	}
}
