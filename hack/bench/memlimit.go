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

package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring"
	"kubernaut.ai/wfe-conditions/test/framework/controlplane"
)

// memoryLimitEnv is the Go memory limit the manager gives itself in its pod:
// MemoryLimitRatio of the Deployment's memory limit. No cgroup limits the
// bench's manager process, so the bench hands it that value as GOMEMLIMIT;
// --manager-env=GOMEMLIMIT=... comes later and wins.
func memoryLimitEnv() (string, error) {
	objs, err := controlplane.Render("default")
	if err != nil {
		return "", err
	}
	for _, u := range objs {
		if u.GetKind() != "Deployment" {
			continue
		}
		containers, _, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		if err != nil || len(containers) == 0 {
			return "", fmt.Errorf("deployment %s: no containers", u.GetName())
		}
		c, _ := containers[0].(map[string]any)
		limit, ok, err := unstructured.NestedString(c, "resources", "limits", "memory")
		if err != nil || !ok {
			return "", fmt.Errorf("deployment %s: no memory limit", u.GetName())
		}
		q, err := resource.ParseQuantity(limit)
		if err != nil {
			return "", fmt.Errorf("deployment %s: memory limit %q: %w", u.GetName(), limit, err)
		}
		return fmt.Sprintf("GOMEMLIMIT=%d", int64(float64(q.Value())*wiring.MemoryLimitRatio)), nil
	}
	return "", fmt.Errorf("config/default renders no Deployment")
}
