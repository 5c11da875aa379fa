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
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// Sender posts one batch of events; *Client is the real one.
type Sender interface {
	Send(ctx context.Context, events []Event) error
}

// Options tune batching, the queue and retries.
type Options struct {
	// BatchSize is the most events one request carries.
	BatchSize int
	// FlushInterval is the longest an event waits for a batch to fill.
	FlushInterval time.Duration
	// QueueSize bounds how many WorkflowExecutions' events wait to be sent.
	QueueSize int
	// MinBackoff and MaxBackoff bound the wait between retries.
	MinBackoff, MaxBackoff time.Duration
}

// item is one WorkflowExecution's unacknowledged events, sent together and in
// order, so that started is never acknowledged after completed.
type item struct {
	key    types.NamespacedName
	uid    types.UID
	types  []string
	events []Event
	queued time.Time
	// size is the events' encoded size, for batches under DataStorage's
	// body limit.
	size int
}

// State is what the delivery knows of one WorkflowExecution's events.
type State struct {
	// Acknowledged are events DataStorage acknowledged that the status does not
	// record yet.
	Acknowledged []string
	// Err is the latest failure, until a later delivery succeeds.
	Err *DeliveryError
	// Final says Err will not be retried in this process.
	Final bool
	// refused are the events DataStorage refused for good; they are not offered
	// again in this process (no hot retry loop on a bad payload).
	refused []string
}

// Delivery queues, batches, sends and retries audit events, and calls Notify
// with the WorkflowExecution of every result.
type Delivery struct {
	sender Sender
	opts   Options
	notify func(types.NamespacedName)
	log    logr.Logger
	queue  chan item

	// Keyed by UID, never by name: a WorkflowExecution re-created under an
	// old name is another execution, with its own events.
	mu       sync.Mutex
	inFlight map[types.UID]map[string]bool
	states   map[types.UID]*State
}

// NewDelivery builds a delivery; run it with Start.
func NewDelivery(sender Sender, opts Options, notify func(types.NamespacedName), log logr.Logger) *Delivery {
	return &Delivery{
		sender: sender, opts: opts, notify: notify, log: log,
		queue:    make(chan item, opts.QueueSize),
		inFlight: map[types.UID]map[string]bool{},
		states:   map[types.UID]*State{},
	}
}

// Offer queues the WorkflowExecution's pending events (in order) that are not
// already on their way, acknowledged, or failed for good. It returns false when
// the queue is full: the events stay unacknowledged and are offered again later.
func (d *Delivery) Offer(we *wfev1.WorkflowExecution, pending []string) bool {
	key, uid := types.NamespacedName{Namespace: we.Namespace, Name: we.Name}, we.UID
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.states[uid]
	var send []string
	for _, t := range pending {
		if d.inFlight[uid][t] || (st != nil && (slices.Contains(st.Acknowledged, t) || slices.Contains(st.refused, t))) {
			continue
		}
		send = append(send, t)
	}
	if len(send) == 0 {
		return true
	}
	it := item{key: key, uid: uid, types: send, queued: time.Now()}
	for _, t := range send {
		it.events = append(it.events, buildEvent(we, t))
	}
	if data, err := json.Marshal(it.events); err == nil {
		it.size = len(data)
	}
	select {
	case d.queue <- it:
	default:
		metricQueueFull.Inc()
		return false
	}
	if d.inFlight[uid] == nil {
		d.inFlight[uid] = map[string]bool{}
	}
	for _, t := range send {
		d.inFlight[uid][t] = true
	}
	metricQueueDepth.Set(float64(len(d.queue)))
	return true
}

// State returns a copy of what the delivery knows of the WorkflowExecution.
func (d *Delivery) State(uid types.UID) State {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := d.states[uid]; st != nil {
		return State{Acknowledged: append([]string(nil), st.Acknowledged...), Err: st.Err, Final: st.Final}
	}
	return State{}
}

// Recorded forgets acknowledgements the status now records.
func (d *Delivery) Recorded(uid types.UID, recorded []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.states[uid]
	if st == nil {
		return
	}
	var keep []string
	for _, t := range st.Acknowledged {
		if !slices.Contains(recorded, t) {
			keep = append(keep, t)
		}
	}
	st.Acknowledged = keep
	if len(keep) == 0 && st.Err == nil && len(st.refused) == 0 {
		delete(d.states, uid)
	}
}

// Forget drops all state of a deleted WorkflowExecution, in flight included:
// a batch still on its way settles without recording anything for it.
func (d *Delivery) Forget(uid types.UID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.states, uid)
	delete(d.inFlight, uid)
}

// Start sends batches until ctx ends. Events still queued then are not lost:
// the status does not record them, so the next process sends them.
func (d *Delivery) Start(ctx context.Context) error {
	ticker := time.NewTicker(d.opts.FlushInterval)
	defer ticker.Stop()
	var batch []item
	count, size := 0, 0
	flush := func() {
		if len(batch) > 0 {
			d.deliver(ctx, batch, false)
			batch, count, size = nil, 0, 0
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case it := <-d.queue:
			metricQueueDepth.Set(float64(len(d.queue)))
			if count+len(it.events) > d.opts.BatchSize || size+it.size > maxBatchBytes {
				flush()
			}
			batch = append(batch, it)
			count, size = count+len(it.events), size+it.size
			if count >= d.opts.BatchSize {
				flush()
			}
		case <-ticker.C:
			flush()
		}
	}
}

// DataStorage answers 413 to a body over 5 MiB; a batch stays under
// maxBatchBytes, unless one WorkflowExecution's events alone are larger.
const maxBatchBytes = 4 << 20

// splitAfter is how many retryable failures in a row split a batch in halves.
const splitAfter = 3

// NeedLeaderElection is false: only the leader offers events, but a replica
// that just lost the lead still finishes what it has.
func (d *Delivery) NeedLeaderElection() bool { return false }

// deliver sends one batch until DataStorage acknowledges it, it fails for
// good, or ctx ends. Every result is reported to each WorkflowExecution in it.
func (d *Delivery) deliver(ctx context.Context, batch []item, ambiguous bool) {
	// Each wait is drawn from the upper half of a doubling step between
	// MinBackoff and MaxBackoff, so that batches failing together spread out.
	backoff := wait.Backoff{Duration: d.opts.MinBackoff / 2, Factor: 2, Jitter: 1, Steps: math.MaxInt32, Cap: d.opts.MaxBackoff / 2}
	var lastMsg string
	failures := 0
	for {
		if ambiguous {
			// The last attempt may have been stored: never send what is.
			if batch = d.resolve(ctx, batch); len(batch) == 0 {
				return
			}
		}
		var events []Event
		for _, it := range batch {
			events = append(events, it.events...)
		}
		start := time.Now()
		metricSent.Add(float64(len(events)))
		err := d.sender.Send(ctx, events)
		metricLatency.Observe(time.Since(start).Seconds())
		if err == nil {
			metricAcked.Add(float64(len(events)))
			d.settle(batch, nil)
			return
		}
		var de *DeliveryError
		if !errors.As(err, &de) {
			de = &DeliveryError{Retryable: true, Message: err.Error()}
		}
		metricFailed.WithLabelValues(de.Reason()).Add(float64(len(events)))
		failures++
		ambiguous = de.Ambiguous
		if len(batch) > 1 && (!de.Retryable || failures >= splitAfter) {
			// One bad or heavy payload must not hold the others: send the
			// halves apart, down to one WorkflowExecution's events.
			d.deliver(ctx, batch[:len(batch)/2], ambiguous)
			d.deliver(ctx, batch[len(batch)/2:], ambiguous)
			return
		}
		if !de.Retryable {
			d.log.Info("DataStorage refused an audit event for good", "workflowExecution", batch[0].key.String(), "error", de.Message)
			d.settle(batch, de)
			return
		}
		next := backoff.Step()
		if de.Message != lastMsg {
			// Tell the WorkflowExecutions once per distinct error, not per retry.
			d.log.Info("audit delivery failed; retrying", "events", len(events), "error", de.Message, "backoff", next.String())
			d.report(batch, de)
			lastMsg = de.Message
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(next):
		}
	}
}

// Searcher asks DataStorage whether it already stores an event; *Client is
// the real one. A Sender without it resends after an ambiguous failure.
type Searcher interface {
	Held(ctx context.Context, e Event) (bool, error)
}

// resolve asks DataStorage, after an ambiguous failure, which events of the
// batch it already stores: those are acknowledged, the rest is returned to
// be sent again. DataStorage never removes duplicates, and a search decides
// only when it finds the event: one DataStorage answered 202 (parked in its
// dead-letter queue, written later) is not found yet. So every event sent
// again is counted as a possible duplicate.
func (d *Delivery) resolve(ctx context.Context, batch []item) []item {
	searcher, ok := d.sender.(Searcher)
	var resend []item
	for _, it := range batch {
		var held []string
		rest := item{key: it.key, uid: it.uid, queued: it.queued, size: it.size}
		for i, e := range it.events {
			found, err := false, errors.New("DataStorage cannot be searched")
			if ok {
				found, err = searcher.Held(ctx, e)
			}
			if err == nil && found {
				held = append(held, it.types[i])
				continue
			}
			if ctx.Err() == nil {
				metricPossibleDuplicates.Inc()
			}
			rest.types, rest.events = append(rest.types, it.types[i]), append(rest.events, e)
		}
		if len(held) > 0 {
			metricResolved.Add(float64(len(held)))
			d.settle([]item{{key: it.key, uid: it.uid, types: held}}, nil)
		}
		if len(rest.types) > 0 {
			resend = append(resend, rest)
		}
	}
	return resend
}

// report records a retryable failure without ending the delivery.
func (d *Delivery) report(batch []item, err *DeliveryError) {
	d.mu.Lock()
	var live []item
	for _, it := range batch {
		if d.inFlight[it.uid] != nil {
			d.state(it.uid).Err = err
			live = append(live, it)
		}
	}
	d.mu.Unlock()
	for _, it := range live {
		d.notify(it.key)
	}
}

// settle ends a delivery: acknowledged (err nil) or failed for good.
func (d *Delivery) settle(batch []item, err *DeliveryError) {
	d.mu.Lock()
	var live []item
	for _, it := range batch {
		if !d.owns(it) {
			continue // forgotten meanwhile: its WorkflowExecution is gone
		}
		live = append(live, it)
		st := d.state(it.uid)
		st.Err, st.Final = err, err != nil
		if err == nil {
			st.Acknowledged = append(st.Acknowledged, it.types...)
		} else {
			st.refused = append(st.refused, it.types...)
		}
		for _, t := range it.types {
			delete(d.inFlight[it.uid], t)
		}
		if len(d.inFlight[it.uid]) == 0 {
			delete(d.inFlight, it.uid)
		}
	}
	d.mu.Unlock()
	for _, it := range live {
		d.notify(it.key)
	}
}

// owns says whether the item's events are still in flight for its UID, that
// is, not forgotten since they were offered.
func (d *Delivery) owns(it item) bool {
	for _, t := range it.types {
		if !d.inFlight[it.uid][t] {
			return false
		}
	}
	return true
}

func (d *Delivery) state(uid types.UID) *State {
	st := d.states[uid]
	if st == nil {
		st = &State{}
		d.states[uid] = st
	}
	return st
}
