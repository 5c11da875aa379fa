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

package reconciler

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/reference"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// maxEventNote is the API's limit on an Event's note, in bytes.
const maxEventNote = 1024

// Recorder writes events.k8s.io Events from a bounded queue. client-go's
// events broadcaster keeps a copy of every event for 6 to 12 minutes to build
// series; with 10,000 WorkflowExecutions that cache alone was a quarter of the
// manager's heap. Ours never form a series (one event per transition), so
// nothing is lost without it, and a full queue drops an event rather than
// grow memory while the apiserver is slow.
type Recorder struct {
	client     client.Client
	scheme     *runtime.Scheme
	controller string
	instance   string
	queue      chan *eventsv1.Event
	log        logr.Logger
}

var _ events.EventRecorder = &Recorder{}

// NewRecorder returns a Recorder reporting as controller; add it to the
// manager so that it sends.
func NewRecorder(c client.Client, scheme *runtime.Scheme, controller string, queueSize int, log logr.Logger) *Recorder {
	host, _ := os.Hostname()
	return &Recorder{client: c, scheme: scheme, controller: controller, instance: controller + "-" + host,
		queue: make(chan *eventsv1.Event, queueSize), log: log}
}

// Eventf implements events.EventRecorder.
func (r *Recorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	ref, err := reference.GetReference(r.scheme, regarding)
	if err != nil {
		r.log.Error(err, "event not recorded: no reference", "reason", reason)
		return
	}
	now := time.Now()
	e := &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", ref.Name, now.UnixNano()), Namespace: ref.Namespace},
		EventTime:           metav1.NewMicroTime(now),
		ReportingController: r.controller,
		ReportingInstance:   r.instance,
		Action:              action,
		Reason:              reason,
		Regarding:           *ref,
		Note:                wfev1.Truncate(fmt.Sprintf(note, args...), maxEventNote),
		Type:                eventtype,
	}
	if related != nil {
		if rel, err := reference.GetReference(r.scheme, related); err == nil {
			e.Related = rel
		}
	}
	select {
	case r.queue <- e:
	default:
		metricEventsDropped.WithLabelValues(causeQueueFull).Inc()
		r.log.Info("event dropped: queue full", "reason", reason, "regarding", ref.Namespace+"/"+ref.Name)
	}
}

// senders send events concurrently: one at a time could not keep up with a
// burst of transitions on a loaded apiserver (6,139 of 17,000 dropped at the
// 10,000 scale of make bench).
const senders = 8

// Start sends queued events until ctx ends; a failed send is retried twice.
func (r *Recorder) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case e := <-r.queue:
					r.send(ctx, e)
				}
			}
		})
	}
	wg.Wait()
	return nil
}

// Flush sends what is queued now, for a process about to end that never
// started the Recorder.
func (r *Recorder) Flush(ctx context.Context) {
	for {
		select {
		case e := <-r.queue:
			r.send(ctx, e)
		default:
			return
		}
	}
}

// NeedLeaderElection is false: whoever reconciles reports.
func (r *Recorder) NeedLeaderElection() bool { return false }

func (r *Recorder) send(ctx context.Context, e *eventsv1.Event) {
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
		if err = r.client.Create(ctx, e.DeepCopy()); err == nil || apierrors.IsAlreadyExists(err) {
			return
		}
	}
	metricEventsDropped.WithLabelValues(causeSendFailed).Inc()
	r.log.Info("event not recorded", "reason", e.Reason, "regarding", e.Regarding.Namespace+"/"+e.Regarding.Name, "error", err.Error())
}
