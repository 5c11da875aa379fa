//go:build tools

// Package tools pins containerd, its runc shim and ctr (which imports the
// images the real-node layer builds) for the real-node layer.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
