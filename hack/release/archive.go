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
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// entry is one file or folder of an archive.
type entry struct {
	name string // slash-separated; a folder's ends with /
	data []byte
	mode int64 // 0: 0644 for a file
}

// writeArchive writes entries sorted by name, each with mtime, uid and gid
// 0, no user or group names and modes 0755/0644 (or the entry's): the same entries give the
// same bytes. gzipped, with gzip's header left without name or time.
func writeArchive(path string, entries []entry, mtime time.Time, gzipped bool) error {
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var buf bytes.Buffer
	var w io.Writer = &buf
	var gz *gzip.Writer
	if gzipped {
		gz = gzip.NewWriter(&buf)
		w = gz
	}
	tw := tar.NewWriter(w)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, ModTime: mtime, Mode: cmp.Or(e.mode, 0o644), Typeflag: tar.TypeReg, Size: int64(len(e.data)), Format: tar.FormatPAX}
		if strings.HasSuffix(e.name, "/") {
			hdr.Mode, hdr.Typeflag, hdr.Size = 0o755, tar.TypeDir, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// tarFolder writes the folder's content, folders included, as a tar.
func tarFolder(dir, path string, mtime time.Time) error {
	var entries []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			entries = append(entries, entry{name: filepath.ToSlash(rel) + "/"})
			return nil
		}
		data, err := os.ReadFile(p)
		entries = append(entries, entry{name: filepath.ToSlash(rel), data: data})
		return err
	})
	if err != nil {
		return err
	}
	return writeArchive(path, entries, mtime, false)
}
