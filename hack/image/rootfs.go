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
	"io/fs"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// rootfsImage makes a one-layer image of a host folder, for the images a
// test harness needs (pause, a busybox step, Tekton's helpers) without
// pulling them.
func rootfsImage(dir string, cfg v1.Config, created time.Time) (v1.Image, error) {
	files, err := dirFiles(dir)
	if err != nil {
		return nil, err
	}
	return buildImage(files, cfg, "hack/image rootfs", created, imageArch, false)
}

func rootfsConfig(entrypoint, cmd []string, user string) v1.Config {
	return v1.Config{Entrypoint: entrypoint, Cmd: cmd, User: user, Env: []string{defaultPath}}
}

// dirFiles reads dir as layer entries: modes kept, symlinks kept as links
// (not followed), and every entry owned by root whoever owns it on the host,
// so the image does not depend on who built it. WalkDir's lexical order
// puts parents before children and makes the tar the same every time.
func dirFiles(dir string) ([]file, error) {
	var files []file
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := file{Name: filepath.ToSlash(rel), Mode: info.Mode()}
		switch info.Mode().Type() {
		case 0:
			if f.Data, err = os.ReadFile(path); err != nil {
				return err
			}
		case fs.ModeSymlink:
			if f.Link, err = os.Readlink(path); err != nil {
				return err
			}
		case fs.ModeDir:
		default:
			return fmt.Errorf("%s is a %v; only files, directories and symlinks go into an image", path, info.Mode().Type())
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return files, nil
}
