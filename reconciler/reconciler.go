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

// Package reconciler holds the WorkflowExecution reconciler and the pure
// functions that decide a WorkflowExecution's status.
package reconciler

import (
	"context"
	"errors"
	"fmt"
	"time"

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// conflictRetryDelay spaces a recompute after an optimistic-lock conflict; the
// newer version's watch event usually gets there first.
const conflictRetryDelay = 100 * time.Millisecond

// Reconciler keeps a WorkflowExecution's status true to its PipelineRun. It is
// the only writer of condition values.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the apiserver.
	Client client.Client
	// APIReader reads from the apiserver directly, for the rare reads the cache
	// must not answer (a PipelineRun the cache has not seen yet, TaskRuns).
	APIReader client.Reader
	Recorder  events.EventRecorder
	Options   PipelineRunOptions
	// Policy reads the current execution policy; nil means Options'
	// execution namespace, the default ServiceAccount and any bundle.
	Policy PolicySource
	// Audit delivers lifecycle audit events; nil means auditing is off.
	Audit Auditor
	// AuditResults carries delivery results back into the reconciler's queue.
	AuditResults <-chan event.GenericEvent
	// AuditDeletionGrace bounds how long a deleted WorkflowExecution waits for
	// its due audit events; 0 is DefaultAuditDeletionGrace.
	AuditDeletionGrace time.Duration
	// Retention deletes finished runs' PipelineRuns; zero keeps them.
	Retention Retention
	// Now is the clock; tests may replace it.
	Now func() time.Time

	written writes
	refused refusals
	waits   waits
	// pipelineRunSeen and created start the two latency measurements.
	pipelineRunSeen seen
	created         seen
}

// +kubebuilder:rbac:groups=workflowexecution.kubernaut.ai,resources=workflowexecutions,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=workflowexecution.kubernaut.ai,resources=workflowexecutions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=workflowexecution.kubernaut.ai,resources=workflowexecutions/finalizers,verbs=update
// +kubebuilder:rbac:groups=tekton.dev,resources=pipelineruns,verbs=get;list;watch;create;delete;patch
// +kubebuilder:rbac:groups=tekton.dev,resources=taskruns,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create

// PolicySource reads the current execution policy.
type PolicySource interface {
	ExecutionPolicy(ctx context.Context) (wfev1.ExecutionPolicy, error)
}

func (r *Reconciler) policy(ctx context.Context) (wfev1.ExecutionPolicy, error) {
	if r.Policy == nil {
		return wfev1.ExecutionPolicy{ExecutionNamespace: r.Options.ExecutionNamespace}, nil
	}
	return r.Policy.ExecutionPolicy(ctx)
}

// forget drops what the reconciler remembers of a deleted WorkflowExecution.
func (r *Reconciler) forget(key types.NamespacedName) {
	r.written.forget(key)
	r.refused.forget(key)
	r.waits.forget(key)
	r.pipelineRunSeen.forget(key)
	r.created.forget(key)
}

// forgetAudit drops the audit delivery's state of a deleted WorkflowExecution.
// It runs on the delete event, which carries the UID: a NotFound read does
// not, and forgetting by name would touch a WorkflowExecution re-created under
// the same name.
func (r *Reconciler) forgetAudit(uid types.UID) {
	if r.Audit != nil {
		r.Audit.Forget(uid)
	}
}

// Reconcile computes the WorkflowExecution's status from its PipelineRun and
// writes it when, and only when, it differs from the stored one.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	we := &wfev1.WorkflowExecution{}
	if err := r.Client.Get(ctx, req.NamespacedName, we); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.written.stale(req.NamespacedName, we.ResourceVersion) {
		// Our last write replaced this version; its watch event will be here
		// soon and brings another reconcile.
		return ctrl.Result{}, nil
	}
	if !we.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, we)
	}
	desired := we.DeepCopy()
	// First visit: the four conditions as Unknown, before anything else.
	if len(wfev1.MissingConditions(we.Status.Conditions, we.Generation)) > 0 || we.Status.Phase == "" {
		initializeStatus(desired)
		if r.Audit == nil {
			r.observeAudit(desired) // says AuditDisabled at once
		}
		res, err := r.writeStatus(ctx, we, desired)
		if err == nil && res.RequeueAfter == 0 {
			t, ok := r.created.take(req.NamespacedName)
			observeSince(metricInitialLatency, t, ok)
		}
		return res, err
	}
	r.created.forget(req.NamespacedName) // initialized before this process saw it created
	if wrote, err := r.syncFinalizers(ctx, we); wrote || err != nil {
		return ctrl.Result{}, err
	}
	return r.advance(ctx, we, desired)
}

// syncFinalizers adds ours in one write before the PipelineRun is created,
// and removes the audit one once the record is whole. It says whether it
// wrote: the write's event brings the next visit.
func (r *Reconciler) syncFinalizers(ctx context.Context, we *wfev1.WorkflowExecution) (bool, error) {
	var add []string
	if r.Options.ExecutionNamespace != "" && !controllerutil.ContainsFinalizer(we, wfev1.FinalizerPipelineRunCleanup) && !isFinished(we) {
		add = append(add, wfev1.FinalizerPipelineRunCleanup)
	}
	if r.auditFinalizerWanted(we) {
		add = append(add, wfev1.FinalizerAudit)
	}
	switch {
	case len(add) > 0:
		return true, r.patchFinalizers(ctx, we, add, nil)
	case r.auditFinalizerDone(we):
		return true, r.patchFinalizers(ctx, we, nil, []string{wfev1.FinalizerAudit})
	case we.Status.PipelineRunPrunedAt != nil && controllerutil.ContainsFinalizer(we, wfev1.FinalizerPipelineRunCleanup):
		// Its PipelineRun is gone: nothing is left to clean up on deletion.
		return true, r.patchFinalizers(ctx, we, nil, []string{wfev1.FinalizerPipelineRunCleanup})
	}
	return false, nil
}

// advance applies what the PipelineRun and the audit delivery say to desired
// and writes it, telling each transition that landed as an Event.
func (r *Reconciler) advance(ctx context.Context, we, desired *wfev1.WorkflowExecution) (ctrl.Result, error) {
	// Taken before the PipelineRun is read: a change arriving later marks anew.
	key := client.ObjectKeyFromObject(we)
	changed, pending := r.pipelineRunSeen.take(key)
	retryErr := r.observe(ctx, desired)
	if isFinished(desired) {
		// However it ended (its PipelineRun deleted or replaced too): nothing waits.
		r.waits.forget(key)
	}
	auditRetry := r.observeAudit(desired)
	pruneWait, deleted, pruneErr := r.prune(ctx, desired)
	retryErr = errors.Join(retryErr, pruneErr)
	desired.Status.ObservedGeneration = desired.Generation
	res, err := r.writeStatus(ctx, we, desired)
	landed := err == nil && res.RequeueAfter == 0
	if !landed && pending {
		r.pipelineRunSeen.mark(key, changed) // measured on the write that lands
	}
	if err != nil {
		return res, err
	}
	if landed {
		// Only a write that landed is a transition: a stale read loses its
		// optimistic-lock race and tells nothing.
		r.recordTransitions(we, desired)
		r.recordPruned(we, desired, deleted)
		countFinished(we, desired)
		observeStarted(we, desired)
		if desired.ResourceVersion != we.ResourceVersion {
			observeSince(metricPipelineRunLatency, changed, pending)
		}
	}
	// controller-runtime ignores a result returned with an error: return one
	// or the other. The error's backoff retries creation; the audit retry is
	// only needed when nothing else brings the WorkflowExecution back.
	if retryErr != nil {
		return ctrl.Result{}, retryErr
	}
	if res.RequeueAfter == 0 {
		res.RequeueAfter = minPositive(minPositive(auditRetry, pruneWait), r.waits.recheckIn(key, r.now().Time))
	}
	return res, nil
}

// minPositive is the smaller of two waits, ignoring zeros.
func minPositive(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

// observe applies what the PipelineRun says to desired, creating the
// PipelineRun when there is none yet. It returns an error to retry with backoff.
func (r *Reconciler) observe(ctx context.Context, we *wfev1.WorkflowExecution) error {
	if isFinished(we) && (we.Status.PipelineRunRef == nil || we.Status.PipelineRunPrunedAt != nil) {
		return nil // creation failed for good, or the run's PipelineRun was pruned
	}
	var policy wfev1.ExecutionPolicy
	if we.Status.PipelineRunRef == nil {
		// Before the run is ours: checked against the policy of now, which may
		// forbid what admission allowed, never change it.
		var err error
		if policy, err = r.policy(ctx); err != nil {
			// Nothing runs while the policy cannot be read; retried, not failed.
			return fmt.Errorf("read execution policy: %w", err)
		}
		if policy.ExecutionNamespace != r.Options.ExecutionNamespace {
			return fmt.Errorf("the execution policy's executionNamespace is now %q, this manager started with %q: it runs nothing until restarted",
				policy.ExecutionNamespace, r.Options.ExecutionNamespace)
		}
		if class, err := checkRun(policy, r.Options.InstallNamespace, we); err != nil {
			applyCreationError(we, err, true, class, r.now())
			return nil
		}
	}
	pr, err := r.pipelineRun(ctx, we)
	if err != nil {
		return err
	}
	switch {
	case pr != nil:
		return r.followOrRefuse(ctx, we, pr, policy)
	case we.Status.PipelineRunRef != nil:
		applyPipelineRunDeleted(we, r.now())
	default:
		if _, ok := we.CancelRequest(); ok {
			return r.cancelBeforeCreation(ctx, we, policy)
		}
		return r.createPipelineRun(ctx, we, policy)
	}
	return nil
}

// cancelBeforeCreation ends a run cancelled before its PipelineRun was
// recorded. One may exist all the same (created by a visit whose status write
// lost to the cancel's, or by a create that timed out) and not be in the
// cache yet: the apiserver is asked, and one found is claimed and cancelled.
func (r *Reconciler) cancelBeforeCreation(ctx context.Context, we *wfev1.WorkflowExecution, policy wfev1.ExecutionPolicy) error {
	key := client.ObjectKey{Namespace: r.Options.pipelineRunNamespace(we), Name: PipelineRunName(we)}
	pr := &tektonv1.PipelineRun{}
	switch err := r.APIReader.Get(ctx, key, pr); {
	case err == nil:
		return r.followOrRefuse(ctx, we, pr, policy)
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("get PipelineRun %s: %w", key, err)
	}
	request, _ := we.CancelRequest()
	applyCancelledBeforeCreation(we, request, r.now())
	return nil
}

// followOrRefuse applies the PipelineRun found under our name when claim says
// it is ours, and refuses it otherwise. Before a UID is recorded, the claim
// needs the full spec, which the cache drops: it is read from the apiserver.
func (r *Reconciler) followOrRefuse(ctx context.Context, we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun, policy wfev1.ExecutionPolicy) error {
	var built *tektonv1.PipelineRun
	if we.Status.PipelineRunRef == nil && belongsTo(pr, we) {
		built = r.Options.buildPipelineRun(we, policy)
		full := &tektonv1.PipelineRun{}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(pr), full); err != nil {
			return fmt.Errorf("get PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
		}
		pr = full
	}
	if ok, why := claim(we, pr, built); !ok {
		r.refuse(we, pr, why)
		return nil
	}
	r.readPipelineRun(ctx, we, pr)
	if _, ok := we.CancelRequest(); ok && !isFinished(we) {
		// Asked once (the cache keeps spec.status); a conflict means the
		// PipelineRun changed, and its watch event brings us back.
		_, err := r.cancel(ctx, pr)
		return err
	}
	return nil
}

// refuse ends the WorkflowExecution on a PipelineRun that is not its own:
// before one was created, creation failed; after, its own was replaced.
func (r *Reconciler) refuse(we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun, why string) {
	if we.Status.PipelineRunRef == nil {
		applyCreationError(we, errors.New(why), true, wfev1.FailureReasonConfigurationError, r.now())
		return
	}
	applyPipelineRunReplaced(we, why, r.now())
}

// pipelineRun returns the WorkflowExecution's PipelineRun, or nil when there is
// none. A cache miss is confirmed with the apiserver: the cache may not have
// seen a PipelineRun created a moment ago.
func (r *Reconciler) pipelineRun(ctx context.Context, we *wfev1.WorkflowExecution) (*tektonv1.PipelineRun, error) {
	key := client.ObjectKey{Namespace: r.Options.pipelineRunNamespace(we), Name: PipelineRunName(we)}
	if !r.Options.watches(key.Namespace) {
		// A run started under an earlier execution namespace: never reported
		// as deleted; retried until the policy lists its namespace again.
		return nil, fmt.Errorf("PipelineRun %s is in namespace %s, which this manager no longer watches: list it in the execution policy's previousExecutionNamespaces until its runs finish",
			key, key.Namespace)
	}
	pr := &tektonv1.PipelineRun{}
	err := r.Client.Get(ctx, key, pr)
	if apierrors.IsNotFound(err) && we.Status.PipelineRunRef != nil {
		err = r.APIReader.Get(ctx, key, pr)
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get PipelineRun %s: %w", key, err)
	}
	return pr, nil
}

// readPipelineRun looks up the failed task of a failed run, or why a task of
// a running one waits (TaskRun reads), then applies what the PipelineRun says
// with the pure applyPipelineRun.
func (r *Reconciler) readPipelineRun(ctx context.Context, we *wfev1.WorkflowExecution, pr *tektonv1.PipelineRun) {
	var failed *taskFailure
	var wait *taskWait
	key := client.ObjectKeyFromObject(we)
	c := pr.Status.GetCondition("Succeeded")
	if c != nil && c.IsUnknown() && len(pr.Status.ChildReferences) > 0 && !isFinished(we) {
		wait = r.waitingOf(ctx, we, pr)
	} else {
		r.waits.forget(key)
	}
	if c != nil && c.IsFalse() && !isFinished(we) {
		var err error
		if failed, err = r.failedTask(ctx, pr); err != nil {
			// The failure is reported without the task's name rather than delayed;
			// a timeout or a cancel has no failed TaskRun, so this is not an error.
			log.FromContext(ctx).V(1).Info("could not look up the failed task", "pipelineRun", pr.Name, "error", err.Error())
		}
	}
	applyPipelineRun(we, pr, failed, wait)
}

// checkRun is the admission rules on where and what runs, in the same order,
// against the policy of now: the run stays where admission recorded it (a
// changed execution namespace refuses it, never moves it), never in the
// controller's namespace, then the bundle reference's grammar (the CRD's; a
// WorkflowExecution stored before it had it may break it), then the policy's
// bundle rules. A WorkflowExecution from before v0.2.0 has no recorded
// namespace: it is looked for where that version put it.
func checkRun(policy wfev1.ExecutionPolicy, installNamespace string, we *wfev1.WorkflowExecution) (wfev1.FailureReason, error) {
	ns, sa, ok := wfev1.RunAs(we)
	want := policy.RunNamespace(we.Namespace)
	switch {
	case !ok:
		ns = want
	case ns != want:
		return wfev1.FailureReasonForbidden, fmt.Errorf(
			"admission recorded spec.executionConfig.namespace %s and spec.executionConfig.serviceAccountName %s, but the execution policy now runs WorkflowExecutions of namespace %s in %s: the run is refused, not moved; create a new WorkflowExecution",
			ns, sa, we.Namespace, want)
	}
	if installNamespace != "" && ns == installNamespace {
		return wfev1.FailureReasonForbidden, fmt.Errorf("WorkflowExecutions may not run in namespace %s, the controller's own: a run there could use the controller's identity", ns)
	}
	if err := wfev1.CheckBundleImage(we.Spec.WorkflowRef.ContainerImage); err != nil {
		return wfev1.FailureReasonForbidden, err
	}
	if err := policy.CheckBundle(wfev1.BundleReference(we)); err != nil {
		return wfev1.FailureReasonForbidden, err
	}
	return "", nil
}

// errRunAsNotRecorded ends a WorkflowExecution that reached us without where
// and as whom it runs: created before v0.2.0, or admitted without our webhook
// and admission policy. Nothing decides it for its creator after admission.
var errRunAsNotRecorded = errors.New("spec.executionConfig.namespace and spec.executionConfig.serviceAccountName are not both set: " +
	"admission did not record where and as whom this WorkflowExecution runs (it was created before v0.2.0, or without the admission policy); " +
	"create it again, and the webhook records both, or set both yourself")

func (r *Reconciler) createPipelineRun(ctx context.Context, we *wfev1.WorkflowExecution, policy wfev1.ExecutionPolicy) error {
	if _, _, ok := wfev1.RunAs(we); !ok {
		applyCreationError(we, errRunAsNotRecorded, true, wfev1.FailureReasonConfigurationError, r.now())
		return nil
	}
	pr := r.Options.buildPipelineRun(we, policy)
	err := r.Client.Create(ctx, pr)
	if apierrors.IsAlreadyExists(err) {
		existing := &tektonv1.PipelineRun{}
		if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(pr), existing); err != nil {
			return fmt.Errorf("get existing PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
		}
		if ok, why := claim(we, existing, pr); !ok {
			r.refuse(we, existing, why)
			return nil
		}
		r.readPipelineRun(ctx, we, existing) // adopt what an earlier attempt created
		return nil
	}
	if err != nil {
		final, class := classifyCreateError(err)
		applyCreationError(we, err, final, class, r.now())
		if final {
			return nil
		}
		return fmt.Errorf("create PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	// The new PipelineRun has no status yet; apply it now so the next visit,
	// which sees the same, has nothing to write.
	applyPipelineRun(we, pr, nil, nil)
	return nil
}

// classifyCreateError says whether a create error is final, and its class.
func classifyCreateError(err error) (bool, wfev1.FailureReason) {
	switch {
	case apierrors.IsForbidden(err) && isQuotaError(err):
		return true, wfev1.FailureReasonResourceExhausted
	case apierrors.IsForbidden(err):
		return true, wfev1.FailureReasonForbidden
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err), apierrors.IsRequestEntityTooLargeError(err):
		return true, wfev1.FailureReasonConfigurationError
	default:
		return false, wfev1.FailureReasonUnknown
	}
}

// finalize ends the record of a WorkflowExecution being deleted (audit
// finalizer), deletes its PipelineRun in the execution namespace (cleanup
// finalizer), then releases it.
func (r *Reconciler) finalize(ctx context.Context, we *wfev1.WorkflowExecution) (ctrl.Result, error) {
	r.waits.forget(client.ObjectKeyFromObject(we)) // a deleted run waits for nothing
	cleanup := controllerutil.ContainsFinalizer(we, wfev1.FinalizerPipelineRunCleanup)
	audited := controllerutil.ContainsFinalizer(we, wfev1.FinalizerAudit)
	if !cleanup && !audited {
		return ctrl.Result{}, nil
	}
	if audited {
		res, written, done, err := r.auditDeletion(ctx, we)
		if err != nil || !done {
			return res, err
		}
		we = written
	}
	if cleanup {
		if err := r.deletePipelineRun(ctx, we); err != nil {
			return ctrl.Result{}, err
		}
	}
	// Deleting an object that carries a finalizer bumps its generation: stamp
	// the status with it, or every condition reads stale to kubectl wait for
	// as long as the WorkflowExecution remains.
	if we.Status.ObservedGeneration != we.Generation {
		desired := we.DeepCopy()
		desired.Status.ObservedGeneration = desired.Generation
		for i := range desired.Status.Conditions {
			desired.Status.Conditions[i].ObservedGeneration = desired.Generation
		}
		if res, err := r.writeStatus(ctx, we, desired); err != nil || res.RequeueAfter > 0 {
			return res, err // a conflict: recompute from the newer version
		}
		we = desired
	}
	if err := r.patchFinalizers(ctx, we, nil, []string{wfev1.FinalizerPipelineRunCleanup, wfev1.FinalizerAudit}); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

// deletePipelineRun deletes the WorkflowExecution's PipelineRun, and only the
// one we created: an impostor under its name stays.
func (r *Reconciler) deletePipelineRun(ctx context.Context, we *wfev1.WorkflowExecution) error {
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: r.Options.pipelineRunNamespace(we), Name: PipelineRunName(we)}}
	opts := []client.DeleteOption{client.PropagationPolicy(metav1.DeletePropagationBackground)}
	if ref := we.Status.PipelineRunRef; ref != nil && ref.UID != "" {
		opts = append(opts, client.Preconditions{UID: &ref.UID})
	}
	if err := r.Client.Delete(ctx, pr, opts...); client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	return nil
}

// patchFinalizers adds and removes our finalizers in one write, guarded by
// resourceVersion.
func (r *Reconciler) patchFinalizers(ctx context.Context, we *wfev1.WorkflowExecution, add, remove []string) error {
	patch := client.MergeFromWithOptions(we.DeepCopy(), client.MergeFromWithOptimisticLock{})
	replaced := we.ResourceVersion
	for _, f := range add {
		controllerutil.AddFinalizer(we, f)
	}
	for _, f := range remove {
		controllerutil.RemoveFinalizer(we, f)
	}
	if err := r.Client.Patch(ctx, we, patch); err != nil {
		return fmt.Errorf("update finalizers of WorkflowExecution %s/%s: %w", we.Namespace, we.Name, err)
	}
	if we.ResourceVersion != replaced {
		r.written.wrote(client.ObjectKeyFromObject(we), replaced)
	}
	return nil
}

// writeStatus patches the status subresource from stored to desired, guarded by
// resourceVersion so that a concurrent writer is never overwritten blindly.
func (r *Reconciler) writeStatus(ctx context.Context, stored, desired *wfev1.WorkflowExecution) (ctrl.Result, error) {
	if equality.Semantic.DeepEqual(stored.Status, desired.Status) {
		return ctrl.Result{}, nil
	}
	patch := client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})
	key := client.ObjectKeyFromObject(stored)
	err := r.Client.Status().Patch(ctx, desired, patch)
	countWriteError(err)
	if apierrors.IsInvalid(err) {
		// Our own write refused: a bound we missed, or a schema we do not
		// know. Write the same status with outside input withheld, so that
		// the conditions still advance rather than freeze.
		r.reportRefusal(ctx, desired, err)
		withheld := desired.DeepCopy()
		withholdOutsideInput(withheld)
		err = r.Client.Status().Patch(ctx, withheld, patch)
		countWriteError(err)
		if err == nil {
			*desired = *withheld
		}
	}
	if err != nil {
		if apierrors.IsConflict(err) {
			// Someone wrote first: recompute from the newer version.
			log.FromContext(ctx).V(1).Info("status changed meanwhile; recomputing")
			return ctrl.Result{RequeueAfter: conflictRetryDelay}, nil
		}
		return ctrl.Result{}, fmt.Errorf("write status of WorkflowExecution %s/%s: %w", stored.Namespace, stored.Name, err)
	}
	if desired.ResourceVersion != stored.ResourceVersion {
		// A patch the apiserver found empty keeps the version and sends no
		// event: only a real write makes the cached version stale.
		r.written.wrote(key, stored.ResourceVersion)
	}
	return ctrl.Result{}, nil
}

func (r *Reconciler) now() metav1.Time {
	if r.Now != nil {
		return metav1.NewTime(r.Now())
	}
	return metav1.Now()
}
