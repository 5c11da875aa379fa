// Package datastorage is a DataStorage test server: it validates every request
// against DataStorage's published OpenAPI contract, records the audit events
// it receives, and can inject faults.
package datastorage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Fault is how the server misbehaves; the zero Fault is healthy.
type Fault struct {
	// Status, when set, answers every request with it (and Problem as body).
	Status  int
	Problem string
	// Delay holds each answer back, e.g. beyond the client's timeout.
	Delay time.Duration
	// Drop closes the connection without answering.
	Drop bool
}

// Received is one audit event the server acknowledged.
type Received struct {
	EventType     string `json:"event_type"`
	CorrelationID string `json:"correlation_id"`
	EventData     struct {
		ExecutionName string `json:"execution_name"`
		Phase         string `json:"phase"`
	} `json:"event_data"`
}

// Server is a running DataStorage test server.
type Server struct {
	URL string

	router   routers.Router
	listener net.Listener
	srv      *http.Server
	addr     string

	mu       sync.Mutex
	fault    Fault
	events   []Received
	requests int
	invalid  []string
	tokens   []string
}

// ContractPath is DataStorage's contract beside the repository.
func ContractPath(repoRoot string) string {
	return filepath.Join(repoRoot, "..", "shared", "contracts", "data-storage-v1.yaml")
}

// Start serves on a free loopback port until Close.
func Start(contract string) (*Server, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(contract)
	if err != nil {
		return nil, fmt.Errorf("load DataStorage contract: %w", err)
	}
	doc.Servers = nil // match any host: the server runs on a loopback port
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route DataStorage contract: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{router: router, listener: l, addr: l.Addr().String(), URL: "http://" + l.Addr().String()}
	s.serve()
	return s, nil
}

func (s *Server) serve() {
	s.srv = &http.Server{Handler: http.HandlerFunc(s.handle), ReadHeaderTimeout: 5 * time.Second}
	go func(srv *http.Server, l net.Listener) { _ = srv.Serve(l) }(s.srv, s.listener)
}

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

// Refuse stops listening, so that connections are refused, until Resume.
func (s *Server) Refuse() { _ = s.srv.Close() }

// Resume listens again on the same address after Refuse.
func (s *Server) Resume() error {
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.listener = l
	s.serve()
	return nil
}

// SetFault switches the server's behaviour.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// Events returns the events acknowledged so far.
func (s *Server) Events() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.events...)
}

// Requests is how many requests reached the handler.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Invalid lists every request that broke the contract; a test fails on any.
func (s *Server) Invalid() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.invalid...)
}

// Tokens lists the bearer tokens requests carried, in order.
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.tokens...)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	f := s.fault
	s.tokens = append(s.tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	s.mu.Unlock()

	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
		return
	}
	if err := s.validate(r, body); err != nil {
		s.mu.Lock()
		s.invalid = append(s.invalid, err.Error())
		s.mu.Unlock()
		problem(w, http.StatusBadRequest, "Validation Error", err.Error())
		return
	}
	if f.Status != 0 {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Problem)
		return
	}
	var events []Received
	if strings.HasSuffix(r.URL.Path, "/batch") {
		_ = json.Unmarshal(body, &events)
	} else {
		var one Received
		_ = json.Unmarshal(body, &one)
		events = []Received{one}
	}
	s.mu.Lock()
	s.events = append(s.events, events...)
	s.mu.Unlock()
	ids := make([]string, len(events))
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"event_ids": ids, "message": fmt.Sprintf("%d events created", len(events))})
}

// validate checks the request against the contract.
func (s *Server) validate(r *http.Request, body []byte) error {
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return fmt.Errorf("%s %s: no such operation in the contract: %w", r.Method, r.URL.Path, err)
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError: true,
			// The bearer token is checked by the tests that care about it.
			AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
		},
	})
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "https://kubernaut.ai/problems/validation-error", "title": title, "status": status, "detail": detail,
	})
}

// StartTest starts a server with the contract beside the repository and
// closes it when the test ends.
func StartTest(t testing.TB, repoRoot string) *Server {
	t.Helper()
	s, err := Start(ContractPath(repoRoot))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
