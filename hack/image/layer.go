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
	"fmt"
	"io"
	"io/fs"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// file is one entry of a layer. Mode carries the type (fs.ModeDir,
// fs.ModeSymlink, none for a regular file) and the permission bits,
// including setuid, setgid and sticky.
type file struct {
	Name     string // relative to /, no leading slash; "etc/passwd"
	Mode     fs.FileMode
	UID, GID int
	Data     []byte // regular files
	Link     string // symlinks
}

// tarLayer writes files, in the order given, as one uncompressed tar and
// hands it to go-containerregistry, which gzips it and computes the digests.
// Only the tar is by hand: the registry library has no "files to layer".
func tarLayer(files []file, mtime time.Time, opts ...tarball.LayerOption) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr, err := tarHeader(f, mtime)
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("writing the tar header of %s: %w", f.Name, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, fmt.Errorf("writing %s into the tar: %w", f.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the layer's tar: %w", err)
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("making a layer of the tar: %w", err)
	}
	return layer, nil
}

// tarHeader sets every field a digest depends on, and only those:
// no user or group names, no access or change times.
func tarHeader(f file, mtime time.Time) (*tar.Header, error) {
	hdr := &tar.Header{
		Name:    f.Name,
		Mode:    tarMode(f.Mode),
		Uid:     f.UID,
		Gid:     f.GID,
		ModTime: mtime,
	}
	switch f.Mode.Type() {
	case 0:
		hdr.Typeflag = tar.TypeReg
		hdr.Size = int64(len(f.Data))
	case fs.ModeDir:
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
	case fs.ModeSymlink:
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = f.Link
	default:
		return nil, fmt.Errorf("%s: a %v cannot go into a layer; only files, directories and symlinks", f.Name, f.Mode.Type())
	}
	return hdr, nil
}

// tarMode is the Unix mode a tar header stores: fs.FileMode keeps setuid,
// setgid and sticky outside the low twelve bits.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
