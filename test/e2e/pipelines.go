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

// Package e2e runs WorkflowExecutions end to end: the real kube-apiserver, the
// manager with its webhook, Tekton's real controller, kwok for the pods, and
// the DataStorage test server.
package e2e

import (
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/wfe-conditions/test/framework/tekton"
)

// task is a pipeline task with one script step; outcome "" succeeds, "fail"
// exits 1, "hang" never finishes, "unschedulable" waits for a node until a
// test binds its pod, then never finishes.
func task(name, outcome string, after ...string) tektonv1.PipelineTask {
	meta := tektonv1.PipelineTaskMetadata{}
	if outcome != "" {
		meta.Labels = map[string]string{tekton.LabelOutcome: outcome}
	}
	return tektonv1.PipelineTask{
		Name:     name,
		RunAfter: after,
		TaskSpec: &tektonv1.EmbeddedTask{
			Metadata: meta,
			TaskSpec: tektonv1.TaskSpec{Steps: []tektonv1.Step{{
				Name: "run", Image: "registry.example/tools:1", Script: "#!/bin/sh\necho " + name,
			}}},
		},
	}
}

// Pipelines are the cluster-local workflows the tests run, by workflowId.
func Pipelines(namespace string) []*tektonv1.Pipeline {
	p := func(name string, tasks ...tektonv1.PipelineTask) *tektonv1.Pipeline {
		return &tektonv1.Pipeline{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
			Spec: tektonv1.PipelineSpec{
				Params: tektonv1.ParamSpecs{{Name: "TARGET_RESOURCE", Type: tektonv1.ParamTypeString}},
				Tasks:  tasks,
			},
		}
	}
	return []*tektonv1.Pipeline{
		p("build-test-deploy", task("build", ""), task("test", "", "build"), task("deploy", "", "test")),
		p("deploy-fails", task("build", ""), task("deploy", "fail", "build")),
		p("never-ends", task("wait", "hang")),
		p("never-scheduled", task("wait", tekton.OutcomeUnschedulable)),
	}
}
