//go:build tools

// Package tools pins the programs built on the Kubernetes libraries: the
// Kubernetes binaries the tests run (kube-apiserver and kubectl for every
// control plane; kubelet, kube-proxy, kube-controller-manager and
// kube-scheduler for the real node), kwok, which simulates the node and pods
// Tekton's TaskRuns run on, and Tekton's controller with the helpers it puts
// into TaskRun pods. One module gives them one version of every shared
// library, so a cold build compiles client-go and its kin once, not per tool.
package tools

import (
	_ "github.com/tektoncd/pipeline/cmd/controller"
	_ "github.com/tektoncd/pipeline/cmd/entrypoint"
	_ "github.com/tektoncd/pipeline/cmd/nop"
	_ "github.com/tektoncd/pipeline/cmd/sidecarlogresults"
	_ "github.com/tektoncd/pipeline/cmd/workingdirinit"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
