//go:build tools

// Package tools pins kwok, which simulates the node and pods Tekton's
// TaskRuns run on.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
