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
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
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
	// It is re-read when its content changes.
	CAFile string
	// AllowInsecureToken lets the bearer token go over plain http://, where
	// anyone on the network path can read and replay it. Off by default.
	AllowInsecureToken bool
	// Timeout bounds one request.
	Timeout time.Duration
	// Log reports CA file reloads and reload failures; the zero value discards.
	Log logr.Logger
}

// Client posts batches of audit events to DataStorage.
type Client struct {
	url   string
	http  *http.Client
	token *tokenFile
}

// NewClient builds a client. TLS is 1.2 or newer. It refuses a token file
// with a plain http:// URL unless AllowInsecureToken is set.
func NewClient(o ClientOptions) (*Client, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		// url.Parse's error quotes the whole URL, credentials included.
		return nil, errors.New("DataStorage URL does not parse (not shown: it may hold credentials)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("DataStorage URL %s: want an http:// or https:// URL", u.Redacted())
	}
	if u.Scheme == "http" && o.TokenFile != "" && !o.AllowInsecureToken {
		return nil, fmt.Errorf("DataStorage URL %s is plain http and a token file is set: anyone on the network path "+
			"could read the bearer token and replay it; use https, or accept the risk with --datastorage-allow-insecure-token", u.Redacted())
	}
	var transport http.RoundTripper = newTransport(nil)
	if o.CAFile != "" {
		ca, err := newCATransport(o.CAFile, o.Log)
		if err != nil {
			return nil, err
		}
		transport = ca
	}
	c := &Client{
		url: strings.TrimRight(o.URL, "/"),
		http: &http.Client{
			Timeout:   o.Timeout,
			Transport: transport,
			// Never follow a redirect: it would carry the bearer token to
			// another location, and a 303 would turn the POST into a GET. The
			// 3xx answer comes back as is and Send makes it a DeliveryError.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if o.TokenFile != "" {
		c.token = &tokenFile{path: o.TokenFile}
	}
	return c, nil
}

// newTransport is the client's transport; a nil pool means the system roots.
func newTransport(pool *x509.CertPool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	t.MaxIdleConnsPerHost = 4
	return t
}

// Send posts one batch. It returns nil when DataStorage acknowledged it (201,
// or 202 queued), else a *DeliveryError.
func (c *Client) Send(ctx context.Context, events []Event) error {
	now := time.Now()
	stamped := make([]Event, len(events))
	for i, e := range events {
		stamped[i] = e
		if !e.at.IsZero() {
			stamped[i].EventTimestamp = sendTimestamp(e.at, now)
		}
	}
	body, err := json.Marshal(stamped)
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
		var op *net.OpError
		dialed := !errors.As(err, &op) || op.Op != "dial"
		return &DeliveryError{Retryable: true, Ambiguous: dialed, Message: fmt.Sprintf("POST %s: %v", batchPath, errors.Unwrap(err))}
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "" {
		return redirectError(resp)
	}
	if resp.StatusCode == http.StatusUnauthorized && c.token != nil {
		c.token.invalidate() // read the file again before the retry
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return parseResponse(resp.StatusCode, resp.Header.Get("Content-Type"), data)
}

// searchPath is DataStorage's audit event search (queryAuditEvents).
const searchPath = "/api/v1/audit/events"

// searchLimit is the page the search asks for: one correlation id's events
// of one type are far fewer.
const searchLimit = 1000

// Held says whether DataStorage already stores e: an event of its type and
// correlation id with its namespace, execution name and PipelineRun name. An
// error means the search could not tell.
func (c *Client) Held(ctx context.Context, e Event) (bool, error) {
	q := url.Values{"correlation_id": {e.CorrelationID}, "event_type": {e.EventType}, "limit": {strconv.Itoa(searchLimit)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+searchPath+"?"+q.Encode(), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if c.token != nil {
		tok, err := c.token.read()
		if err != nil {
			return false, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false, fmt.Errorf("GET %s: %w", searchPath, errors.Unwrap(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET %s: DataStorage answered %d %s", searchPath, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var page struct {
		Data []struct {
			Namespace *string `json:"namespace"`
			EventData struct {
				ExecutionName   string `json:"execution_name"`
				PipelineRunName string `json:"pipelinerun_name"`
			} `json:"event_data"`
		} `json:"data"`
		Pagination struct {
			HasMore bool `json:"has_more"`
		} `json:"pagination"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&page); err != nil {
		return false, fmt.Errorf("GET %s: %w", searchPath, err)
	}
	for _, d := range page.Data {
		if d.Namespace != nil && e.Namespace != nil && *d.Namespace == *e.Namespace &&
			d.EventData.ExecutionName == e.EventData.ExecutionName && d.EventData.PipelineRunName == e.EventData.PipelineRunName {
			return true, nil
		}
	}
	if page.Pagination.HasMore {
		return false, fmt.Errorf("GET %s: more than %d events of %s for %s", searchPath, searchLimit, e.EventType, e.CorrelationID)
	}
	return false, nil
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

// invalidate makes the next read take the file's content, changed or not.
func (t *tokenFile) invalidate() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token = ""
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
