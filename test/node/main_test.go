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

// Package node runs the product as users do, on a real node: our image,
// installed with `make deploy`, two replicas under their own ServiceAccount,
// the webhook reached through its Service, and Tekton's TaskRuns executing
// real steps in real pods.
package node

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/wfe-conditions/test/framework/cluster"
	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
)

const (
	ns = "workflows"
	// image is the manager's image as `make image` tags it for this test.
	image = "localhost/wfe-conditions:node-test"
)

var (
	node *cluster.Cluster
	ds   *datastorage.Server
	// installTook is how long `make deploy` and the rollout to two Ready
	// replicas took.
	installTook time.Duration
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if err := cluster.CanRun(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	fail := func(what string, err error) int {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		return 1
	}
	// The image first: `make image` is what a user runs, and a build error
	// should not wait for a node.
	tar, err := cluster.MakeImage(image)
	if err != nil {
		return fail("image", err)
	}
	if node, err = cluster.Start(ctx, tar); err != nil {
		return fail("start the node", err)
	}
	defer func() {
		if err := node.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop the node:", err)
		}
	}()
	fmt.Printf("node up in %s\n", node.StartupTime.Round(time.Millisecond))
	if err := node.StartTekton(ctx); err != nil {
		return fail("start Tekton", err)
	}
	if ds, err = datastorage.StartOn(node.NodeIP); err != nil {
		return fail("start DataStorage", err)
	}
	defer ds.Close()
	began := time.Now()
	if err := node.Deploy(ctx, image, "--pipeline-source=cluster", "--datastorage-url="+ds.URL); err != nil {
		return fail("install", err)
	}
	installTook = time.Since(began)
	fmt.Printf("make deploy to two Ready replicas: %s\n", installTook.Round(time.Millisecond))
	if err := createWorkflows(ctx); err != nil {
		return fail("pipelines", err)
	}
	code := m.Run()
	if !forbiddenChecked {
		if err := noForbidden(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
	}
	return code
}

// createWorkflows creates the namespace the tests run WorkflowExecutions in,
// and their Pipelines.
func createWorkflows(ctx context.Context) error {
	if err := node.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return err
	}
	for _, p := range pipelines(ns) {
		if err := node.Client.Create(ctx, p); err != nil {
			return fmt.Errorf("create Pipeline %s: %w", p.Name, err)
		}
	}
	return nil
}
