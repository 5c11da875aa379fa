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
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// heapBoundAboveBaseline is what a burst of 64 maximal bodies and a
// slow-loris client may add to the heap in use. The large budget lets
// 12 MiB of bodies decode at once, which holds 12 MiB × decodeHeapFactor =
// 72 MiB; the rest is margin for a collector that runs later on a machine
// with more CPUs (measured: 53 to 60 MiB on 2 CPUs).
const heapBoundAboveBaseline = 128 << 20

// limitedServer serves the real handlers behind lim over HTTP/1.1, with the
// timeouts of controller-runtime's webhook server and the instrumentation it
// wraps every webhook in (the limiter reaches the connection through it).
func limitedServer(t testing.TB, lim *limiter) *httptest.Server {
	mux := http.NewServeMux()
	inFlight := prometheus.NewGauge(prometheus.GaugeOpts{Name: "in_flight"})
	for path, h := range handlers(lim, nil) {
		mux.Handle(path, promhttp.InstrumentHandlerInFlight(inFlight, h))
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ReadHeaderTimeout = 32 * time.Second
	srv.Config.IdleTimeout = 90 * time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// limitsReview is an AdmissionReview as the apiserver sends it.
func limitsReview(op, subResource, object, oldObject string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{`+
		`"uid":"705ab4f5-6393-11e8-b7cc-42010a800002",`+
		`"kind":{"group":"workflowexecution.kubernaut.ai","version":"v1alpha1","kind":"WorkflowExecution"},`+
		`"resource":{"group":"workflowexecution.kubernaut.ai","version":"v1alpha1","resource":"workflowexecutions"},`+
		`"subResource":%q,"name":"restart-payment-api","namespace":"payment","operation":%q,`+
		`"userInfo":{"username":"system:serviceaccount:kubernaut-system:remediation-orchestrator","groups":["system:serviceaccounts","system:authenticated"]},`+
		`"object":%s,"oldObject":%s,"dryRun":false,"options":{"kind":"UpdateOptions","apiVersion":"meta.k8s.io/v1"}}}`,
		subResource, op, object, oldObject)
}

// limitsWE is a WorkflowExecution whose annotations carry padding bytes.
func limitsWE(padding int) string {
	return fmt.Sprintf(`{"apiVersion":"workflowexecution.kubernaut.ai/v1alpha1","kind":"WorkflowExecution",`+
		`"metadata":{"name":"restart-payment-api","namespace":"payment","generation":1,"annotations":{"note":%q}},`+
		`"spec":{"remediationRequestRef":{"kind":"RemediationRequest","name":"rr-payment-api-oomkilled","namespace":"payment"},`+
		`"workflowRef":{"workflowId":"increase-memory-and-restart","version":"v1.2.0","containerImage":"quay.io/kubernaut/workflows/increase-memory-and-restart:v1.2.0"},`+
		`"targetResource":"payment/deployment/payment-api","parameters":{"TARGET_NAMESPACE":"payment"}},`+
		`"status":{"phase":"Running","conditions":[{"type":"TektonPipelineCreated","status":"True","reason":"PipelineCreated",`+
		`"message":"created","lastTransitionTime":"2026-11-25T10:00:00Z","observedGeneration":1}]}}`,
		strings.Repeat("x", padding))
}

// smallReview is an ordinary /status call: a few KiB.
func smallReview() []byte {
	return limitsReview("UPDATE", "status", limitsWE(0), limitsWE(0))
}

// maximalReview is a /status review of size bytes (up to a few bytes less),
// its object and oldObject equally large.
func maximalReview(size int) []byte {
	envelope := len(limitsReview("UPDATE", "status", limitsWE(0), limitsWE(0)))
	pad := (size - envelope) / 2
	return limitsReview("UPDATE", "status", limitsWE(pad), limitsWE(pad))
}

// answer is what a client got: the status code and the body, or an error.
type answer struct {
	code int
	body string
	err  error
}

func post(ctx context.Context, client *http.Client, url string, body io.Reader, length int64) answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return answer{err: err}
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{code: resp.StatusCode, body: string(b), err: err}
}

// rawRequest sends head (request line and headers) and then body, and returns
// the status line and the body of the answer.
func rawRequest(t *testing.T, addr, head string, body []byte) (string, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, head)
	require.NoError(t, err)
	if body != nil {
		_, _ = conn.Write(body) // the server may answer and close first
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status, string(b)
}

// slowLoris declares a body of declared bytes and sends one byte of it every
// interval until the server answers or closes the connection; it reports
// what it got and when.
type slowLoris struct {
	start time.Time
	done  chan struct{}
	first string        // the answer's status line, if any
	after time.Duration // when the server answered or closed the connection
}

func startSlowLoris(t testing.TB, addr, path string, declared int, interval time.Duration) *slowLoris {
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	s := &slowLoris{start: time.Now(), done: make(chan struct{})}
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", path, declared)
	require.NoError(t, err)
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	go func() {
		defer close(s.done)
		line, _ := bufio.NewReader(conn).ReadString('\n')
		s.first = strings.TrimSpace(line)
		s.after = time.Since(s.start)
	}()
	return s
}

func TestTheLimitsFitTheLargestValidReviewAndTheWebhookTimeout(t *testing.T) {
	const webhookTimeout = 3 * time.Second // timeoutSeconds of the registrations in webhook.go
	largest := maximalReview(2*maxObjectBytes + 64<<10)
	tests := []struct {
		name string
		ok   bool
	}{
		{"an UPDATE review of two objects of the size etcd stores fits the body bound", len(largest) <= maxReviewBytes},
		{"the body bound leaves at least 512 KiB for the envelope", maxReviewBytes-2*maxObjectBytes >= 512<<10},
		{"a request waits for budget for less than the webhook timeout", budgetWait < webhookTimeout},
		{"the read deadline does not cut a body before the apiserver gives up", readTimeout > webhookTimeout},
		{"a maximal body fits the large budget", maxReviewBytes <= largeBudgetBytes},
		{"the largest small body fits the small budget", smallReviewBytes <= smallBudgetBytes},
		{"both budgets decoded at once stay under half the container's 256 MiB", (smallBudgetBytes+largeBudgetBytes)*decodeHeapFactor <= 128<<20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.True(t, tt.ok) })
	}
}

func TestTheLimiterAnswersInHTTPTerms(t *testing.T) {
	l := defaultLimits()
	l.read = 500 * time.Millisecond
	srv := limitedServer(t, newLimiter(l))
	addr := srv.Listener.Addr().String()
	small := smallReview()
	overBound := maximalReview(maxReviewBytes + 1024)
	head := func(length string) string {
		return "POST " + StatusPath + " HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\n" + length + "\r\n"
	}
	chunked := func(body []byte) []byte {
		return fmt.Appendf(nil, "%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	}
	tests := []struct {
		name       string
		head       string
		body       []byte
		wantStatus string
		wantBody   string
	}{
		{"an ordinary review is answered with its patch", head(fmt.Sprintf("Content-Length: %d\r\n", len(small))), small,
			"200 OK", `"patchType":"JSONPatch"`},
		{"a body that declares more than the bound is refused with 413 before it is sent",
			head(fmt.Sprintf("Content-Length: %d\r\n", maxReviewBytes+1)), nil,
			"413 Request Entity Too Large", fmt.Sprintf("declares %d bytes; the webhook accepts at most %d", maxReviewBytes+1, maxReviewBytes)},
		{"a body that declares a terabyte is refused with 413 at once", head("Content-Length: 1099511627776\r\n"), nil,
			"413 Request Entity Too Large", "request body too large"},
		{"a chunked body under the bound is answered like a declared one", head("Transfer-Encoding: chunked\r\n"), chunked(small),
			"200 OK", `"patchType":"JSONPatch"`},
		{"a chunked body over the bound is refused with 413 once the bound is read", head("Transfer-Encoding: chunked\r\n"), chunked(overBound),
			"413 Request Entity Too Large", fmt.Sprintf("longer than the webhook's limit of %d bytes", maxReviewBytes)},
		{"a body shorter than it declares is answered 408 at the read deadline", head(fmt.Sprintf("Content-Length: %d\r\n", len(small)+10)), small,
			"408 Request Timeout", "did not arrive within 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawRequest(t, addr, tt.head, tt.body)
			assert.Equal(t, tt.wantStatus, status)
			assert.Contains(t, body, tt.wantBody)
		})
	}
}

func TestARequestThatFindsNoBudgetIsAnswered429WithinTheWait(t *testing.T) {
	l := defaultLimits()
	l.wait = 200 * time.Millisecond
	lim := newLimiter(l)
	srv := limitedServer(t, lim)
	maximal := maximalReview(maxReviewBytes)
	tests := []struct {
		name string
		hold func() (release func())
		body []byte
	}{
		{"a maximal body while the large budget is spent", func() func() {
			require.True(t, lim.large.TryAcquire(largeBudgetBytes))
			return func() { lim.large.Release(largeBudgetBytes) }
		}, maximal},
		{"a small body while the small budget is spent", func() func() {
			require.True(t, lim.small.TryAcquire(smallBudgetBytes))
			return func() { lim.small.Release(smallBudgetBytes) }
		}, smallReview()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := tt.hold()
			start := time.Now()
			got := post(t.Context(), srv.Client(), srv.URL+StatusPath, bytes.NewReader(tt.body), int64(len(tt.body)))
			waited := time.Since(start)
			release()
			require.NoError(t, got.err)
			assert.Equal(t, http.StatusTooManyRequests, got.code)
			assert.Contains(t, got.body, "webhook busy: no room to decode")
			assert.Less(t, waited, l.wait+time.Second, "the request waited about the budget wait, not forever")

			again := post(t.Context(), srv.Client(), srv.URL+StatusPath, bytes.NewReader(tt.body), int64(len(tt.body)))
			require.NoError(t, again.err)
			assert.Equal(t, http.StatusOK, again.code, "once the budget is back the same request is served")
		})
	}
}

func TestASlowLorisIsCutOffByTheReadDeadlineAndStallsNoOne(t *testing.T) {
	l := defaultLimits()
	l.read = time.Second
	lim := newLimiter(l)
	srv := limitedServer(t, lim)
	addr := srv.Listener.Addr().String()
	// A small review and one for the large budget, small enough to be decoded
	// well within the read deadline even under the race detector.
	others := [][]byte{smallReview(), maximalReview(512 << 10)}
	tests := []struct {
		name     string
		declared int
	}{
		{"a slow-loris that declares a small body", 2 << 10},
		{"a slow-loris that declares a maximal body", maxReviewBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loris := startSlowLoris(t, addr, StatusPath, tt.declared, 20*time.Millisecond)
			time.Sleep(50 * time.Millisecond) // the slow-loris holds its budget now

			for _, body := range others {
				start := time.Now()
				got := post(t.Context(), srv.Client(), srv.URL+StatusPath, bytes.NewReader(body), int64(len(body)))
				require.NoError(t, got.err)
				assert.Equal(t, http.StatusOK, got.code, got.body)
				assert.Less(t, time.Since(start), l.read, "a %d-byte review is answered while the slow-loris still trickles", len(body))
			}

			select {
			case <-loris.done:
			case <-time.After(l.read + 2*time.Second):
				t.Fatal("the slow-loris was not cut off")
			}
			assert.Equal(t, "HTTP/1.1 408 Request Timeout", loris.first)
			assert.GreaterOrEqual(t, loris.after, l.read)
			assert.Less(t, loris.after, l.read+time.Second, "cut off at the read deadline")
			assert.Eventually(t, func() bool {
				ok := lim.small.TryAcquire(smallBudgetBytes) && lim.large.TryAcquire(largeBudgetBytes)
				if ok {
					lim.small.Release(smallBudgetBytes)
					lim.large.Release(largeBudgetBytes)
				}
				return ok
			}, time.Second, 10*time.Millisecond, "the slow-loris gave its budget back")
		})
	}
}

// heapSampler samples the heap in use every few milliseconds until stopped.
// It reads runtime/metrics, whose objects and unused heap classes add up to
// MemStats.HeapInuse: runtime.ReadMemStats stops the world, and every 2 ms
// on a small machine that slowed the burst down threefold.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
	n    int
}

func heapInuse(samples []metrics.Sample) uint64 {
	metrics.Read(samples)
	return samples[0].Value.Uint64() + samples[1].Value.Uint64()
}

func heapInuseSamples() []metrics.Sample {
	return []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
}

func sampleHeap(every time.Duration) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		samples := heapInuseSamples()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			h.peak = max(h.peak, heapInuse(samples))
			h.n++
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) finish() uint64 {
	close(h.stop)
	<-h.done
	return h.peak
}

func TestABurstOfMaximalBodiesKeepsTheHeapBounded(t *testing.T) {
	const burst = 64
	l := defaultLimits()
	l.read = time.Second
	srv := limitedServer(t, newLimiter(l))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: burst + 2}}
	t.Cleanup(client.CloseIdleConnections)
	maximal := maximalReview(maxReviewBytes) // one buffer, shared by every client
	small := smallReview()
	require.LessOrEqual(t, len(maximal), maxReviewBytes)
	require.Greater(t, len(maximal), maxReviewBytes-4<<10)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	require.InDelta(t, base.HeapInuse, heapInuse(heapInuseSamples()), 1<<20, "the sampler reads what MemStats.HeapInuse says")
	heap := sampleHeap(2 * time.Millisecond)
	start := time.Now()

	// The slow-loris declares a small body, so that the large budget is all
	// spent on decoding.
	loris := startSlowLoris(t, srv.Listener.Addr().String(), StatusPath, 64<<10, 20*time.Millisecond)
	answers := make([]answer, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			answers[i] = post(t.Context(), client, srv.URL+StatusPath, bytes.NewReader(maximal), int64(len(maximal)))
		})
	}
	var smallAnswer answer
	var smallTook, smallAt time.Duration
	wg.Go(func() {
		time.Sleep(20 * time.Millisecond) // in the middle of the burst
		smallAt = time.Since(start)
		smallAnswer = post(t.Context(), client, srv.URL+StatusPath, bytes.NewReader(small), int64(len(small)))
		smallTook = time.Since(start) - smallAt
	})
	wg.Wait()
	took := time.Since(start)
	peak := heap.finish()
	<-loris.done
	// The heap obtained from the system never shrinks (released pages stay
	// counted in it) and always holds the heap in use, so it bounds any peak
	// between two samples.
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	ceiling := int64(after.HeapSys) - int64(base.HeapInuse)

	codes := map[int]int{}
	for _, a := range answers {
		require.NoError(t, a.err)
		codes[a.code]++
		if a.code != http.StatusOK {
			assert.Equal(t, http.StatusTooManyRequests, a.code, a.body)
		}
	}
	above := int64(peak) - int64(base.HeapInuse)
	t.Logf("burst of %d maximal %d-byte reviews on %d CPUs: %s, answers %v; peak HeapInuse %d MiB above a %d MiB baseline "+
		"(%d samples), at most %d MiB between samples; a small review sent at %s was answered in %s; the slow-loris was cut off after %s",
		burst, len(maximal), runtime.GOMAXPROCS(0), took.Round(time.Millisecond), codes, above>>20, base.HeapInuse>>20,
		heap.n, ceiling>>20, smallAt.Round(time.Millisecond), smallTook.Round(time.Millisecond), loris.after.Round(time.Millisecond))

	assert.Less(t, above, int64(heapBoundAboveBaseline), "the heap in use stays bounded during the burst")
	assert.Less(t, ceiling, int64(heapBoundAboveBaseline), "the heap stays bounded between samples too")
	assert.Positive(t, codes[http.StatusOK], "the burst is served, not only refused")
	require.NoError(t, smallAnswer.err)
	assert.Equal(t, http.StatusOK, smallAnswer.code, smallAnswer.body)
	assert.Less(t, smallTook, budgetWait, "an ordinary review is not stalled by the burst: answered well within the apiserver's 3 s")
	assert.Equal(t, "HTTP/1.1 408 Request Timeout", loris.first)
}

// BenchmarkLimitedServe measures what the limiter adds to serving a small
// review: the same request through the bare admission webhook and through
// the limiter.
func BenchmarkLimitedServe(b *testing.B) {
	raw := smallReview()
	lim := newLimiter(defaultLimits())
	for name, h := range map[string]http.Handler{
		"bare":    &admission.Webhook{Handler: StatusHandler{}},
		"limited": handlers(lim, nil)[StatusPath],
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				req := httptest.NewRequestWithContext(b.Context(), http.MethodPost, StatusPath, bytes.NewReader(raw))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("answered %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
