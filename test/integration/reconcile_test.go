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

package integration

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/reconciler"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

// These tests call Reconcile directly against the real apiserver, for the
// branches a running manager reaches only by chance.

var fixedNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// newReconciler returns a reconciler on a direct client, wrapped by funcs,
// with a recorder whose Events the test reads.
func newReconciler(t *testing.T, cp *controlplane.ControlPlane, opts reconciler.PipelineRunOptions, funcs interceptor.Funcs) (*reconciler.Reconciler, *events.FakeRecorder) {
	t.Helper()
	direct, err := client.NewWithWatch(cp.Config, client.Options{Scheme: cp.Scheme})
	require.NoError(t, err)
	rec := events.NewFakeRecorder(32)
	return &reconciler.Reconciler{
		Client:    interceptor.NewClient(direct, funcs),
		APIReader: direct,
		Recorder:  rec,
		Options:   opts,
		Now:       func() time.Time { return fixedNow },
	}, rec
}

func reconcileOnce(t *testing.T, r *reconciler.Reconciler, we *wfev1.WorkflowExecution) (ctrl.Result, error) {
	t.Helper()
	return r.Reconcile(t.Context(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(we)})
}

func get(t *testing.T, cp *controlplane.ControlPlane, we *wfev1.WorkflowExecution) *wfev1.WorkflowExecution {
	t.Helper()
	got := &wfev1.WorkflowExecution{}
	require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKeyFromObject(we), got))
	return got
}

// foreignPipelineRun creates, under the name the reconciler would use, a
// PipelineRun whose labels point at another WorkflowExecution.
func foreignPipelineRun(t *testing.T, cp *controlplane.ControlPlane, we *wfev1.WorkflowExecution) {
	t.Helper()
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: we.Namespace, Name: reconciler.PipelineRunName(we),
		Labels: map[string]string{wfev1.LabelWorkflowExecution: "someone-else", wfev1.LabelSourceNamespace: we.Namespace,
			wfev1.LabelWorkflowExecutionUID: "another-uid"}},
		Spec: tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "other"}}}
	require.NoError(t, cp.Client.Create(t.Context(), pr))
}

func TestAPipelineRunOfAnotherWorkflowExecutionIsNeverAdopted(t *testing.T) {
	cp := controlplane.Start(t)
	cp.CreateNamespace(t, "foreign")
	opts := reconciler.PipelineRunOptions{PipelineSource: reconciler.PipelineSourceBundle}
	r, _ := newReconciler(t, cp, opts, interceptor.Funcs{})

	t.Run("at creation", func(t *testing.T) {
		// The cache has not seen the PipelineRun: the create answers AlreadyExists.
		r, rec := newReconciler(t, cp, opts, interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if _, ok := obj.(*tektonv1.PipelineRun); ok {
					return apierrors.NewNotFound(tektonv1.Resource("pipelineruns"), key.Name)
				}
				return c.Get(ctx, key, obj, opts...)
			},
		})
		we := recordedWE("foreign", "at-creation", "foreign")
		require.NoError(t, cp.Client.Create(t.Context(), we))
		foreignPipelineRun(t, cp, we)
		for range 2 { // the first visit initialises, the second looks for the PipelineRun
			_, err := reconcileOnce(t, r, we)
			require.NoError(t, err)
		}
		got := get(t, cp, we)
		c := got.Condition(wfev1.ConditionTektonPipelineCreated)
		assert.Equal(t, metav1.ConditionFalse, c.Status)
		assert.Equal(t, wfev1.ReasonPipelineCreationFailed, c.Reason)
		assert.Contains(t, c.Message, "belongs to another WorkflowExecution")
		assert.Equal(t, wfev1.PhaseFailed, got.Status.Phase)
		require.NotNil(t, got.Status.CompletionTime)
		assert.True(t, got.Status.CompletionTime.Time.Equal(fixedNow), "the completion time comes from the reconciler's clock")
		assert.Contains(t, drain(rec), "Warning "+wfev1.ReasonPipelineCreationFailed)
	})

	t.Run("found later", func(t *testing.T) {
		we := recordedWE("foreign", "found-later", "foreign")
		require.NoError(t, cp.Client.Create(t.Context(), we))
		for range 2 {
			_, err := reconcileOnce(t, r, we)
			require.NoError(t, err)
		}
		require.Equal(t, metav1.ConditionTrue, get(t, cp, we).Condition(wfev1.ConditionTektonPipelineCreated).Status)
		ours := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: we.Namespace, Name: reconciler.PipelineRunName(we)}}
		require.NoError(t, cp.Client.Delete(t.Context(), ours))
		require.Eventually(t, func() bool {
			return cp.Client.Get(t.Context(), client.ObjectKeyFromObject(ours), &tektonv1.PipelineRun{}) != nil
		}, 5*time.Second, 20*time.Millisecond)
		foreignPipelineRun(t, cp, we)
		_, err := reconcileOnce(t, r, we)
		require.NoError(t, err)
		c := get(t, cp, we).Condition(wfev1.ConditionTektonPipelineComplete)
		assert.Equal(t, metav1.ConditionFalse, c.Status, "a run replaced by someone else's is not ours to report")
	})
}

func TestARetryableCreationErrorIsRetriedAndTold(t *testing.T) {
	cp := controlplane.Start(t)
	cp.CreateNamespace(t, "retry")
	// The execution namespace does not exist yet: creating the PipelineRun
	// fails with NotFound, which is retryable.
	opts := reconciler.PipelineRunOptions{ExecutionNamespace: "not-there-yet", PipelineSource: reconciler.PipelineSourceBundle}
	r, rec := newReconciler(t, cp, opts, interceptor.Funcs{})
	we := recordedWE("retry", "retry", "not-there-yet")
	require.NoError(t, cp.Client.Create(t.Context(), we))

	var err error
	for range 3 { // initialise, add the finalizer, try to create
		_, err = reconcileOnce(t, r, we)
	}
	require.Error(t, err, "a retryable error goes back to the queue's backoff")
	c := get(t, cp, we).Condition(wfev1.ConditionTektonPipelineCreated)
	assert.Equal(t, metav1.ConditionUnknown, c.Status)
	assert.Equal(t, wfev1.ReasonPipelineCreationRetrying, c.Reason)
	assert.Contains(t, drain(rec), "Warning "+wfev1.ReasonPipelineCreationRetrying)

	_, err = reconcileOnce(t, r, we)
	require.Error(t, err)
	assert.NotContains(t, drain(rec), wfev1.ReasonPipelineCreationRetrying, "the same error is told once")
}

func TestAStaleVersionIsSkippedAndAConflictRecomputed(t *testing.T) {
	cp := controlplane.Start(t)
	cp.CreateNamespace(t, "stale")
	we := recordedWE("stale", "stale", "stale")
	require.NoError(t, cp.Client.Create(t.Context(), we))
	created := get(t, cp, we)

	t.Run("a version our own write replaced is skipped", func(t *testing.T) {
		var patches atomic.Int32
		r, _ := newReconciler(t, cp, reconciler.PipelineRunOptions{PipelineSource: reconciler.PipelineSourceBundle}, interceptor.Funcs{
			// Reads return the version before our write, as a lagging cache does.
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if stale, ok := obj.(*wfev1.WorkflowExecution); ok {
					created.DeepCopyInto(stale)
					return nil
				}
				return c.Get(ctx, key, obj, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
				patches.Add(1)
				return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
			},
		})
		_, err := reconcileOnce(t, r, we)
		require.NoError(t, err)
		require.Equal(t, int32(1), patches.Load(), "the first visit writes the four conditions")
		res, err := reconcileOnce(t, r, we)
		require.NoError(t, err)
		assert.Zero(t, res.RequeueAfter)
		assert.Equal(t, int32(1), patches.Load(), "no write from a version our own write replaced")
	})

	t.Run("an optimistic-lock conflict is recomputed, not an error", func(t *testing.T) {
		fresh := recordedWE("stale", "conflict", "stale")
		require.NoError(t, cp.Client.Create(t.Context(), fresh))
		r, _ := newReconciler(t, cp, reconciler.PipelineRunOptions{PipelineSource: reconciler.PipelineSourceBundle}, interceptor.Funcs{
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
				// Another writer lands first.
				other := &wfev1.WorkflowExecution{}
				require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(obj), other))
				other.Status.Phase = wfev1.PhasePending
				other.Status.Conditions = append(other.Status.Conditions, metav1.Condition{Type: "External", Status: metav1.ConditionTrue,
					Reason: "Other", Message: "another writer", LastTransitionTime: metav1.Now()})
				require.NoError(t, c.Status().Update(ctx, other))
				return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
			},
		})
		res, err := reconcileOnce(t, r, fresh)
		require.NoError(t, err, "a conflict is not an error")
		assert.Positive(t, res.RequeueAfter, "the reconciler looks again at the newer version")
		got := get(t, cp, fresh)
		assert.NotNil(t, got.Condition("External"), "the other writer's status stands")
		assert.Nil(t, got.Condition(wfev1.ConditionTektonPipelineCreated), "our write did not overwrite it blindly")
	})
}

// drain returns the Events recorded so far, one per line.
func drain(rec *events.FakeRecorder) string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return strings.Join(out, "\n")
		}
	}
}

// impostorPipelineRun creates, under the reconciler's name for we, a
// PipelineRun that copies our labels but runs another bundle.
func impostorPipelineRun(t *testing.T, cp *controlplane.ControlPlane, we *wfev1.WorkflowExecution) *tektonv1.PipelineRun {
	t.Helper()
	pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: we.Namespace, Name: reconciler.PipelineRunName(we),
		Labels: map[string]string{wfev1.LabelWorkflowExecution: we.Name, wfev1.LabelSourceNamespace: we.Namespace,
			wfev1.LabelWorkflowExecutionUID: string(we.UID)}},
		Spec: tektonv1.PipelineRunSpec{PipelineRef: &tektonv1.PipelineRef{Name: "exfiltrate"}}}
	require.NoError(t, cp.Client.Create(t.Context(), pr))
	return pr
}

func TestAnImpostorWithOurNameAndLabelsIsNeverAdopted(t *testing.T) {
	cp := controlplane.Start(t)
	cp.CreateNamespace(t, "impostor")
	opts := reconciler.PipelineRunOptions{PipelineSource: reconciler.PipelineSourceBundle}

	t.Run("created before ours", func(t *testing.T) {
		r, rec := newReconciler(t, cp, opts, interceptor.Funcs{})
		we := recordedWE("impostor", "pre-created", "impostor")
		require.NoError(t, cp.Client.Create(t.Context(), we))
		_, err := reconcileOnce(t, r, we) // initialises
		require.NoError(t, err)
		impostor := impostorPipelineRun(t, cp, get(t, cp, we))
		_, err = reconcileOnce(t, r, we)
		require.NoError(t, err)
		got := get(t, cp, we)
		c := got.Condition(wfev1.ConditionTektonPipelineCreated)
		assert.Equal(t, metav1.ConditionFalse, c.Status)
		assert.Equal(t, wfev1.ReasonPipelineCreationFailed, c.Reason)
		assert.Contains(t, c.Message, "uid "+string(impostor.UID))
		assert.Contains(t, c.Message, "an impostor, which is not adopted")
		assert.Nil(t, got.Status.PipelineRunRef, "the impostor is not recorded as ours")
		assert.Contains(t, drain(rec), "Warning "+wfev1.ReasonPipelineCreationFailed)
	})

	t.Run("put in place of ours", func(t *testing.T) {
		r, rec := newReconciler(t, cp, opts, interceptor.Funcs{})
		we := recordedWE("impostor", "replaced", "impostor")
		require.NoError(t, cp.Client.Create(t.Context(), we))
		for range 2 {
			_, err := reconcileOnce(t, r, we)
			require.NoError(t, err)
		}
		created := get(t, cp, we)
		require.NotNil(t, created.Status.PipelineRunRef)
		ours := created.Status.PipelineRunRef.UID
		require.NotEmpty(t, ours, "the UID of the PipelineRun we created is recorded")
		pr := &tektonv1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: we.Namespace, Name: reconciler.PipelineRunName(we)}}
		require.NoError(t, cp.Client.Delete(t.Context(), pr))
		require.Eventually(t, func() bool {
			return cp.Client.Get(t.Context(), client.ObjectKeyFromObject(pr), &tektonv1.PipelineRun{}) != nil
		}, 5*time.Second, 20*time.Millisecond)
		impostor := impostorPipelineRun(t, cp, created)
		// It even copies our spec: the UID still tells it apart.
		_, err := reconcileOnce(t, r, we)
		require.NoError(t, err)
		got := get(t, cp, we)
		c := got.Condition(wfev1.ConditionTektonPipelineComplete)
		assert.Equal(t, metav1.ConditionFalse, c.Status)
		assert.Contains(t, c.Message, "uid "+string(impostor.UID))
		assert.Contains(t, c.Message, "replaced by an impostor")
		assert.Equal(t, ours, got.Status.PipelineRunRef.UID)
		assert.Contains(t, drain(rec), "Warning "+wfev1.ReasonPipelineFailed)
	})
}
