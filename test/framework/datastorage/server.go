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

// Package datastorage is a DataStorage test server. It checks every request
// against the project's own description of the part of DataStorage's API the
// audit client uses (openapi.yaml, embedded; see its info for the upstream it
// follows), checks its own answers against the same description, records the
// audit events it receives, and can inject faults.
package datastorage

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// contract is the project's description of DataStorage's audit write API.
//
//go:embed openapi.yaml
var contract []byte

const problemJSON = "application/problem+json"

// ResponsePrefix starts the Invalid entries about the server's own answers,
// as opposed to the requests it received.
const ResponsePrefix = "test server response: "

// Fault is how the server misbehaves; the zero Fault is healthy.
//
// Which fault answers are checked against the contract: those that claim to
// be a problem (ContentType empty or application/problem+json) and whose body
// is JSON. A broken one of those (say, a problem without "title") is recorded
// in Invalid like a broken request. Any other answer is taken as deliberately
// off the contract and sent unchecked: a proxy's HTML error page (set
// ContentType "text/html"), a plain-text or truncated body.
type Fault struct {
	// Status, when set, answers every valid request with it and Problem as
	// body.
	Status  int
	Problem string
	// ContentType of that answer; empty means application/problem+json.
	ContentType string
	// Delay holds each answer back, e.g. beyond the client's timeout.
	Delay time.Duration
	// Drop closes the connection without answering.
	Drop bool
	// CommitFirst stores a valid batch before the Delay or Drop: the client
	// sees a failure though DataStorage holds the events (the case that makes
	// duplicates).
	CommitFirst bool
	// SearchStatus, when set, answers every search with it: the client cannot
	// tell whether an event is stored.
	SearchStatus int
	// Park is DataStorage with its database failing: a valid batch goes to
	// its dead-letter queue and is answered 202 with no event_ids (measured on
	// DataStorage built from kubernaut d5a4a870). Parked events are neither in
	// Events nor found by a search until WriteParked, as DataStorage's
	// dead-letter worker writes them later.
	Park bool
}

// Unavailable is DataStorage down behind its gateway: every valid request is
// answered 503 with its problem document, until SetFault(Fault{}).
var Unavailable = Fault{Status: 503,
	Problem: `{"type":"https://kubernaut.ai/problems/service-unavailable","title":"Service Unavailable","status":503}`}

// Received is one audit event the server acknowledged.
type Received struct {
	EventType     string `json:"event_type"`
	CorrelationID string `json:"correlation_id"`
	Namespace     string `json:"namespace"`
	EventData     struct {
		ExecutionName   string `json:"execution_name"`
		PipelineRunName string `json:"pipelinerun_name"`
		Phase           string `json:"phase"`
		CompletedAt     string `json:"completed_at"`
		FailureReason   string `json:"failure_reason"`
		FailureMessage  string `json:"failure_message"`
	} `json:"event_data"`
}

// Server is a running DataStorage test server.
type Server struct {
	URL string

	contract *validator
	listener net.Listener
	srv      *http.Server
	addr     string

	mu        sync.Mutex
	fault     Fault
	events    []Received
	raw       []json.RawMessage
	parked    []Received
	parkedRaw []json.RawMessage
	searches  int
	requests  int
	invalid   []string
	tokens    []string
	auth      func(token string) int
	now       func() time.Time
}

// Start serves on a free loopback port until Close.
func Start() (*Server, error) { return StartOn("127.0.0.1") }

// StartOn serves on a free port of the address host, e.g. the host's address
// that pods of the real node reach, until Close.
func StartOn(host string) (*Server, error) {
	v, err := newValidator()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, err
	}
	s := &Server{contract: v, listener: l, addr: l.Addr().String(), URL: "http://" + l.Addr().String()}
	s.serve()
	return s, nil
}

// StartTest starts a server and closes it when the test ends.
func StartTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
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

// SetAuth makes the server review each request's bearer token as DataStorage
// does with TokenReview and SubjectAccessReview (server_routes.go): review
// answers 0 to admit the token, 401 when it is rejected, 403 when its
// identity lacks get and create on services/data-storage-service. A nil
// review (the default) admits every request.
func (s *Server) SetAuth(review func(token string) int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = review
}

// SetClock sets the server's clock, which its timestamp window reads.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
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

// Parked returns the events answered 202 and not written yet.
func (s *Server) Parked() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.parked...)
}

// WriteParked stores the parked events, as DataStorage's dead-letter worker
// does once its database is back.
func (s *Server) WriteParked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events, s.raw = append(s.events, s.parked...), append(s.raw, s.parkedRaw...)
	s.parked, s.parkedRaw = nil, nil
}

// Requests is how many requests reached the handler.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Invalid lists every request that broke the contract, and every answer of
// this server that did (those start with ResponsePrefix); a test fails on any.
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
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	s.requests++
	f, review, now := s.fault, s.auth, s.now
	s.tokens = append(s.tokens, token)
	s.mu.Unlock()
	if now == nil {
		now = time.Now
	}

	body, ok := s.admit(w, r, review, token)
	if !ok {
		return
	}
	if r.Method == http.MethodGet {
		s.search(w, r, f)
		return
	}
	var in *openapi3filter.RequestValidationInput
	var created *answer
	if f.CommitFirst {
		// DataStorage stores the batch, and then its answer is lost.
		if in, created = s.store(w, r, body, now(), f.Park); created == nil {
			return
		}
	}
	if !delayOrDrop(w, r, f) {
		return
	}
	if created == nil {
		var err error
		if in, err = s.contract.request(r, body); err != nil {
			s.record(err.Error())
			s.reply(w, in, problem(http.StatusBadRequest, "Validation Error", err.Error()))
			return
		}
		if f.Status != 0 {
			s.reply(w, in, f.answer())
			return
		}
		if in, created = s.store(w, r, body, now(), f.Park); created == nil {
			return
		}
	}
	s.reply(w, in, *created)
}

// delayOrDrop applies the fault's Delay and Drop; false: no answer is due
// (the client went away, or the connection was dropped).
func delayOrDrop(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return false
		}
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
		return false
	}
	return true
}

// store checks a batch against the contract and DataStorage's rules and
// keeps its events, or parks them. It returns the 201 or 202 to send, or nil
// once it answered.
func (s *Server) store(w http.ResponseWriter, r *http.Request, body []byte, now time.Time, park bool) (*openapi3filter.RequestValidationInput, *answer) {
	in, err := s.contract.request(r, body)
	if err != nil {
		s.record(err.Error())
		s.reply(w, in, problem(http.StatusBadRequest, "Validation Error", err.Error()))
		return in, nil
	}
	if refusal := dataStorageRules(body, now); refusal != "" {
		s.reply(w, in, problem(http.StatusBadRequest, "Validation Error", refusal))
		return in, nil
	}
	var events []Received
	var raws []json.RawMessage
	_ = json.Unmarshal(body, &events) // the contract makes it an array of events
	_ = json.Unmarshal(body, &raws)
	s.mu.Lock()
	if park {
		s.parked, s.parkedRaw = append(s.parked, events...), append(s.parkedRaw, raws...)
		s.mu.Unlock()
		body202, _ := json.Marshal(map[string]any{"message": fmt.Sprintf("%d events queued for retry", len(events))})
		return in, &answer{status: http.StatusAccepted, contentType: "application/json", body: body202, check: true}
	}
	first := len(s.events)
	s.events = append(s.events, events...)
	s.raw = append(s.raw, raws...)
	s.mu.Unlock()
	ids := make([]string, len(events))
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", first+i)
	}
	body201, _ := json.Marshal(map[string]any{"event_ids": ids, "message": fmt.Sprintf("%d events created", len(events))})
	return in, &answer{status: http.StatusCreated, contentType: "application/json", body: body201, check: true}
}

// search answers queryAuditEvents: the stored events of a correlation id and
// event type, newest first, at most limit of them.
func (s *Server) search(w http.ResponseWriter, r *http.Request, f Fault) {
	in, err := s.contract.request(r, nil)
	if err != nil {
		s.record(err.Error())
		s.reply(w, in, problem(http.StatusBadRequest, "Validation Error", err.Error()))
		return
	}
	if f.SearchStatus != 0 {
		s.reply(w, in, problem(f.SearchStatus, http.StatusText(f.SearchStatus), "search unavailable"))
		return
	}
	q := r.URL.Query()
	limit := 50
	if l, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = l
	}
	s.mu.Lock()
	found := []json.RawMessage{}
	for i := len(s.events) - 1; i >= 0; i-- {
		if e := s.events[i]; e.CorrelationID == q.Get("correlation_id") && e.EventType == q.Get("event_type") {
			found = append(found, s.raw[i])
		}
	}
	s.searches++
	s.mu.Unlock()
	page := found[:min(limit, len(found))]
	body, _ := json.Marshal(map[string]any{"data": page,
		"pagination": map[string]any{"limit": limit, "offset": 0, "total": len(found), "has_more": len(found) > limit}})
	s.reply(w, in, answer{status: http.StatusOK, contentType: "application/json", body: body, check: true})
}

// Searches is how many searches the server answered.
func (s *Server) Searches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.searches
}

// admit applies what DataStorage checks before any handler: the token's
// review, then the body limit. It returns the body, or false once it answered.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, review func(string) int, token string) ([]byte, bool) {
	if review != nil {
		if status := review(token); status != 0 {
			s.reply(w, nil, generic(status))
			return nil, false
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, false
	}
	if len(body) > maxBody {
		s.reply(w, nil, generic(http.StatusRequestEntityTooLarge))
		return nil, false
	}
	return body, true
}

func (s *Server) record(broken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid = append(s.invalid, broken)
}

// answer is what the server is about to send.
type answer struct {
	status      int
	contentType string
	body        []byte
	// check: the answer claims to follow the contract, so it is checked.
	check bool
}

// reply checks the answer against the contract, when it claims to follow it,
// records it if it does not, and sends it either way.
func (s *Server) reply(w http.ResponseWriter, in *openapi3filter.RequestValidationInput, a answer) {
	if a.check {
		if err := s.contract.response(in, a.status, a.contentType, a.body); err != nil {
			s.record(fmt.Sprintf("%s%d %s: %v", ResponsePrefix, a.status, a.contentType, err))
		}
	}
	w.Header().Set("Content-Type", a.contentType)
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// answer is the fault's reply; see Fault for which ones are checked.
func (f Fault) answer() answer {
	ct := f.ContentType
	if ct == "" {
		ct = problemJSON
	}
	return answer{status: f.Status, contentType: ct, body: []byte(f.Problem),
		check: isProblem(ct) && json.Valid([]byte(f.Problem))}
}

func problem(status int, title, detail string) answer {
	body, _ := json.Marshal(map[string]any{
		"type": "https://kubernaut.ai/problems/validation-error", "title": title, "status": status, "detail": detail,
	})
	return answer{status: status, contentType: problemJSON, body: body, check: true}
}

func isProblem(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == problemJSON
}

// validator checks requests and answers against the embedded contract.
type validator struct {
	doc     *openapi3.T
	router  routers.Router
	options *openapi3filter.Options
}

func newValidator() (*validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(contract)
	if err != nil {
		return nil, fmt.Errorf("load the DataStorage contract: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the DataStorage contract is not valid OpenAPI: %w", err)
	}
	// kin-openapi checks no uuid format unless told to; the ids in a 201 are
	// uuids.
	doc.SetStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))
	router, err := legacy.NewRouter(doc) // no servers in the document: any host matches
	if err != nil {
		return nil, fmt.Errorf("route the DataStorage contract: %w", err)
	}
	return &validator{doc: doc, router: router, options: &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		// Messages name the path and the rule, without a dump of the schema.
		SchemaValidationOptions: append(doc.GetSchemaValidationOptions(), openapi3.DisableSchemaErrorDetails()),
	}}, nil
}

// request checks a request whose body was read into body. It returns the
// input to check the answer with, nil when the request matches no operation.
func (v *validator) request(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: no such operation in the contract: %w", r.Method, r.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: v.options}
	return in, openapi3filter.ValidateRequest(context.Background(), in)
}

// response checks an answer to the request in was made from. With no
// operation to look it up in (in is nil), the answer must be a problem.
func (v *validator) response(in *openapi3filter.RequestValidationInput, status int, contentType string, body []byte) error {
	if in == nil {
		return v.problem(contentType, body)
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 http.Header{"Content-Type": {contentType}},
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                v.options,
	})
}

func (v *validator) problem(contentType string, body []byte) error {
	if !isProblem(contentType) {
		return fmt.Errorf("content type %q is not %s", contentType, problemJSON)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("problem body is not JSON: %w", err)
	}
	schema := v.doc.Components.Schemas["RFC7807Problem"]
	if schema == nil || schema.Value == nil {
		return errors.New("the contract has no RFC7807Problem schema")
	}
	return schema.Value.VisitJSON(value, append(v.options.SchemaValidationOptions, openapi3.MultiErrors())...)
}
