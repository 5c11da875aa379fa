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

// Package certs makes a self-signed CA and a serving certificate signed by it,
// for the webhook server in local runs and tests.
package certs

import (
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"k8s.io/client-go/util/cert"
)

// File names in the certificate folder, as controller-runtime's webhook server
// and cert-manager's Secrets name them.
const (
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
	CAFile   = "ca.crt"
)

// Bundle is a serving certificate, its key and the CA that signed it.
type Bundle struct {
	CertPEM []byte
	KeyPEM  []byte
	CAPEM   []byte
}

// SelfSigned makes a fresh CA and a serving certificate for the given host
// names and IP addresses, valid for a year.
func SelfSigned(host string, hosts ...string) (*Bundle, error) {
	var ips []net.IP
	var dns []string
	for _, h := range append([]string{host}, hosts...) {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, h)
		}
	}
	chain, key, err := cert.GenerateSelfSignedCertKey(host, ips, dns)
	if err != nil {
		return nil, fmt.Errorf("generate self-signed certificate for %s: %w", host, err)
	}
	// The chain is the serving certificate followed by its CA.
	leaf, rest := pem.Decode(chain)
	if leaf == nil || len(rest) == 0 {
		return nil, fmt.Errorf("generate self-signed certificate for %s: unexpected chain", host)
	}
	return &Bundle{CertPEM: pem.EncodeToMemory(leaf), KeyPEM: key, CAPEM: rest}, nil
}

// WriteFiles writes tls.crt, tls.key and ca.crt into dir. Each file is replaced
// by a rename, so a server watching the folder never reads half a file.
func (b *Bundle) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create certificate folder: %w", err)
	}
	for name, data := range map[string][]byte{KeyFile: b.KeyPEM, CertFile: b.CertPEM, CAFile: b.CAPEM} {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("install %s: %w", name, err)
		}
	}
	return nil
}
