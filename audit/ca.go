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

package audit

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/go-logr/logr"
)

// caTransport verifies DataStorage with the CA file's current content, so a
// rotated CA bundle is used without a restart. Each request reads the file (a
// few KB; content, not mtime, so a rewrite within one clock tick is seen too)
// and, when it changed, switches to a transport whose RootCAs is the new
// bundle: crypto/tls does the verification, with no custom verifier. A file
// that cannot be read or holds no certificate keeps the previous bundle, never
// the system roots nor no verification; the failure is logged once and added
// to the error of any request that fails meanwhile.
type caTransport struct {
	path string
	log  logr.Logger

	mu sync.Mutex
	// loaded is the file content current verifies with.
	loaded  []byte
	current *http.Transport
	// failure says why the file's content is not in use; nil when it is.
	failure error
}

// newCATransport loads the CA file; at start a bad file is an error.
func newCATransport(path string, log logr.Logger) (*caTransport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read DataStorage CA file: %w", err)
	}
	pool, err := parseCA(path, data)
	if err != nil {
		return nil, err
	}
	return &caTransport{path: path, log: log, loaded: data, current: newTransport(pool)}, nil
}

func parseCA(path string, data []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("DataStorage CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// RoundTrip sends the request with the transport of the latest good bundle.
func (t *caTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, failure := t.transport()
	resp, err := rt.RoundTrip(req)
	if err != nil && failure != nil {
		return nil, fmt.Errorf("%w (verified with the previous CA bundle: %v)", err, failure)
	}
	return resp, err
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (t *caTransport) CloseIdleConnections() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.current.CloseIdleConnections()
}

// transport reloads the bundle when the file's content changed and returns
// the transport to use, with the reload failure if there is one.
func (t *caTransport) transport() (*http.Transport, error) {
	data, readErr := os.ReadFile(t.path)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case readErr != nil:
		t.fail(fmt.Errorf("read DataStorage CA file: %w", readErr))
	case bytes.Equal(data, t.loaded):
		t.failure = nil
	default:
		pool, err := parseCA(t.path, data)
		if err != nil {
			t.fail(err)
			break
		}
		// Connections verified with the old bundle are not reused.
		t.current.CloseIdleConnections()
		t.current, t.loaded, t.failure = newTransport(pool), data, nil
		t.log.Info("DataStorage CA file reloaded", "path", t.path)
	}
	return t.current, t.failure
}

// fail records a reload failure, logging it once per distinct failure.
func (t *caTransport) fail(err error) {
	if t.failure == nil || t.failure.Error() != err.Error() {
		t.log.Error(err, "DataStorage CA file not reloaded; verifying with the previous bundle")
	}
	t.failure = err
}
