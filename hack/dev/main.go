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

// Command dev runs the product on a local control plane: etcd and kube-apiserver
// from bin/, our CRDs and Tekton's, the webhook registered with a fresh
// self-signed CA, and the manager binary in the foreground. Ctrl-C or SIGTERM
// stops everything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/reconciler"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
	"kubernaut.ai/wfe-conditions/test/framework/paths"
	"kubernaut.ai/wfe-conditions/test/framework/tekton"
)

func main() {
	dir := flag.String("dir", ".dev", "Folder for the kubeconfig, certificates and logs of this run.")
	dataStorage := flag.String("datastorage-url", "", "DataStorage URL passed to the manager; empty runs without auditing.")
	nodeKind := flag.String("node", "simulated", `"simulated" (kwok plays the pods) or "real" (a real node: our image, make deploy, real pods; root)`)
	flag.Parse()
	runDev := func() error { return run(*dir, *dataStorage) }
	switch *nodeKind {
	case "simulated":
	case "real":
		runDev = func() error { return runReal(*dataStorage) }
	default:
		fmt.Fprintf(os.Stderr, "dev: --node %q: want simulated or real\n", *nodeKind)
		os.Exit(2)
	}
	if err := runDev(); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run(dir, dataStorageURL string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	managerBin, err := paths.Binary("wfe-conditions")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	fmt.Println("dev: starting etcd and kube-apiserver ...")
	cp, err := controlplane.StartE(dir, controlplane.WithAllTektonCRDs(), controlplane.WithProduct())
	if err != nil {
		return fmt.Errorf("start control plane: %w", err)
	}
	defer func() {
		fmt.Println("dev: stopping the control plane ...")
		if err := cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dev: stop control plane:", err)
		}
	}()
	fmt.Println("dev: starting Tekton's controller and kwok (simulated node) ...")
	tk, err := tekton.Start(cp, dir)
	if err != nil {
		return fmt.Errorf("start Tekton: %w (logs in %s)", err, dir)
	}
	defer tk.Stop()
	if err := installSamples(ctx, cp); err != nil {
		return err
	}
	if err := installMetricsReader(ctx, cp); err != nil {
		return err
	}

	opts, err := controlplane.ManagerOptions(dir)
	if err != nil {
		return err
	}
	bundle, err := certs.SelfSigned("127.0.0.1", "localhost")
	if err != nil {
		return err
	}
	if err := bundle.WriteFiles(opts.WebhookCertDir); err != nil {
		return err
	}
	hostPort := net.JoinHostPort(opts.WebhookHost, strconv.Itoa(opts.WebhookPort))
	if err := cp.InstallWebhook(ctx, hostPort, bundle.CAPEM); err != nil {
		return err
	}

	// The manager runs as the shipped ServiceAccount: its RBAC and the
	// admission policies apply as in a cluster.
	managerKubeconfig, err := cp.ManagerKubeconfig()
	if err != nil {
		return err
	}
	mgr := exec.Command(managerBin,
		"--kubeconfig", managerKubeconfig,
		"--webhook-host", opts.WebhookHost,
		"--webhook-port", strconv.Itoa(opts.WebhookPort),
		"--webhook-cert-dir", opts.WebhookCertDir,
		"--metrics-bind-address", opts.MetricsAddr,
		"--metrics-secure=true", // as deployed: HTTPS, a token allowed to get /metrics
		"--health-probe-bind-address", opts.ProbeAddr,
		"--pipeline-source", reconciler.PipelineSourceCluster,
		"--datastorage-url", dataStorageURL,
	)
	mgr.Stdout, mgr.Stderr = os.Stdout, os.Stderr
	// The manager dies with us even if we are killed without a chance to stop it.
	mgr.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := mgr.Start(); err != nil {
		return fmt.Errorf("start manager: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- mgr.Wait() }()

	if err := controlplane.WaitReady(ctx, "http://"+opts.ProbeAddr+"/readyz", 60*time.Second); err != nil {
		_ = mgr.Process.Signal(syscall.SIGTERM)
		if exitErr := <-exited; exitErr != nil {
			fmt.Fprintln(os.Stderr, "dev: manager:", exitErr)
		}
		return err
	}
	rel, _ := filepath.Rel(mustGetwd(), cp.Kubeconfig)
	fmt.Printf(`
dev: ready in %s. In another terminal:

    export KUBECONFIG=$PWD/%s
    bin/kubectl apply -f config/samples/workflowexecution_v1alpha1_workflowexecution.yaml
    bin/kubectl get wfe -w
    bin/kubectl wait wfe/restart-payment-api --for=condition=TektonPipelineComplete --timeout=2m
    bin/kubectl describe wfe restart-payment-api

A failing and a timing-out sample: config/samples/workflowexecution_failing.yaml,
config/samples/workflowexecution_timeout.yaml. Tekton's controller is real; pods
run on a node simulated by kwok. Logs: %s
Health: http://%s/readyz   Metrics (HTTPS, for a token allowed to get /metrics):

    curl --cacert %s -H "Authorization: Bearer $(bin/kubectl create token %s)" https://%s/metrics

Ctrl-C stops everything.
`, time.Since(start).Round(100*time.Millisecond), rel, dir, opts.ProbeAddr,
		relPath(filepath.Join(opts.WebhookCertDir, certs.CAFile)), metricsReader, opts.MetricsAddr)

	select {
	case <-ctx.Done():
		fmt.Println("\ndev: stopping the manager ...")
		_ = mgr.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil && !isSignalExit(err) {
			return fmt.Errorf("manager: %w", err)
		}
		return nil
	case err := <-exited:
		return fmt.Errorf("the manager exited: %w", err)
	}
}

// installSamples gives the default namespace its ServiceAccount (no
// kube-controller-manager runs here) and the sample Pipelines.
func installSamples(ctx context.Context, cp *controlplane.ControlPlane) error {
	if err := cp.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "default"}}); err != nil {
		return fmt.Errorf("create default ServiceAccount: %w", err)
	}
	pipelines, err := samplePipelines()
	if err != nil {
		return err
	}
	for _, p := range pipelines {
		p.Namespace = "default"
		if err := cp.Client.Create(ctx, p); err != nil {
			return fmt.Errorf("create sample Pipeline %s: %w", p.Name, err)
		}
	}
	return nil
}

// metricsReader is the ServiceAccount in default that may read the metrics.
const metricsReader = "metrics-reader"

// installMetricsReader binds a ServiceAccount to the shipped metrics-reader
// ClusterRole, so that its token scrapes the manager's metrics.
func installMetricsReader(ctx context.Context, cp *controlplane.ControlPlane) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: metricsReader}}
	if err := cp.Client.Create(ctx, sa); err != nil {
		return fmt.Errorf("create the %s ServiceAccount: %w", metricsReader, err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "dev-" + metricsReader},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "wfe-conditions-metrics-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: sa.Namespace, Name: sa.Name}},
	}
	if err := cp.Client.Create(ctx, binding); err != nil {
		return fmt.Errorf("bind the %s ServiceAccount: %w", metricsReader, err)
	}
	return nil
}

// relPath is path relative to the working folder, when it can be.
func relPath(path string) string {
	if rel, err := filepath.Rel(mustGetwd(), path); err == nil {
		return rel
	}
	return path
}

func isSignalExit(err error) bool {
	var exitErr *exec.ExitError
	return errors.As(err, &exitErr) && !exitErr.Exited()
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}
