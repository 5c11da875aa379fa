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

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/wfe-conditions/test/framework/cluster"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// devImage is the manager's image make dev builds for the real node.
const devImage = "localhost/wfe-conditions:dev"

// runReal runs the product as users do, on a real node: our image installed
// with `make deploy`, Tekton's TaskRuns executing in real pods.
func runReal(dataStorageURL string) error {
	if err := cluster.CanRun(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	fmt.Println("dev: building the manager's image (make image) ...")
	tar, err := cluster.MakeImage(devImage)
	if err != nil {
		return err
	}
	fmt.Println("dev: starting a real node (etcd, kube-apiserver, containerd, kubelet, kube-proxy) ...")
	node, err := cluster.Start(ctx, tar)
	if err != nil {
		return fmt.Errorf("start the node: %w", err)
	}
	defer func() {
		fmt.Println("dev: stopping the node and undoing its host changes ...")
		if err := node.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dev: stop the node:", err)
		}
	}()
	fmt.Println("dev: starting Tekton's controller ...")
	if err := node.StartTekton(ctx); err != nil {
		return err
	}
	fmt.Println("dev: make deploy OVERLAY=self-managed IMG=" + devImage + " ...")
	args := []string{"--pipeline-source=cluster"}
	if dataStorageURL != "" {
		args = append(args, "--datastorage-url="+dataStorageURL)
	}
	if err := node.Deploy(ctx, devImage, args...); err != nil {
		return err
	}
	if err := installRealSamples(ctx, node); err != nil {
		return err
	}
	fmt.Printf(`
dev: ready on a real node in %s. In another terminal:

    export KUBECONFIG=%s
    bin/kubectl apply -f config/samples/workflowexecution_v1alpha1_workflowexecution.yaml
    bin/kubectl wait wfe/restart-payment-api --for=condition=TektonPipelineComplete --timeout=2m
    bin/kubectl get pods
    bin/kubectl logs -l tekton.dev/pipelineTask=validate --all-containers

The manager runs as two pods in %s (bin/kubectl -n %s get pods). Each
sample step runs in a busybox pod and prints the command it stands for.
Node logs: %s. Ctrl-C stops everything and undoes the node's host changes.
`, time.Since(start).Round(100*time.Millisecond), node.Kubeconfig, "wfe-conditions-system", "wfe-conditions-system",
		filepath.Join(cluster.Root, "logs"))
	<-ctx.Done()
	return nil
}

// installRealSamples creates the sample Pipelines for the real node: each
// step runs in the node's busybox image and echoes the command it stands for;
// the simulated outcomes become real ones ("fail" exits 1, "hang" sleeps).
func installRealSamples(ctx context.Context, node *cluster.Cluster) error {
	pipelines, err := samplePipelines()
	if err != nil {
		return err
	}
	for _, p := range pipelines {
		for i := range p.Spec.Tasks {
			t := &p.Spec.Tasks[i]
			outcome := t.TaskSpec.Metadata.Labels["wfe.test/outcome"]
			for j := range t.TaskSpec.Steps {
				s := &t.TaskSpec.Steps[j]
				s.Image = cluster.BusyboxImage
				s.Script = "#!/bin/sh\necho " + shellQuote("would run: "+s.Script) + "\n" + map[string]string{"fail": "exit 1\n", "hang": "sleep 3600\n"}[outcome]
			}
		}
		p.Namespace = "default"
		if err := node.Client.Create(ctx, p); err != nil {
			return fmt.Errorf("create sample Pipeline %s: %w", p.Name, err)
		}
	}
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// samplePipelines reads config/samples/pipelines.yaml.
func samplePipelines() ([]*tektonv1.Pipeline, error) {
	root, err := paths.RepoRoot()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "samples", "pipelines.yaml"))
	if err != nil {
		return nil, err
	}
	var out []*tektonv1.Pipeline
	for _, doc := range strings.Split(string(data), "\n---\n") {
		p := &tektonv1.Pipeline{}
		if err := yaml.UnmarshalStrict([]byte(doc), p); err != nil {
			return nil, fmt.Errorf("decode sample Pipeline: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}
