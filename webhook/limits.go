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

package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/semaphore"
)

// Limits of the webhook server. The apiserver is the only legitimate client;
// it sends one AdmissionReview per call with its Content-Length, all at once,
// and gives up after the registration's timeoutSeconds (3 s). Anything else
// (a body larger than the apiserver can send for an object that can be
// stored, a flood of large bodies, a client that trickles its body) is
// refused before it can grow the heap past the container's limit.
const (
	// maxObjectBytes is the largest WorkflowExecution that can be stored:
	// etcd refuses a write over its --max-request-bytes, 1.5 MiB by default,
	// and a custom resource is stored as the same JSON the webhook receives.
	// (The apiserver reads request bodies of up to 3 MiB, but an object over
	// 1.5 MiB fails at etcd whatever the webhook answers.)
	maxObjectBytes = 3 << 19

	// maxReviewBytes bounds the body of a request: an UPDATE review carries
	// object and oldObject, each at most maxObjectBytes, plus an envelope
	// (uid, kind, resource, userInfo with its groups and extra, options) that
	// is a few KiB; 1 MiB is left for it. The objects are embedded as raw
	// JSON, so they are not escaped a second time. 2 × 1.5 MiB + 1 MiB = 4 MiB.
	// A larger body is answered 413 without being read; with
	// failurePolicy=Ignore the apiserver then goes on without this webhook.
	maxReviewBytes = 4 << 20

	// minRequestWeight is what the smallest request costs in the decoding
	// budget: buffers, the decoded review and the response of even a tiny
	// review take a few KiB, and a floor keeps many tiny requests from
	// running unbounded.
	minRequestWeight = 16 << 10

	// smallReviewBytes separates the two budgets. A realistic review (a
	// WorkflowExecution of a few KiB, twice on /status, with managedFields)
	// is well under it, so a flood of large bodies never delays the
	// apiserver's ordinary calls.
	smallReviewBytes = 256 << 10

	// smallBudgetBytes is the budget of requests that declare at most
	// smallReviewBytes: 512 requests of the minimum weight, or 32 of the
	// largest small size, decode at once.
	smallBudgetBytes = 8 << 20

	// largeBudgetBytes is the budget of the larger requests (and of those
	// that declare no length): 3 maximal reviews decode at once. Decoding
	// takes about decodeHeapFactor times the body in heap, so both budgets
	// together hold at most (8 + 12) MiB × 6 = 120 MiB of heap, well under
	// the manager container's 256 MiB limit with the caches beside it.
	largeBudgetBytes = 12 << 20

	// decodeHeapFactor is the heap a request takes while it is decoded, in
	// multiples of its body: the body read whole (with the garbage of the
	// growing read buffer), the AdmissionReview decoded with copies of object
	// and oldObject, the handler's own partial decode, and the garbage the
	// collector has not reclaimed yet. Measured: a 4 MiB review allocates
	// 13 MiB, and three decoding at once keep 53 to 60 MiB in use
	// (TestABurstOfMaximalBodiesKeepsTheHeapBounded), 4.5 to 5 times their
	// bodies; 6 leaves a margin.
	decodeHeapFactor = 6

	// budgetWait is how long a request waits for budget before it is
	// answered 429: less than the apiserver's 3 s timeout, so that the
	// apiserver hears "busy" rather than nothing, and a request never blocks
	// forever.
	budgetWait = 2 * time.Second

	// readTimeout bounds reading the body once a request holds budget. The
	// apiserver sends the whole body at once, so it reads in milliseconds; a
	// slow-loris client that trickles its body holds its budget for at most
	// this long. It is above the 3 s webhook timeout so that a slow network
	// is never cut before the apiserver itself gives up.
	readTimeout = 5 * time.Second

	// writeTimeout bounds reading, decoding, handling and writing the answer
	// once a request holds budget (and writing a refusal before it does): a
	// client that does not read its answer cannot hold a connection and its
	// budget either.
	writeTimeout = 5 * time.Second
)

// limits are the numbers a limiter enforces; tests shorten the timeouts.
type limits struct {
	maxBody                  int64
	minWeight                int64
	smallBody                int64
	smallBudget, largeBudget int64
	wait, read, write        time.Duration
}

// defaultLimits are the limits of the webhook server.
func defaultLimits() limits {
	return limits{
		maxBody:     maxReviewBytes,
		minWeight:   minRequestWeight,
		smallBody:   smallReviewBytes,
		smallBudget: smallBudgetBytes,
		largeBudget: largeBudgetBytes,
		wait:        budgetWait,
		read:        readTimeout,
		write:       writeTimeout,
	}
}

// limiter bounds the size of request bodies, the bytes decoded at once and
// the time a request may take. One limiter serves every path of the server,
// so the budgets are the process's.
type limiter struct {
	limits
	small, large *semaphore.Weighted
}

func newLimiter(l limits) *limiter {
	if l.smallBody > l.smallBudget || l.maxBody > l.largeBudget || l.minWeight > l.smallBody {
		panic(fmt.Sprintf("webhook limits: a request's weight must fit its budget: %+v", l))
	}
	return &limiter{limits: l, small: semaphore.NewWeighted(l.smallBudget), large: semaphore.NewWeighted(l.largeBudget)}
}

// weigh returns the budget a request draws from and how much of it.
func (l *limiter) weigh(contentLength int64) (*semaphore.Weighted, int64) {
	switch {
	case contentLength < 0: // unknown length: assume the largest body
		return l.large, l.maxBody
	case contentLength <= l.smallBody:
		return l.small, max(contentLength, l.minWeight)
	default:
		return l.large, contentLength
	}
}

// wrap returns next behind the limits: a body over maxBody is refused with
// 413, a request that finds no budget within wait with 429, and reading and
// writing are bounded by deadlines.
func (l *limiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// Refusals too are written within a bounded time. The errors only
		// say that the writer has no connection (an in-memory recorder).
		_ = rc.SetWriteDeadline(time.Now().Add(l.wait + l.write))
		if r.ContentLength > l.maxBody {
			tooLarge(w, fmt.Sprintf("the AdmissionReview declares %d bytes; the webhook accepts at most %d (%s)",
				r.ContentLength, l.maxBody, whyMaxBody))
			return
		}
		budget, weight := l.weigh(r.ContentLength)
		ctx, cancel := context.WithTimeout(r.Context(), l.wait)
		err := budget.Acquire(ctx, weight)
		cancel()
		if err != nil {
			w.Header().Set("Retry-After", "1")
			size := "an AdmissionReview of unknown length"
			if r.ContentLength >= 0 {
				size = fmt.Sprintf("a %d-byte AdmissionReview", r.ContentLength)
			}
			http.Error(w, fmt.Sprintf("webhook busy: no room to decode %s within %s; retry later", size, l.wait),
				http.StatusTooManyRequests)
			return
		}
		defer budget.Release(weight)
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(l.read))
		_ = rc.SetWriteDeadline(now.Add(l.write))
		body := &watchedBody{ReadCloser: http.MaxBytesReader(w, r.Body, l.maxBody)}
		r.Body = body
		next.ServeHTTP(&bodyErrorWriter{ResponseWriter: w, body: body, limits: l.limits}, r)
	})
}

// watchedBody remembers why reading the body failed.
type watchedBody struct {
	io.ReadCloser
	err error
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && b.err == nil {
		b.err = err
	}
	return n, err
}

// bodyErrorWriter answers in HTTP terms when the body could not be read:
// 413 for a body over maxBody that declared no length, 408 for one that did
// not arrive before the read deadline. The admission handler would answer
// both with an AdmissionReview under 200; the answer it writes is dropped.
type bodyErrorWriter struct {
	http.ResponseWriter
	body     *watchedBody
	limits   limits
	answered bool
}

func (b *bodyErrorWriter) WriteHeader(code int) {
	if b.refused() {
		return
	}
	b.ResponseWriter.WriteHeader(code)
}

func (b *bodyErrorWriter) Write(p []byte) (int, error) {
	if b.refused() {
		return len(p), nil
	}
	return b.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (b *bodyErrorWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// refused writes the refusal once when reading the body failed, and reports
// whether it did.
func (b *bodyErrorWriter) refused() bool {
	err := b.body.err
	if err == nil {
		return false
	}
	if b.answered {
		return true
	}
	b.answered = true
	var tooBig *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooBig):
		tooLarge(b.ResponseWriter, fmt.Sprintf("the AdmissionReview is longer than the webhook's limit of %d bytes (%s)",
			b.limits.maxBody, whyMaxBody))
	case errors.As(err, &netErr) && netErr.Timeout():
		http.Error(b.ResponseWriter, fmt.Sprintf("request timeout: the AdmissionReview did not arrive within %s", b.limits.read),
			http.StatusRequestTimeout)
	default:
		http.Error(b.ResponseWriter, fmt.Sprintf("read the AdmissionReview: %v", err), http.StatusBadRequest)
	}
	return true
}

// whyMaxBody says where maxBody comes from, for the 413 answers.
const whyMaxBody = "an UPDATE review carries two objects of at most the 1.5 MiB etcd stores, and an envelope"

func tooLarge(w http.ResponseWriter, message string) {
	http.Error(w, "request body too large: "+message, http.StatusRequestEntityTooLarge)
}
