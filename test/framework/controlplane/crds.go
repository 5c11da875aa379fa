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

package controlplane

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

func requireBinaries(dir string) error {
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := paths.Binary(name); err != nil {
			return err
		}
	}
	return nil
}

// tektonCRDFiles are the Tekton CRDs the product touches: Pipelines and Tasks it
// may reference, PipelineRuns and TaskRuns it creates and watches.
var tektonCRDFiles = []string{"300-pipeline.yaml", "300-pipelinerun.yaml", "300-task.yaml", "300-taskrun.yaml"}

var tektonCRDsOnce = sync.OnceValues(func() ([]*apiextensionsv1.CustomResourceDefinition, error) { return loadTektonCRDs(tektonCRDFiles) })

// allTektonCRDsOnce are every CRD Tekton's controller watches, for the tests
// that run it.
var allTektonCRDsOnce = sync.OnceValues(func() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	dir, err := paths.TektonModuleDir()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "config", "300-crds", "300-*.yaml"))
	if err != nil {
		return nil, err
	}
	for i := range files {
		files[i] = filepath.Base(files[i])
	}
	return loadTektonCRDs(files)
})

func tektonCRDs(all bool) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	load := tektonCRDsOnce
	if all {
		load = allTektonCRDsOnce
	}
	crds, err := load()
	if err != nil {
		return nil, err
	}
	out := make([]*apiextensionsv1.CustomResourceDefinition, len(crds))
	for i, c := range crds {
		out[i] = c.DeepCopy()
	}
	return out, nil
}

// AllTektonCRDs are every CRD of Tekton's pipeline module, conversion off, for
// a cluster the harness does not start (the real node).
func AllTektonCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) { return tektonCRDs(true) }

// loadTektonCRDs reads Tekton's CRDs from its module and turns off their
// conversion webhook: Tekton's webhook does not run here.
func loadTektonCRDs(files []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	dir, err := paths.TektonModuleDir()
	if err != nil {
		return nil, err
	}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, "config", "300-crds", name))
		if err != nil {
			return nil, fmt.Errorf("read Tekton CRD: %w", err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			return nil, fmt.Errorf("decode Tekton CRD %s: %w", name, err)
		}
		crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
		crds = append(crds, crd)
	}
	return crds, nil
}

func objectMeta(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}
