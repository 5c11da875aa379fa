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
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// pluginName is the kubectl plugin's name: `kubectl wfe`, binary kubectl-wfe.
const pluginName = "wfe"

// pluginBinary is one platform's build of the plugin.
type pluginBinary struct {
	os, arch, path string
}

// parsePluginFlag reads "-plugin os/arch=path".
func parsePluginFlag(v string) (pluginBinary, error) {
	platform, path, ok := strings.Cut(v, "=")
	goos, arch, ok2 := strings.Cut(platform, "/")
	if !ok || !ok2 || path == "" {
		return pluginBinary{}, fmt.Errorf("-plugin %q: want os/arch=path", v)
	}
	return pluginBinary{os: goos, arch: arch, path: path}, nil
}

// pluginArchive is the file name of a platform's archive.
func pluginArchive(version string, b pluginBinary) string {
	return fmt.Sprintf("kubectl-%s_%s_%s_%s.tar.gz", pluginName, version, b.os, b.arch)
}

// writePluginArchive archives the binary (0755) with the LICENSE, after
// checking it was built for its platform.
func writePluginArchive(b pluginBinary, license []byte, path string, o options) error {
	data, err := os.ReadFile(b.path)
	if err != nil {
		return err
	}
	if err := checkExecutable(data, b.os, b.arch); err != nil {
		return fmt.Errorf("%s %w", b.path, err)
	}
	return writeArchive(path, []entry{{name: "kubectl-" + pluginName, data: data, mode: 0o755}, {name: "LICENSE", data: license}}, o.mtime, true)
}

// checkExecutable says whether data is a 64-bit executable for goos/arch
// (ELF on linux, Mach-O on darwin); its error reads after the file's name.
func checkExecutable(data []byte, goos, arch string) error {
	switch goos {
	case "linux":
		f, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("is no ELF: %w", err)
		}
		if want, ok := machines[arch]; !ok || f.Machine != want || f.Class != elf.ELFCLASS64 {
			return fmt.Errorf("is a %v %v binary, not linux/%s", f.Class, f.Machine, arch)
		}
	case "darwin":
		f, err := macho.NewFile(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("is no Mach-O: %w", err)
		}
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}
		if cpu, ok := want[arch]; !ok || f.Cpu != cpu {
			return fmt.Errorf("is a %v binary, not darwin/%s", f.Cpu, arch)
		}
	default:
		return fmt.Errorf("is for %s, which has no release", goos)
	}
	return nil
}

// krewManifest is the plugin's manifest for krew's index (apiVersion
// krew.googlecontainertools.github.com/v1alpha2, kind Plugin).
type krewManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string         `json:"version"`
		Homepage         string         `json:"homepage,omitempty"`
		ShortDescription string         `json:"shortDescription"`
		Description      string         `json:"description"`
		Platforms        []krewPlatform `json:"platforms"`
	} `json:"spec"`
}

type krewPlatform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string     `json:"uri"`
	SHA256 string     `json:"sha256"`
	Bin    string     `json:"bin"`
	Files  []krewFile `json:"files"`
}

type krewFile struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// writeKrewManifest writes the manifest naming each archive in dir by its
// download URL and SHA-256, platforms sorted.
func writeKrewManifest(o options, binaries []pluginBinary, path string) error {
	m := krewManifest{APIVersion: "krew.googlecontainertools.github.com/v1alpha2", Kind: "Plugin"}
	m.Metadata.Name = pluginName
	m.Spec.Version, m.Spec.Homepage = o.version, o.homepage
	m.Spec.ShortDescription = "Wait for, describe and read the failed step of Kubernaut WorkflowExecutions"
	m.Spec.Description = "kubectl wfe wait NAME returns when the run finishes either way (exit 0 succeeded; 1 failed, " +
		"cancelled or timed out; 2 --timeout reached; 3 usage or API error).\n" +
		"kubectl wfe describe NAME draws the run, its Tekton PipelineRun and TaskRuns as a tree.\n" +
		"kubectl wfe logs NAME --failed prints the failed step's log.\n"
	sorted := slices.Clone(binaries)
	slices.SortFunc(sorted, func(a, b pluginBinary) int { return strings.Compare(a.os+"/"+a.arch, b.os+"/"+b.arch) })
	for _, b := range sorted {
		archive := pluginArchive(o.version, b)
		data, err := os.ReadFile(filepath.Join(filepath.Dir(path), archive))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		p := krewPlatform{URI: strings.TrimSuffix(o.downloadURL, "/") + "/" + archive, SHA256: hex.EncodeToString(sum[:]),
			Bin: "kubectl-" + pluginName, Files: []krewFile{{From: "kubectl-" + pluginName, To: "."}, {From: "LICENSE", To: "."}}}
		p.Selector.MatchLabels = map[string]string{"os": b.os, "arch": b.arch}
		m.Spec.Platforms = append(m.Spec.Platforms, p)
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
