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
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The execution policy is one JSON object, the variable "policy" of the
// execution ValidatingAdmissionPolicy: the apiserver evaluates it as a CEL
// literal and the manager reads the same text from that object, so that what
// admission allows and what the reconciler runs cannot disagree, and no
// params informer can go stale.
const (
	// ExecutionPolicyName is the ValidatingAdmissionPolicy's name in the
	// shipped overlays.
	ExecutionPolicyName = "wfe-conditions-execution"
	// ExecutionPolicyVariable is the name of its variable holding the policy.
	ExecutionPolicyVariable = "policy"
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
	// creator nor the policy names one. The webhook writes it into the spec,
	// so that what the admission policy authorised is what runs whatever
	// Tekton's own default is.
	TektonDefaultServiceAccount = "default"
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

// Keys of the execution policy. CEL on the apiserver takes only map literals
// whose values share one type, so every value is a string: lists are
// comma-separated and requireBundleDigest is "true" or "false".
const (
	PolicyKeyExecutionNamespace    = "executionNamespace"
	PolicyKeyDefaultServiceAccount = "defaultServiceAccount"
	PolicyKeyAllowedBundlePrefixes = "allowedBundlePrefixes"
	PolicyKeyRequireBundleDigest   = "requireBundleDigest"
	PolicyKeyCorrelatingNamespaces = "correlatingNamespaces"
	PolicyKeyPreviousNamespaces    = "previousExecutionNamespaces"
)

// AnyNamespace in previousExecutionNamespaces stands for the WorkflowExecutions'
// own namespaces: runs started before a switch from own-namespace mode.
const AnyNamespace = "*"

// ExecutionPolicy is where PipelineRuns run, as whom by default, and which
// bundles may run.
type ExecutionPolicy struct {
	// ExecutionNamespace, when set, holds every PipelineRun.
	ExecutionNamespace string
	// DefaultServiceAccount is what the webhook writes into a new
	// WorkflowExecution that names no ServiceAccount.
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
	// PreviousExecutionNamespaces are where runs started under an earlier
	// executionNamespace may still be going: the manager keeps watching them
	// (AnyNamespace: every namespace) so that those runs are followed to
	// their end, never reported as deleted.
	PreviousExecutionNamespaces []string
}

// ParseExecutionPolicy reads the policy's text: one JSON object of strings.
// Unknown keys and values that are not strings are refused, as the admission
// policy refuses them, so that a typo never silently loosens the policy.
func ParseExecutionPolicy(text string) (ExecutionPolicy, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	var data map[string]string
	if err := dec.Decode(&data); err != nil {
		return ExecutionPolicy{}, fmt.Errorf("execution policy: %w (want one JSON object whose values are strings)", err)
	}
	if dec.More() {
		return ExecutionPolicy{}, errors.New("execution policy: text after the JSON object")
	}
	var p ExecutionPolicy
	digestSet := false // "true" or "false", not left unset
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
		case PolicyKeyPreviousNamespaces:
			p.PreviousExecutionNamespaces = splitList(v)
		case PolicyKeyRequireBundleDigest:
			var err error
			if p.RequireBundleDigest, digestSet, err = parseDigestRule(v); err != nil {
				return ExecutionPolicy{}, err
			}
		default:
			return ExecutionPolicy{}, fmt.Errorf("execution policy: unknown key %q (known: %s, %s, %s, %s, %s, %s)", k,
				PolicyKeyExecutionNamespace, PolicyKeyDefaultServiceAccount, PolicyKeyAllowedBundlePrefixes, PolicyKeyRequireBundleDigest,
				PolicyKeyCorrelatingNamespaces, PolicyKeyPreviousNamespaces)
		}
	}
	if !p.RequireBundleDigest && !digestSet && p.ExecutionNamespace != "" {
		// Unset in execution-namespace mode: every tenant's runs share one
		// namespace and its runners, so only pinned bundles run there.
		p.RequireBundleDigest = true
	}
	return p, nil
}

// parseDigestRule reads requireBundleDigest: "true", "false", or "" (unset).
func parseDigestRule(v string) (require, set bool, err error) {
	switch strings.TrimSpace(v) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	case "":
		return false, false, nil
	}
	return false, false, fmt.Errorf("execution policy %s: %q is not \"true\" or \"false\"", PolicyKeyRequireBundleDigest, v)
}

// JSON is the policy as the admission policy's variable holds it.
func (p ExecutionPolicy) JSON() string {
	b, err := json.Marshal(map[string]string{
		PolicyKeyExecutionNamespace:    p.ExecutionNamespace,
		PolicyKeyDefaultServiceAccount: p.DefaultServiceAccount,
		PolicyKeyAllowedBundlePrefixes: strings.Join(p.AllowedBundlePrefixes, ","),
		PolicyKeyRequireBundleDigest:   strconv.FormatBool(p.RequireBundleDigest),
		PolicyKeyCorrelatingNamespaces: strings.Join(p.CorrelatingNamespaces, ","),
		PolicyKeyPreviousNamespaces:    strings.Join(p.PreviousExecutionNamespaces, ","),
	})
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return string(b)
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

// splitPrefixes is splitList that also drops one trailing slash, as the
// admission policy does.
func splitPrefixes(v string) []string {
	var out []string
	for _, s := range splitList(v) {
		if s = strings.TrimSuffix(s, "/"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// WatchedNamespaces are the namespaces whose PipelineRuns the manager must
// see: the execution namespace and the previous ones; nil means every
// namespace (own-namespace mode, or AnyNamespace among the previous).
func (p ExecutionPolicy) WatchedNamespaces() []string {
	if p.ExecutionNamespace == "" || slices.Contains(p.PreviousExecutionNamespaces, AnyNamespace) {
		return nil
	}
	out := []string{p.ExecutionNamespace}
	for _, ns := range p.PreviousExecutionNamespaces {
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	return out
}

// RunNamespace is where the policy runs the PipelineRuns of WorkflowExecutions
// created in namespace: the webhook writes it into spec.executionConfig, and
// the admission policy and the reconciler require it there.
func (p ExecutionPolicy) RunNamespace(namespace string) string {
	if p.ExecutionNamespace != "" {
		return p.ExecutionNamespace
	}
	return namespace
}

// DefaultRunAs is the ServiceAccount the webhook writes when the creator names
// none.
func (p ExecutionPolicy) DefaultRunAs() string {
	if p.DefaultServiceAccount != "" {
		return p.DefaultServiceAccount
	}
	return TektonDefaultServiceAccount
}

// RunAs returns where and as whom the WorkflowExecution runs, as admission
// recorded them in its spec, and false when either is missing (created before
// v0.2.0, or past admission without the webhook and the admission policy).
func RunAs(we *WorkflowExecution) (namespace, serviceAccount string, ok bool) {
	ec := we.Spec.ExecutionConfig
	if ec == nil || ec.Namespace == "" || ec.ServiceAccountName == "" {
		return "", "", false
	}
	return ec.Namespace, ec.ServiceAccountName, true
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
