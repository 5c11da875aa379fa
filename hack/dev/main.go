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

	"kubernaut.ai/wfe-conditions/certs"
	"kubernaut.ai/wfe-conditions/test/controlplane"
)

func main() {
	dir := flag.String("dir", ".dev", "Folder for the kubeconfig, certificates and logs of this run.")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	managerBin, err := controlplane.Binary("wfe-conditions")
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	fmt.Println("dev: starting etcd and kube-apiserver ...")
	cp, err := controlplane.StartE(dir)
	if err != nil {
		return fmt.Errorf("start control plane: %w", err)
	}
	defer func() {
		fmt.Println("dev: stopping the control plane ...")
		if err := cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dev: stop control plane:", err)
		}
	}()

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

	mgr := exec.Command(managerBin,
		"--kubeconfig", cp.Kubeconfig,
		"--webhook-host", opts.WebhookHost,
		"--webhook-port", strconv.Itoa(opts.WebhookPort),
		"--webhook-cert-dir", opts.WebhookCertDir,
		"--metrics-bind-address", opts.MetricsAddr,
		"--health-probe-bind-address", opts.ProbeAddr,
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
		<-exited
		return err
	}
	rel, _ := filepath.Rel(mustGetwd(), cp.Kubeconfig)
	fmt.Printf(`
dev: ready in %s. In another terminal:

    export KUBECONFIG=$PWD/%s
    bin/kubectl apply -f config/samples/workflowexecution_v1alpha1_workflowexecution.yaml
    bin/kubectl get wfe
    bin/kubectl describe wfe restart-payment-api

Metrics: http://%s/metrics   Health: http://%s/readyz
Ctrl-C stops everything.
`, time.Since(start).Round(100*time.Millisecond), rel, opts.MetricsAddr, opts.ProbeAddr)

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
