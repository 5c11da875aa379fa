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

package crd_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// bundleReferences run through the apiserver (the CRD's pattern and rules)
// and through wfev1.CheckBundleImage, which the reconciler applies before
// the execution policy's prefixes: the two give the same verdict on each.
var bundleReferences = []struct {
	ref   string
	valid bool
}{
	{"quay.io/team/workflow:v1", true},
	{"quay.io/team/workflow", true},
	{"registry.example/workflows/restart-pods:v1", true},
	{"registry.example.com:5000/team-a/restart:1.2.3", true},
	{"localhost/x", true},
	{"localhost:5000/team/x:latest", true},
	{"[::1]:5000/team/x:v1", true},
	{"127.0.0.1:5000/team/x", true},
	{"ghcr.io/acme/tools/deep/path/restart:v2", true},
	{"quay.io/a_b/c__d/e-f/g.h:TAG_1.x-y", true},
	{"quay.io/team/x:" + strings.Repeat("t", 128), true},
	{"quay.io/" + strings.Repeat("a", 247), true},  // a name of 255
	{"Quay.IO/team/x:v1", true},                    // the domain may have capitals
	{"quay.io/" + strings.Repeat("a", 248), false}, // a name of 256
	{"quay.io/team/x:" + strings.Repeat("t", 129), false},
	{"registry/team-a/../team-b/x", false},
	{"quay.io/team-a/../team-b/x:v1", false},
	{"quay.io/team//x:v1", false},
	{"quay.io/team/x/:v1", false},
	{"quay.io//x", false},
	{"quay.io/./x", false},
	{"quay.io/team/x@sha256:" + strings.Repeat("ab", 32), false},
	{"quay.io/team/x:v1@sha256:" + strings.Repeat("ab", 32), false},
	{"team/x:v1", false}, // no registry: would mean Docker Hub
	{"ubuntu", false},    // likewise
	{"ubuntu:22.04", false},
	{"quay.io/Team/x:v1", false}, // paths are lower-case
	{"quay.io/team/x:-v1", false},
	{"quay.io/team/x:v1:v2", false},
	{"quay.io/team/x y:v1", false},
	{"quay.io/team/x\n:v1", false},
	{"quay.io/team/-x", false},
	{"quay.io/team/x-", false},
	{"-quay.io/team/x", false},
	{"quay.io:port/team/x", false},
	{"https://quay.io/team/x", false},
	{"quay.io/", false},
	{"/team/x", false},
}

func TestBundleReferencesGetTheSameVerdictInTheAPIServerAndInGo(t *testing.T) {
	require.GreaterOrEqual(t, len(bundleReferences), 30)
	for i, tc := range bundleReferences {
		t.Run(fmt.Sprintf("%q", tc.ref), func(t *testing.T) {
			we := validWE(fmt.Sprintf("bundle-%d", i))
			we.Spec.WorkflowRef.ContainerImage = tc.ref
			apiErr := cp.Client.Create(t.Context(), we, client.DryRunAll)
			goErr := wfev1.CheckBundleImage(tc.ref)
			if tc.valid {
				assert.NoError(t, apiErr, "the apiserver refuses it")
				assert.NoError(t, goErr, "Go refuses it")
				return
			}
			assert.Error(t, apiErr, "the apiserver admits it")
			assert.Error(t, goErr, "Go admits it")
		})
	}
}
