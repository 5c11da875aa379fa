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

package v1alpha1

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The execution policy is one ConfigMap in the controller's namespace. The
// admission policies read it as their params and the manager reads it too, so
// that what admission allows and what the reconciler runs cannot disagree.
const (
	// ExecutionPolicyName is the ConfigMap's name in the shipped overlays.
	ExecutionPolicyName = "wfe-conditions-execution-policy"
	// ControllerServiceAccount is the manager's ServiceAccount in the shipped
	// overlays; the status policy and the /status webhook skip its writes.
	ControllerServiceAccount = "wfe-conditions-controller-manager"
	// InstallNamespace is the namespace of the shipped overlays.
	InstallNamespace = "wfe-conditions-system"

	// RunAsGroup is the virtual API group of the "use" permission on
	// ServiceAccounts that a WorkflowExecution's creator needs: a group of its
	// own, so that grants on this API's real group never imply it.
	RunAsGroup = "runas.workflowexecution.kubernaut.ai"
	// RunAsResource and RunAsVerb complete that permission.
	RunAsResource = "serviceaccounts"
	RunAsVerb     = "use"

	// TektonDefaultServiceAccount runs a PipelineRun's tasks when neither the
	// WorkflowExecution nor the policy names one. The reconciler always sets
	// it explicitly, so that what the admission policy authorised is what runs
	// whatever Tekton's own default is.
	TektonDefaultServiceAccount = "default"
)

// Keys of the execution policy ConfigMap's data.
const (
	PolicyKeyExecutionNamespace    = "executionNamespace"
	PolicyKeyDefaultServiceAccount = "defaultServiceAccount"
	PolicyKeyAllowedBundlePrefixes = "allowedBundlePrefixes"
	PolicyKeyRequireBundleDigest   = "requireBundleDigest"
	PolicyKeyCorrelatingNamespaces = "correlatingNamespaces"
)

// The virtual permission that lets a creator name, from any namespace not in
// the policy's correlatingNamespaces, a RemediationRequest as the correlation
// id of its WorkflowExecution's audit events. It is checked cluster-scoped,
// so only a ClusterRoleBinding grants it.
const (
	CorrelateGroup    = "correlation.workflowexecution.kubernaut.ai"
	CorrelateResource = "remediationrequests"
	CorrelateVerb     = "correlate"
)

// ControllerUsername is the username the apiserver gives the manager's
// ServiceAccount in namespace.
func ControllerUsername(namespace string) string {
	return "system:serviceaccount:" + namespace + ":" + ControllerServiceAccount
}

// ExecutionPolicy is where PipelineRuns run, as whom, and which bundles may run.
type ExecutionPolicy struct {
	// ExecutionNamespace, when set, holds every PipelineRun.
	ExecutionNamespace string
	// DefaultServiceAccount runs the tasks when the WorkflowExecution names none.
	DefaultServiceAccount string
	// AllowedBundlePrefixes, when not empty, are the only repositories bundles
	// may come from, matched at path boundaries.
	AllowedBundlePrefixes []string
	// RequireBundleDigest demands bundles pinned by an @sha256: digest.
	RequireBundleDigest bool
	// CorrelatingNamespaces are the namespaces whose WorkflowExecutions may
	// name any RemediationRequest of their own namespace as correlation id
	// (kubernaut runs both in its own namespace); elsewhere the creator needs
	// the correlate permission on that RemediationRequest.
	CorrelatingNamespaces []string
}

// ParseExecutionPolicy reads the ConfigMap's data; unknown keys are refused so
// that a typo never silently loosens the policy.
func ParseExecutionPolicy(data map[string]string) (ExecutionPolicy, error) {
	var p ExecutionPolicy
	for k, v := range data {
		switch k {
		case PolicyKeyExecutionNamespace:
			p.ExecutionNamespace = strings.TrimSpace(v)
		case PolicyKeyDefaultServiceAccount:
			p.DefaultServiceAccount = strings.TrimSpace(v)
		case PolicyKeyAllowedBundlePrefixes:
			p.AllowedBundlePrefixes = splitPrefixes(v)
		case PolicyKeyCorrelatingNamespaces:
			p.CorrelatingNamespaces = splitList(v)
		case PolicyKeyRequireBundleDigest:
			if strings.TrimSpace(v) == "" {
				continue // unset: false, as the admission policy reads it
			}
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return ExecutionPolicy{}, fmt.Errorf("execution policy %s: %q is not true or false", k, v)
			}
			p.RequireBundleDigest = b
		default:
			return ExecutionPolicy{}, fmt.Errorf("execution policy: unknown key %q (known: %s, %s, %s, %s, %s)", k,
				PolicyKeyExecutionNamespace, PolicyKeyDefaultServiceAccount, PolicyKeyAllowedBundlePrefixes, PolicyKeyRequireBundleDigest,
				PolicyKeyCorrelatingNamespaces)
		}
	}
	return p, nil
}

// Data is the ConfigMap data that parses back to p.
func (p ExecutionPolicy) Data() map[string]string {
	return map[string]string{
		PolicyKeyExecutionNamespace:    p.ExecutionNamespace,
		PolicyKeyDefaultServiceAccount: p.DefaultServiceAccount,
		PolicyKeyAllowedBundlePrefixes: strings.Join(p.AllowedBundlePrefixes, ","),
		PolicyKeyRequireBundleDigest:   strconv.FormatBool(p.RequireBundleDigest),
		PolicyKeyCorrelatingNamespaces: strings.Join(p.CorrelatingNamespaces, ","),
	}
}

// splitList splits a comma-separated list, dropping blanks, as the admission
// policy does.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// splitPrefixes splits a comma-separated list, dropping blanks and one
// trailing slash, as the admission policy does.
func splitPrefixes(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSuffix(strings.TrimSpace(s), "/")
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Namespace is where the WorkflowExecution's PipelineRun runs.
func (p ExecutionPolicy) Namespace(we *WorkflowExecution) string {
	if p.ExecutionNamespace != "" {
		return p.ExecutionNamespace
	}
	return we.Namespace
}

// ServiceAccount is the ServiceAccount the PipelineRun's tasks run as.
func (p ExecutionPolicy) ServiceAccount(we *WorkflowExecution) string {
	if ec := we.Spec.ExecutionConfig; ec != nil && ec.ServiceAccountName != "" {
		return ec.ServiceAccountName
	}
	if p.DefaultServiceAccount != "" {
		return p.DefaultServiceAccount
	}
	return TektonDefaultServiceAccount
}

// BundleReference is the bundle the PipelineRun resolves: the image, pinned by
// containerDigest when set.
func BundleReference(we *WorkflowExecution) string {
	ref := we.Spec.WorkflowRef
	if ref.ContainerDigest != "" {
		return ref.ContainerImage + "@" + ref.ContainerDigest
	}
	return ref.ContainerImage
}

var pinnedDigest = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

// CheckBundle says why the bundle may not run, or nil. A prefix matches the
// whole reference, or the reference continues after it with "/", "@", or a
// ":" tag that holds no further "/" (so "registry.example" never matches
// "registry.example:5000/..." nor "registry.example.evil/...").
func (p ExecutionPolicy) CheckBundle(bundle string) error {
	if p.RequireBundleDigest && !pinnedDigest.MatchString(bundle) {
		return fmt.Errorf("bundle %q is not pinned by digest: the execution policy requires @sha256: and 64 hex digits", bundle)
	}
	if len(p.AllowedBundlePrefixes) == 0 {
		return nil
	}
	for _, prefix := range p.AllowedBundlePrefixes {
		if bundleHasPrefix(bundle, prefix) {
			return nil
		}
	}
	return fmt.Errorf("bundle %q is outside the repositories the execution policy allows (%s)", bundle, strings.Join(p.AllowedBundlePrefixes, ", "))
}

func bundleHasPrefix(bundle, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	if bundle == prefix {
		return true
	}
	if !strings.HasPrefix(bundle, prefix) {
		return false
	}
	rest := bundle[len(prefix):]
	switch rest[0] {
	case '/', '@':
		return true
	case ':':
		return !strings.Contains(rest, "/")
	}
	return false
}
