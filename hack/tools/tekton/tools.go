//go:build tools

// Package tools pins Tekton's pipeline controller, run for real in the
// end-to-end tests and make dev, and the helpers it puts into TaskRun pods,
// packed as images for the real node.
package tools

import (
	_ "github.com/tektoncd/pipeline/cmd/controller"
	_ "github.com/tektoncd/pipeline/cmd/entrypoint"
	_ "github.com/tektoncd/pipeline/cmd/nop"
	_ "github.com/tektoncd/pipeline/cmd/sidecarlogresults"
	_ "github.com/tektoncd/pipeline/cmd/workingdirinit"
)
