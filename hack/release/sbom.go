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
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// writeSBOM lists the Go modules linked into the manager, as the binary's
// build information records them (every platform links the same ones), as
// a CycloneDX JSON document. No serial number and the source's date as its
// time: the same binary gives the same bytes.
func writeSBOM(o options, path string) error {
	info, err := buildinfo.ReadFile(o.binary)
	if err != nil {
		return fmt.Errorf("read the build information of %s: %w", o.binary, err)
	}
	purl := func(path, version string) string { return "pkg:golang/" + path + "@" + version }
	app := cdx.Component{
		BOMRef: purl(info.Main.Path, o.version), Type: cdx.ComponentTypeApplication,
		Name: "wfe-conditions", Version: o.version, PackageURL: purl(info.Main.Path, o.version),
		Properties: &[]cdx.Property{{Name: "go.version", Value: info.GoVersion}},
	}
	var components []cdx.Component
	var deps []string
	for _, m := range info.Deps {
		if m.Replace != nil {
			m = m.Replace
		}
		ref := purl(m.Path, m.Version)
		c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: m.Path, Version: m.Version, PackageURL: ref}
		if m.Sum != "" {
			c.Properties = &[]cdx.Property{{Name: "go.sum", Value: m.Sum}}
		}
		components = append(components, c)
		deps = append(deps, ref)
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = ""
	bom.Metadata = &cdx.Metadata{Timestamp: o.mtime.Format("2006-01-02T15:04:05Z"), Component: &app}
	bom.Components = &components
	bom.Dependencies = &[]cdx.Dependency{{Ref: app.BOMRef, Dependencies: &deps}}
	var b strings.Builder
	if err := cdx.NewBOMEncoder(&b, cdx.BOMFileFormatJSON).SetPretty(true).Encode(bom); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
