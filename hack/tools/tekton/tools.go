//go:build tools

// Package tools pins Tekton's pipeline controller, run for real in the
// end-to-end tests and make dev.
package tools

import _ "github.com/tektoncd/pipeline/cmd/controller"
