package audit

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// batchPath is DataStorage's batch endpoint.
const batchPath = "/api/v1/audit/events/batch"

// ClientOptions configure the DataStorage client.
type ClientOptions struct {
	// URL is DataStorage's base URL, e.g. https://data-storage.kubernaut-system:8443.
	URL string
	// TokenFile holds the bearer token; it is re-read when it changes.
	TokenFile string
	// CAFile verifies DataStorage's certificate; empty means the system roots.
	CAFile string
	// Timeout bounds one request.
	Timeout time.Duration
}

// Client posts batches of audit events to DataStorage.
type Client struct {
	url   string
	http  *http.Client
	token *tokenFile
}

// NewClient builds a client. TLS is 1.2 or newer.
func NewClient(o ClientOptions) (*Client, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read DataStorage CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("DataStorage CA file %s holds no PEM certificate", o.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsCfg
	transport.MaxIdleConnsPerHost = 4
	c := &Client{
		url:  strings.TrimRight(o.URL, "/"),
		http: &http.Client{Timeout: o.Timeout, Transport: transport},
	}
	if o.TokenFile != "" {
		c.token = &tokenFile{path: o.TokenFile}
	}
	return c, nil
}

// Send posts one batch. It returns nil when DataStorage acknowledged it (201,
// or 202 queued), else a *DeliveryError.
func (c *Client) Send(ctx context.Context, events []Event) error {
	body, err := json.Marshal(events)
	if err != nil {
		return &DeliveryError{Message: fmt.Sprintf("encode audit events: %v", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+batchPath, bytes.NewReader(body))
	if err != nil {
		return &DeliveryError{Message: fmt.Sprintf("build request: %v", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, application/problem+json")
	if c.token != nil {
		tok, err := c.token.read()
		if err != nil {
			return &DeliveryError{Retryable: true, Message: err.Error()}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Network errors and timeouts are retryable. The error names the URL
		// and the cause, never the request's headers.
		return &DeliveryError{Retryable: true, Message: fmt.Sprintf("POST %s: %v", batchPath, errors.Unwrap(err))}
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return parseResponse(resp.StatusCode, resp.Header.Get("Content-Type"), data)
}

// tokenFile reads a bearer token from a file and re-reads it when the file
// changes, as a projected service account token is rotated. client-go's
// cached file token source was considered and not taken: it re-reads at most
// once a minute (a replaced token would be refused meanwhile), keeps the old
// token silently when the file cannot be read (here that is a delivery error
// that says so), and fails at start when the file is not there yet.
type tokenFile struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	token   string
}

func (t *tokenFile) read() (string, error) {
	info, err := os.Stat(t.path)
	if err != nil {
		return "", fmt.Errorf("read DataStorage token file: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && info.ModTime().Equal(t.modTime) && info.Size() == t.size {
		return t.token, nil
	}
	data, err := os.ReadFile(t.path)
	if err != nil {
		return "", fmt.Errorf("read DataStorage token file: %w", err)
	}
	t.token, t.modTime, t.size = strings.TrimSpace(string(data)), info.ModTime(), info.Size()
	return t.token, nil
}
