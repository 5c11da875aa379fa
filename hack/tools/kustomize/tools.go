//go:build tools

// Package tools pins kustomize, which renders the install manifests.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
