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

package cluster

import (
	"context"
	"fmt"
	"path/filepath"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/tekton"
)

// StartTekton installs Tekton's CRDs and configuration and runs its controller
// on the host, its TaskRun pods built from the node's own images; Stop ends it.
func (c *Cluster) StartTekton(ctx context.Context) error {
	crds, err := controlplane.AllTektonCRDs()
	if err != nil {
		return err
	}
	for _, crd := range crds {
		if err := c.Client.Create(ctx, crd); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create CRD %s: %w", crd.Name, err)
		}
	}
	path, err := placeBinary(c.Bin, "tekton-controller")
	if err != nil {
		return err
	}
	images := tekton.Images{Entrypoint: TektonImage("entrypoint"), Nop: TektonImage("nop"),
		SidecarLogResults: TektonImage("sidecarlogresults"), WorkingDirInit: TektonImage("workingdirinit"), Shell: BusyboxImage}
	tk, err := tekton.StartOnNode(c.Client, path, c.Kubeconfig, filepath.Join(Root, "logs"), images)
	if err != nil {
		return err
	}
	c.tekton = tk
	return nil
}
