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

package main

import (
	"bytes"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// caBundle is Mozilla's root store (NSS) as PEM, from the Go module
// golang.org/x/crypto/x509roots/fallback: the version in go.mod decides the
// contents, so the image is reproducible and needs no host file. The manager
// needs it for HTTPS to the external DataStorage service.
//
// A root with a constraint (a distrust-after date) is left out: a PEM file
// cannot carry the constraint, and trusting the root without it would accept
// certificates Mozilla no longer accepts.
func caBundle() ([]byte, error) {
	var buf bytes.Buffer
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			return nil, fmt.Errorf("encoding a root certificate as PEM: %w", err)
		}
	}
	if buf.Len() == 0 {
		return nil, fmt.Errorf("the x509roots bundle has no unconstrained roots")
	}
	return buf.Bytes(), nil
}
