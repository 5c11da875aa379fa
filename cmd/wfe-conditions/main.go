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

// Command wfe-conditions runs the WorkflowExecution conditions webhook and
// reconciler: flags, then config, then wiring.
package main

import (
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == wiring.ReleaseCommand {
		os.Exit(release(os.Args[2:]))
	}
	var opts wiring.Options
	opts.BindFlags(flag.CommandLine)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine) // --zap-log-level and friends
	version := flag.Bool("version", false, "Print the version and commit, then exit.")
	flag.Parse()
	if *version {
		fmt.Printf("wfe-conditions %s (commit %s)\n", wiring.Version, wiring.Commit)
		return
	}
	// controller-runtime's and client-go's (klog) lines alike, as JSON.
	wiring.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	wiring.SetMemoryLimit(log)
	log.Info("Go garbage collection", "gcPercent", wiring.SetGCPercent(os.LookupEnv))

	cfg, err := ctrl.GetConfig() // --kubeconfig, $KUBECONFIG or in-cluster
	if err != nil {
		log.Error(err, "load kubeconfig")
		os.Exit(1)
	}
	mgr, err := wiring.New(cfg, opts)
	if err != nil {
		log.Error(err, "set up the manager")
		os.Exit(2)
	}
	log.Info("starting manager", "version", wiring.Version, "commit", wiring.Commit, "webhookPort", opts.WebhookPort, "leaderElect", opts.LeaderElect)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

// release runs the uninstall's subcommand: stop the manager, then release
// our finalizers and PipelineRuns.
func release(args []string) int {
	fs := flag.NewFlagSet(wiring.ReleaseCommand, flag.ExitOnError)
	var opts wiring.ReleaseOptions
	opts.BindFlags(fs)
	config.RegisterFlags(fs) // --kubeconfig, as the manager has
	zapOpts := zap.Options{}
	zapOpts.BindFlags(fs)
	_ = fs.Parse(args) // ExitOnError
	wiring.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName(wiring.ReleaseCommand)
	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "load kubeconfig")
		return 1
	}
	if err := wiring.Release(ctrl.SetupSignalHandler(), cfg, opts, log); err != nil {
		log.Error(err, "release")
		return 1
	}
	return 0
}
