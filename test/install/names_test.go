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

package install

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/webhook"
)

// TestTheManifestsUseTheNamesTheGoCodeDefines checks every name that must live
// both in Go and in the kustomize YAML: a rename on one side fails here.
func TestTheManifestsUseTheNamesTheGoCodeDefines(t *testing.T) {
	for _, overlay := range []string{"default", "self-managed"} {
		t.Run(overlay, func(t *testing.T) {
			hooks, deploy := renderedObjects(t, overlay)
			require.Len(t, hooks.Webhooks, 2)

			t.Run("the webhook skips exactly the system namespaces and the controller's own", func(t *testing.T) {
				want := append(slices.Clone(webhook.SystemNamespaces), namespace)
				for _, h := range hooks.Webhooks {
					require.NotNil(t, h.NamespaceSelector, h.Name)
					require.Len(t, h.NamespaceSelector.MatchExpressions, 1, h.Name)
					e := h.NamespaceSelector.MatchExpressions[0]
					assert.Equal(t, "kubernetes.io/metadata.name", e.Key, h.Name)
					assert.ElementsMatch(t, want, e.Values, h.Name)
				}
			})

			t.Run("the webhook paths are the ones the server registers", func(t *testing.T) {
				var paths []string
				for _, h := range hooks.Webhooks {
					require.NotNil(t, h.ClientConfig.Service, h.Name)
					paths = append(paths, *h.ClientConfig.Service.Path)
				}
				assert.ElementsMatch(t, []string{webhook.CreatePath, webhook.StatusPath}, paths)
			})

			if overlay != "self-managed" {
				return
			}
			t.Run("the self-managed flags name the objects the overlay ships", func(t *testing.T) {
				var defaults wiring.Options
				defaults.BindFlags(flag.NewFlagSet("defaults", flag.ContinueOnError))
				args := deploy.Spec.Template.Spec.Containers[0].Args
				assert.Contains(t, args, "--cert-secret-name="+defaults.Certs.SecretName)
				assert.Contains(t, args, "--webhook-service-name="+defaults.Certs.ServiceName)
				assert.Contains(t, args, "--webhook-configuration-name="+defaults.Certs.WebhookConfigurationName)
				assert.Equal(t, defaults.Certs.WebhookConfigurationName, hooks.Name)
			})
		})
	}
}

// renderedObjects returns the overlay's webhook configuration and Deployment.
func renderedObjects(t *testing.T, overlay string) (*admissionregistrationv1.MutatingWebhookConfiguration, *appsv1.Deployment) {
	t.Helper()
	var hooks *admissionregistrationv1.MutatingWebhookConfiguration
	var deploy *appsv1.Deployment
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(render(t, overlay))))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		var head struct{ Kind string }
		require.NoError(t, yaml.Unmarshal(doc, &head))
		switch head.Kind {
		case "MutatingWebhookConfiguration":
			hooks = &admissionregistrationv1.MutatingWebhookConfiguration{}
			require.NoError(t, yaml.UnmarshalStrict(doc, hooks))
		case "Deployment":
			deploy = &appsv1.Deployment{}
			require.NoError(t, yaml.UnmarshalStrict(doc, deploy))
		}
	}
	require.NotNil(t, hooks, "the overlay renders a MutatingWebhookConfiguration")
	require.NotNil(t, deploy, "the overlay renders a Deployment")
	return hooks, deploy
}
