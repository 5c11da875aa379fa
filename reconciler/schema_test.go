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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
)

// crdSchema is the generated CRD's schema, as the apiserver validates with it.
type crdSchema struct {
	openAPI validation.SchemaValidator
	cel     *cel.Validator
	err     error
}

var (
	loadSchema sync.Once
	generated  crdSchema
)

// generatedSchema loads config/crd/bases once: the schema our own status
// writes must pass, including its CEL rules.
func generatedSchema(t testing.TB) crdSchema {
	t.Helper()
	loadSchema.Do(func() {
		data, err := os.ReadFile(filepath.Join("..", "config", "crd", "bases", "workflowexecution.kubernaut.ai_workflowexecutions.yaml"))
		if err != nil {
			generated.err = err
			return
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if generated.err = yaml.UnmarshalStrict(data, crd); generated.err != nil {
			return
		}
		internal := &apiextensions.JSONSchemaProps{}
		if generated.err = apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(
			crd.Spec.Versions[0].Schema.OpenAPIV3Schema, internal, nil); generated.err != nil {
			return
		}
		if generated.openAPI, _, generated.err = validation.NewSchemaValidator(internal); generated.err != nil {
			return
		}
		structural, err := structuralschema.NewStructural(internal)
		if err != nil {
			generated.err = err
			return
		}
		generated.cel = cel.NewValidator(structural, true, celconfig.PerCallLimit)
	})
	if generated.err != nil {
		t.Fatalf("load the generated CRD schema: %v", generated.err)
	}
	return generated
}

// maxStatusBytes is what one status may weigh: far below the apiserver's
// object size limit (1.5 MiB in etcd), so that no input makes it grow there.
const maxStatusBytes = 64 << 10

// assertValidStatus checks what the apiserver would check on our status write
// from old to we (schema and CEL rules of the generated CRD), and what it does
// not: the status's size and that each condition type appears once.
func assertValidStatus(t testing.TB, old, we *wfev1.WorkflowExecution) {
	t.Helper()
	if err := statusError(t, old, we); err != nil {
		t.Fatal(err)
	}
}

func statusError(t testing.TB, old, we *wfev1.WorkflowExecution) error {
	t.Helper()
	s := generatedSchema(t)
	toMap := func(o *wfev1.WorkflowExecution) map[string]any {
		o = o.DeepCopy()
		o.APIVersion, o.Kind = wfev1.GroupVersion.String(), wfev1.Kind
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			t.Fatalf("convert: %v", err)
		}
		return m
	}
	obj, oldObj := toMap(we), toMap(old)
	errs := validation.ValidateCustomResourceUpdate(nil, obj, oldObj, s.openAPI)
	if s.cel != nil {
		celErrs, _ := s.cel.Validate(context.Background(), field.NewPath(""), nil, obj, oldObj, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	if len(errs) > 0 {
		return fmt.Errorf("the apiserver would refuse this status: %w", errs.ToAggregate())
	}
	data, err := json.Marshal(we.Status)
	if err != nil || len(data) > maxStatusBytes {
		return fmt.Errorf("the status weighs %d bytes (err %v), over %d", len(data), err, maxStatusBytes)
	}
	seen := map[string]bool{}
	for _, c := range we.Status.Conditions {
		if seen[c.Type] {
			return fmt.Errorf("condition type %s appears twice", c.Type)
		}
		seen[c.Type] = true
	}
	return nil
}

func TestTheSchemaCheckBites(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(*wfev1.WorkflowExecution)
		want   string
	}{
		{"a condition message over the API's limit", func(we *wfev1.WorkflowExecution) {
			we.Status.Conditions[0].Message = strings.Repeat("x", 40_000)
		}, "Too long"},
		{"a reason that is not CamelCase", func(we *wfev1.WorkflowExecution) { we.Status.Conditions[1].Reason = "not a reason" }, "reason"},
		{"a phase outside its enum", func(we *wfev1.WorkflowExecution) { we.Status.Phase = "Skipped" }, "phase"},
		{"a changed spec (the CEL immutability rule)", func(we *wfev1.WorkflowExecution) { we.Spec.TargetResource = "ns/deployment/other" }, "immutable"},
		{"a status heavier than the bound", func(we *wfev1.WorkflowExecution) {
			for i := range we.Status.Conditions {
				we.Status.Conditions[i].Message = strings.Repeat("x", 30_000)
			}
		}, "weighs"},
		{"a condition type twice", func(we *wfev1.WorkflowExecution) {
			we.Status.Conditions = append(we.Status.Conditions, we.Status.Conditions[0])
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := validWE()
			we := old.DeepCopy()
			require.NoError(t, statusError(t, old, we), "the valid object passes")
			tt.break_(we)
			err := statusError(t, old, we)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
