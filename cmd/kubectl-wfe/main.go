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

// Command kubectl-wfe is a kubectl plugin for WorkflowExecutions:
// "kubectl wfe wait NAME" returns when the run finishes, either way, which
// kubectl wait cannot (it ANDs conditions, never ORs them); "kubectl wfe
// describe NAME" draws the execution, its PipelineRun and TaskRuns as a tree;
// "kubectl wfe logs NAME --failed" prints the failed step's log.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Exit codes of "kubectl wfe wait".
const (
	exitSucceeded = 0 // TektonPipelineComplete True
	exitFailed    = 1 // TektonPipelineComplete False: failed, timed out, cancelled, not created
	exitTimeout   = 2 // --timeout passed first
	exitError     = 3 // usage or API error
)

// subcommand connects and runs one subcommand on the WorkflowExecution key.
func subcommand(ctx context.Context, config *genericclioptions.ConfigFlags, name string, key client.ObjectKey) (int, string) {
	rest, err := config.ToRESTConfig()
	if err != nil {
		return exitError, err.Error()
	}
	scheme, err := newScheme()
	if err != nil {
		return exitError, err.Error()
	}
	c, err := client.NewWithWatch(rest, client.Options{Scheme: scheme})
	if err != nil {
		return exitError, err.Error()
	}
	switch name {
	case "describe":
		return describe(ctx, c, key, time.Now())
	case "logs":
		pods, err := kubernetes.NewForConfig(rest)
		if err != nil {
			return exitError, err.Error()
		}
		return failedStepLogs(ctx, c, key, apiserverLogs(pods))
	default:
		return wait(ctx, c, key)
	}
}

// newScheme knows the kinds the plugin reads: ours and Tekton's.
func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{wfev1.AddToScheme, tektonv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// apiserverLogs reads a container's log through the apiserver, at most 10 MiB.
func apiserverLogs(pods kubernetes.Interface) podLogs {
	return func(ctx context.Context, namespace, pod, container string) (string, error) {
		limit := int64(10 << 20)
		out, err := pods.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, LimitBytes: &limit}).DoRaw(ctx)
		return string(out), err
	}
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the plugin: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	flags := pflag.NewFlagSet("kubectl-wfe", pflag.ContinueOnError)
	flags.SetOutput(stderr)
	config := genericclioptions.NewConfigFlags(true)
	config.AddFlags(flags)
	timeout := flags.Duration("timeout", 30*time.Minute, "How long to wait before giving up (exit 2).")
	failed := flags.Bool("failed", false, "logs: the failed step's container (the only logs it prints).")
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "%s\nusage: kubectl wfe wait NAME [-n NAMESPACE] [--timeout=30m]\n"+
			"exit 0: succeeded; 1: failed, timed out or cancelled; 2: --timeout passed first; 3: usage or API error\n"+
			"       kubectl wfe describe NAME [-n NAMESPACE]\n"+
			"       kubectl wfe logs NAME --failed [-n NAMESPACE]\n", msg)
		return exitError
	}
	if err := flags.Parse(args); err != nil {
		return usage(err.Error())
	}
	if flags.NArg() != 2 || (flags.Arg(0) != "wait" && flags.Arg(0) != "describe" && flags.Arg(0) != "logs") {
		return usage("kubectl wfe: want the subcommand wait, describe or logs and one WorkflowExecution name")
	}
	if flags.Arg(0) == "logs" && !*failed {
		return usage("kubectl wfe logs: only --failed is supported (the failed step's container); kubectl logs reads any other")
	}
	ns, _, err := config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return usage(err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	code, msg := subcommand(ctx, config, flags.Arg(0), client.ObjectKey{Namespace: ns, Name: flags.Arg(1)})
	out := stdout
	if code == exitError {
		out = stderr // a log on stdout stays a log
	}
	fmt.Fprint(out, msg)
	if !strings.HasSuffix(msg, "\n") {
		fmt.Fprintln(out)
	}
	return code
}
