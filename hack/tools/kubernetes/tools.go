//go:build tools

// Package tools pins the Kubernetes binaries the tests run: kube-apiserver and
// kubectl for every control plane, and the node's kubelet, kube-proxy,
// kube-controller-manager and kube-scheduler for the real-node layer.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
