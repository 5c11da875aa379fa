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
	"strings"
)

// BundleImagePattern is workflowRef.containerImage's grammar: a reference of
// github.com/distribution/reference v0.6.0 (its ReferenceRegexp) with the
// domain required and no digest (containerDigest holds it). The CRD carries
// the same pattern (a test holds the three equal); a bundle that fails it never
// reaches the prefix check, so "registry/team-a/../team-b/x", which Tekton's
// resolver would accept, is refused here.
const BundleImagePattern = `^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$`

// MaxBundleName is the most characters of a bundle's name (domain and path,
// without the tag), as distribution/reference allows.
const MaxBundleName = 255

var bundleImage = regexp.MustCompile(BundleImagePattern)

// CheckBundleImage says why containerImage is not a bundle reference a
// WorkflowExecution may run, or nil. It gives the CRD's verdict: the
// grammar, an explicit domain (one with a dot or a port, or localhost, so a
// reference never silently means Docker Hub), and a name of at most 255
// characters.
func CheckBundleImage(image string) error {
	if strings.Contains(image, "@") {
		return fmt.Errorf("bundle %q carries a digest: set it in workflowRef.containerDigest", image)
	}
	if !bundleImage.MatchString(image) {
		return fmt.Errorf("bundle %q is not an image reference with a registry domain, such as quay.io/team/workflow:v1 "+
			"(path segments are lower-case, never empty or \"..\")", image)
	}
	domain, _, _ := strings.Cut(image, "/")
	if domain != "localhost" && !strings.ContainsAny(domain, ".:") {
		return fmt.Errorf("bundle %q names no registry: its first segment %q has no dot or port and is not localhost", image, domain)
	}
	if name := bundleName(image); len(name) > MaxBundleName {
		return fmt.Errorf("bundle %q has a name of %d characters: at most %d", image, len(name), MaxBundleName)
	}
	return nil
}

// bundleName is the reference without its tag.
func bundleName(image string) string {
	if i := strings.LastIndexByte(image, ':'); i > strings.LastIndexByte(image, '/') {
		return image[:i]
	}
	return image
}
