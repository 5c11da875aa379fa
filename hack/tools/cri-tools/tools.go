//go:build tools

// Package tools pins crictl, which removes the real node's pod sandboxes (and
// with them their network) when the node stops.
package tools

import _ "sigs.k8s.io/cri-tools/cmd/crictl"
