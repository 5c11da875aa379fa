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
// describe NAME" draws the execution, its PipelineRun and TaskRuns as a tree.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
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

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the plugin: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	flags := pflag.NewFlagSet("kubectl-wfe", pflag.ContinueOnError)
	flags.SetOutput(stderr)
	config := genericclioptions.NewConfigFlags(true)
	config.AddFlags(flags)
	timeout := flags.Duration("timeout", 30*time.Minute, "How long to wait before giving up (exit 2).")
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "%s\nusage: kubectl wfe wait NAME [-n NAMESPACE] [--timeout=30m]\n"+
			"exit 0: succeeded; 1: failed, timed out or cancelled; 2: --timeout passed first; 3: usage or API error\n"+
			"       kubectl wfe describe NAME [-n NAMESPACE]\n", msg)
		return exitError
	}
	if err := flags.Parse(args); err != nil {
		return usage(err.Error())
	}
	if flags.NArg() != 2 || (flags.Arg(0) != "wait" && flags.Arg(0) != "describe") {
		return usage("kubectl wfe: want the subcommand wait or describe and one WorkflowExecution name")
	}
	ns, _, err := config.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return usage(err.Error())
	}
	rest, err := config.ToRESTConfig()
	if err != nil {
		return usage(err.Error())
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{wfev1.AddToScheme, tektonv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return usage(err.Error())
		}
	}
	c, err := client.NewWithWatch(rest, client.Options{Scheme: scheme})
	if err != nil {
		return usage(err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	key := client.ObjectKey{Namespace: ns, Name: flags.Arg(1)}
	code, msg := 0, ""
	if flags.Arg(0) == "describe" {
		code, msg = describe(ctx, c, key, time.Now())
	} else {
		code, msg = wait(ctx, c, key)
	}
	fmt.Fprintln(stdout, msg)
	return code
}
