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

package cluster

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The node's own images. Nothing is pulled: every image is built here from a
// program in bin/ and imported into containerd.
const (
	imagePrefix = "localhost/wfe-node/"
	// PauseImage holds each pod's namespaces.
	PauseImage = imagePrefix + "pause:1"
	// BusyboxImage has a shell and the usual commands: Tekton's script steps
	// and init containers run in it.
	BusyboxImage = imagePrefix + "busybox:1"
)

// TektonImage is the image of one of Tekton's pod helpers (entrypoint, nop,
// workingdirinit, sidecarlogresults), its program at /ko-app/<name> as in
// Tekton's own images.
func TektonImage(name string) string { return imagePrefix + "tekton-" + name + ":1" }

var tektonHelpers = []string{"entrypoint", "nop", "workingdirinit", "sidecarlogresults"}

// imageSpec is one image built from files placed into a root folder.
type imageSpec struct {
	tag        string
	files      map[string]string // path in the image -> file on the host
	entrypoint string
	cmd        string
	busybox    bool // add busybox's applets as symlinks in /bin
}

// nodeImages returns the specs of the node's images; pause is built from
// test/framework/cluster/pause into tmp.
func nodeImages(bin, pause string) []imageSpec {
	specs := []imageSpec{
		{tag: PauseImage, files: map[string]string{"pause": pause}, entrypoint: "/pause"},
		{tag: BusyboxImage, files: map[string]string{"bin/busybox": busyboxPath}, cmd: "sh", busybox: true},
	}
	for _, h := range tektonHelpers {
		specs = append(specs, imageSpec{tag: TektonImage(h), files: map[string]string{"ko-app/" + h: filepath.Join(bin, "tekton-"+h)},
			entrypoint: "/ko-app/" + h})
	}
	return specs
}

// busyboxPath is Debian's static busybox (make node-prereqs).
const busyboxPath = "/usr/bin/busybox"

// buildImages writes the node's image tarballs into bin/node-images, each
// rebuilt only when its inputs changed, and returns their paths.
func buildImages(root, bin string) ([]string, error) {
	tmp, err := os.MkdirTemp("", "wfe-node-images-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	tool := filepath.Join(tmp, "image")
	pause := filepath.Join(tmp, "pause")
	for out, pkg := range map[string]string{tool: "./hack/image", pause: "./test/framework/cluster/pause"} {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s: %w: %s", pkg, err, b)
		}
	}
	dir := filepath.Join(bin, "node-images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var tars []string
	for _, spec := range nodeImages(bin, pause) {
		name := strings.NewReplacer(imagePrefix, "", ":", "-").Replace(spec.tag)
		out := filepath.Join(dir, name+".tar")
		tars = append(tars, out)
		key, err := spec.key()
		if err != nil {
			return nil, err
		}
		if old, err := os.ReadFile(out + ".key"); err == nil && string(old) == key {
			continue
		}
		if err := spec.build(tool, filepath.Join(tmp, name), out); err != nil {
			return nil, err
		}
		if err := os.WriteFile(out+".key", []byte(key), 0o644); err != nil {
			return nil, err
		}
	}
	return tars, nil
}

// key identifies the inputs: the tag and each file's content.
func (s imageSpec) key() (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, s.tag, s.entrypoint, s.cmd, s.busybox)
	for dst, src := range s.files {
		data, err := os.ReadFile(src)
		if err != nil {
			return "", fmt.Errorf("image %s needs %s (make tools, make node-prereqs): %w", s.tag, src, err)
		}
		fmt.Fprintln(h, dst)
		h.Write(data)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// build lays the files out in rootfs (with /tmp, since a read-only root needs
// somewhere to write) and packs them with hack/image.
func (s imageSpec) build(tool, rootfs, out string) error {
	if err := os.MkdirAll(filepath.Join(rootfs, "tmp"), 0o1777); err != nil {
		return err
	}
	for dst, src := range s.files {
		path := filepath.Join(rootfs, dst)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o755); err != nil {
			return err
		}
	}
	if s.busybox {
		if err := busyboxApplets(rootfs); err != nil {
			return err
		}
	}
	args := []string{"rootfs", "-dir", rootfs, "-tag", s.tag, "-out", out}
	if s.entrypoint != "" {
		args = append(args, "-entrypoint", s.entrypoint)
	}
	if s.cmd != "" {
		args = append(args, "-cmd", s.cmd)
	}
	if b, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("pack %s: %w: %s", s.tag, err, b)
	}
	return nil
}

// busyboxApplets links every applet busybox lists to /bin/busybox, and gives
// the image a passwd and group for root.
func busyboxApplets(rootfs string) error {
	out, err := exec.Command(busyboxPath, "--list").Output()
	if err != nil {
		return fmt.Errorf("%s --list (make node-prereqs installs busybox-static): %w", busyboxPath, err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(rootfs, "etc"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(rootfs, "etc", "group"), []byte("root:x:0:\n"), 0o644)
}
