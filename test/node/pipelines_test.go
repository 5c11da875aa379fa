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

package node

import (
	tektonv1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/wfe-conditions/test/framework/cluster"
)

// missingImage is an image no registry serves.
const missingImage = "127.0.0.1:1/missing:v1"

// step is a real script step in the node's busybox image.
func step(name, script string) tektonv1.Step {
	return tektonv1.Step{Name: name, Image: cluster.BusyboxImage, Script: "#!/bin/sh\nset -e\n" + script}
}

func task(name string, after []string, steps ...tektonv1.Step) tektonv1.PipelineTask {
	return tektonv1.PipelineTask{Name: name, RunAfter: after, TaskSpec: &tektonv1.EmbeddedTask{TaskSpec: tektonv1.TaskSpec{Steps: steps}}}
}

// pipelines are the workflows of the real-node tests, by workflowId.
func pipelines(namespace string) []*tektonv1.Pipeline {
	p := func(name string, tasks []tektonv1.PipelineTask, finally ...tektonv1.PipelineTask) *tektonv1.Pipeline {
		return &tektonv1.Pipeline{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
			Spec: tektonv1.PipelineSpec{
				Params: tektonv1.ParamSpecs{{Name: "TARGET_RESOURCE", Type: tektonv1.ParamTypeString}},
				Tasks:  tasks, Finally: finally,
			},
		}
	}
	greet := task("hello", nil, step("say", "echo hello from a real step on $(hostname)\nprintf ok > $(results.greeting.path)"))
	greet.TaskSpec.Results = []tektonv1.TaskResult{{Name: "greeting", Type: tektonv1.ResultsTypeString}}
	return []*tektonv1.Pipeline{
		p("greets", []tektonv1.PipelineTask{greet}),
		p("exits-3", []tektonv1.PipelineTask{
			task("build", nil, step("compile", "echo building")),
			task("deploy", []string{"build"}, step("apply", "echo applying\nexit 3")),
		}),
		p("sleeps", []tektonv1.PipelineTask{task("wait", nil, step("sleep", "echo sleeping\nsleep 600"))}),
		p("with-finally", []tektonv1.PipelineTask{task("work", nil, step("do", "echo working\nsleep 2"))},
			task("report", nil, step("tell", "echo finally ran"))),
		p("takes-three-seconds", []tektonv1.PipelineTask{task("work", nil, step("do", "echo start\nsleep 3\necho end"))}),
		p("takes-ten-seconds", []tektonv1.PipelineTask{task("work", nil, step("do", "echo start\nsleep 10\necho end"))}),
		// Nothing listens on port 1: the image cannot be pulled.
		p("image-missing", []tektonv1.PipelineTask{task("fetch", nil, tektonv1.Step{Name: "run", Image: missingImage, Script: "#!/bin/sh\necho never"})}),
		p("mount-missing", []tektonv1.PipelineTask{mountsMissingConfigMap()}),
		p("too-big", []tektonv1.PipelineTask{task("crunch", nil, tektonv1.Step{Name: "run", Image: cluster.BusyboxImage, Script: "#!/bin/sh\necho never",
			ComputeResources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1000")}}})}),
	}
}

// mountsMissingConfigMap is a task whose step mounts a ConfigMap that does not
// exist: the kubelet cannot set up the pod's volume.
func mountsMissingConfigMap() tektonv1.PipelineTask {
	t := task("mount", nil, tektonv1.Step{Name: "run", Image: cluster.BusyboxImage, Script: "#!/bin/sh\necho never",
		VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/config"}}})
	t.TaskSpec.Volumes = []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "absent-config"}}}}}
	return t
}
