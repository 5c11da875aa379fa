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

package controlplane

import (
	"fmt"
	"os/exec"

	"kubernaut.ai/wfe-conditions/test/framework/paths"
)

// PreviousRelease is the release that upgrade tests start from. It is found by
// its commit, so a clone made without tags can still build it.
const (
	PreviousRelease       = "v0.1.0"
	previousReleaseCommit = "b8a9b46f88a8890acd1eba23d395f0ba70f2e68b"
)

// ExtractPreviousRelease writes PreviousRelease's files under files (the whole
// tree when none) into dir. When the clone lacks the commit (a shallow or
// single-branch clone), it asks origin for it once.
func ExtractPreviousRelease(dir string, files ...string) error {
	root, err := paths.RepoRoot()
	if err != nil {
		return err
	}
	if exec.Command("git", "-C", root, "cat-file", "-e", previousReleaseCommit+"^{commit}").Run() != nil {
		out, err := exec.Command("git", "-C", root, "fetch", "--no-tags", "origin", previousReleaseCommit).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s (commit %s) is not in this clone and origin did not provide it (git fetch --unshallow, or clone the whole history): %w: %s",
				PreviousRelease, previousReleaseCommit, err, out)
		}
	}
	script := `r="$0" c="$1" d="$2"; shift 2; git -C "$r" archive "$c" "$@" | tar -x -C "$d"`
	args := append([]string{"-c", script, root, previousReleaseCommit, dir}, files...)
	out, err := exec.Command("sh", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("extract %s into %s: %w: %s", PreviousRelease, dir, err, out)
	}
	return nil
}
