//go:build tools

// Package tools pins crd-ref-docs, which generates the API reference from the
// Go types.
package tools

import _ "github.com/elastic/crd-ref-docs"
