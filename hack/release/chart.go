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
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/ignore"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// packageChart writes the chart as `helm package` would, but reproducibly
// (Helm stamps the current time on every entry): the files .helmignore
// keeps, under the chart's name, with the release's version and appVersion
// and the image's repository and digest as default values. Then it loads
// and lints what it wrote.
func packageChart(o options, digest, path string) error {
	edits := map[string][]edit{
		"Chart.yaml": {
			{regexp.MustCompile(`(?m)^version: .*$`), "version: " + strings.TrimPrefix(o.version, "v")},
			{regexp.MustCompile(`(?m)^appVersion: .*$`), fmt.Sprintf("appVersion: %q", o.version)},
		},
		"values.yaml": {
			{regexp.MustCompile(`(?m)^  repository: .*$`), "  repository: " + o.imageRepo},
			{regexp.MustCompile(`(?m)^  digest: .*$`), "  digest: " + digest},
		},
	}
	entries, err := chartEntries(o.chart, edits)
	if err != nil {
		return err
	}
	if err := writeArchive(path, entries, o.mtime, true); err != nil {
		return err
	}
	return checkChart(path, o.version, o.imageRepo, digest)
}

// edit replaces the one line re matches.
type edit struct {
	re   *regexp.Regexp
	with string
}

func (e edit) apply(data []byte) ([]byte, error) {
	if n := len(e.re.FindAllIndex(data, -1)); n != 1 {
		return nil, fmt.Errorf("%d lines match %s, want 1", n, e.re)
	}
	return e.re.ReplaceAllLiteral(data, []byte(e.with)), nil
}

// checkChart loads the packaged chart with Helm's loader and lints it.
func checkChart(path, version, repo, digest string) error {
	c, err := loader.Load(path)
	if err != nil {
		return fmt.Errorf("helm cannot load it: %w", err)
	}
	image, _ := c.Values["image"].(map[string]any)
	if c.Metadata.Version != strings.TrimPrefix(version, "v") || c.Metadata.AppVersion != version ||
		image["repository"] != repo || image["digest"] != digest {
		return fmt.Errorf("packaged as %s/%s with image %v", c.Metadata.Version, c.Metadata.AppVersion, image)
	}
	dir, err := os.MkdirTemp("", "wfe-release-chart-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := chartutil.Expand(dir, bytes.NewReader(data)); err != nil {
		return err
	}
	linter := lint.All(filepath.Join(dir, c.Name()), nil, "wfe-conditions-system", false)
	if linter.HighestSeverity >= support.WarningSev {
		var msgs []string
		for _, m := range linter.Messages {
			msgs = append(msgs, m.Error())
		}
		return fmt.Errorf("helm lint: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// chartEntries reads the chart's files as Helm's packaging does (those
// .helmignore keeps, no folders), each under the chart's name, with edits.
func chartEntries(dir string, edits map[string][]edit) ([]entry, error) {
	rules, err := ignore.ParseFile(filepath.Join(dir, ignore.HelmIgnore))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if rules == nil {
		rules = ignore.Empty()
	}
	rules.AddDefaults() // as helm package: templates/.* stay out
	var entries []entry
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if rules.Ignore(rel, fi) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil // Helm's archives list files only
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, e := range edits[filepath.ToSlash(rel)] {
			if data, err = e.apply(data); err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
		}
		entries = append(entries, entry{name: "wfe-conditions/" + filepath.ToSlash(rel), data: data})
		return nil
	})
	return entries, err
}
