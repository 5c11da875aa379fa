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

package certs_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/certs"
)

func TestTheServingCertificateVerifiesAgainstItsCA(t *testing.T) {
	b, err := certs.SelfSigned("127.0.0.1", "localhost", "webhook.system.svc")
	require.NoError(t, err)

	pair, err := tls.X509KeyPair(b.CertPEM, b.KeyPEM)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	require.NoError(t, err)

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(b.CAPEM))
	for _, name := range []string{"127.0.0.1", "localhost", "webhook.system.svc"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool})
		assert.NoError(t, err, name)
	}
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: "elsewhere.example", Roots: pool})
	assert.Error(t, err, "a name the certificate does not carry fails")

	block, _ := pem.Decode(b.CAPEM)
	ca, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.True(t, ca.IsCA)
}

func TestWriteFilesWritesTheThreeFilesPrivately(t *testing.T) {
	b, err := certs.SelfSigned("localhost")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "certs")
	require.NoError(t, b.WriteFiles(dir))
	for _, name := range []string{certs.CertFile, certs.KeyFile, certs.CAFile} {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), name)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3, "no temporary file is left behind")
}
