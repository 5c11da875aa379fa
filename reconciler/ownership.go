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

	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// claim decides whether pr, found under the WorkflowExecution's PipelineRun
// name, is the one it created; when it is not, it says why. Anyone who may
// create PipelineRuns there can copy our name and labels (and an owner
// reference proves nothing either), so:
//   - once status.pipelineRunRef records a UID, only that PipelineRun is ours;
//   - before (a crash or a conflict between our create and the status write
//     that records it), only one whose spec is, after Tekton's defaulting,
//     the one we build (built, which needs pr's full spec, not the cache's);
//   - a reference from v0.1.0, which recorded no UID, adopts on the labels
//     once, and the UID is recorded then.
func claim(we *wfev1.WorkflowExecution, pr, built *tektonv1.PipelineRun) (bool, string) {
	name := pr.Namespace + "/" + pr.Name
	if !belongsTo(pr, we) {
		return false, fmt.Sprintf("PipelineRun %s already exists and belongs to another WorkflowExecution", name)
	}
	ref := we.Status.PipelineRunRef
	switch {
	case ref != nil && ref.UID != "":
		if pr.UID == ref.UID {
			return true, ""
		}
		return false, fmt.Sprintf("PipelineRun %s (uid %s) is not the one this WorkflowExecution created (uid %s): "+
			"it was replaced by an impostor, which is not followed", name, pr.UID, ref.UID)
	case ref != nil:
		return true, "" // recorded by v0.1.0, without a UID
	case built != nil && sameSpec(pr, built):
		return true, ""
	default:
		return false, fmt.Sprintf("PipelineRun %s (uid %s) exists with our name and labels but a spec this WorkflowExecution "+
			"did not build: an impostor, which is not adopted", name, pr.UID)
	}
}

// sameSpec says whether two PipelineRun specs are equal once Tekton's v1
// defaulting (with its default configuration) has filled both, as its
// admission webhook fills a stored one.
func sameSpec(a, b *tektonv1.PipelineRun) bool {
	sa, sb := a.Spec.DeepCopy(), b.Spec.DeepCopy()
	sa.SetDefaults(context.Background())
	sb.SetDefaults(context.Background())
	return equality.Semantic.DeepEqual(sa, sb)
}
