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
