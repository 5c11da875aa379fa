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
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// What gcr.io/distroless/static:nonroot, the Dockerfile's base, gives the
// manager. The Dockerfile and this file must agree; hack/image's test reads
// the Dockerfile and holds them equal.
const (
	managerBinary   = "/wfe-conditions"
	managerUser     = "65532:65532"
	managerWorkDir  = "/home/nonroot"
	managerTitle    = "wfe-conditions"
	caBundlePath    = "/etc/ssl/certs/ca-certificates.crt"
	labelVersion    = "org.opencontainers.image.version"
	labelRevision   = "org.opencontainers.image.revision"
	labelTitle      = "org.opencontainers.image.title"
	nonrootUID      = 65532
	managerPasswd   = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	managerGroup    = "root:x:0:\nnonroot:x:65532:\n"
	managerNSSwitch = "hosts: files dns\n" // Go's resolver reads it; without it, DNS before /etc/hosts.
)

// managerPorts are the ports config/manager/manager.yaml names: the
// webhook, the probes and the metrics.
var managerPorts = []string{"9443/tcp", "8081/tcp", "8443/tcp"}

// managerImage is the manager's image: the binary and the few files of
// distroless static:nonroot it relies on, in one layer.
//
// No tzdata: the manager's code calls no time.LoadLocation (the only callers
// linked in are cel-go's timestamp functions, and the manager evaluates no
// CEL), so unlike distroless there is no /usr/share/zoneinfo.
func managerImage(binary []byte, version, commit string, created time.Time) (v1.Image, error) {
	return managerImageFor(binary, version, commit, created, imageArch, false)
}

// managerImageFor is the manager's image for linux/arch, with OCI media
// types when oci.
func managerImageFor(binary []byte, version, commit string, created time.Time, arch string, oci bool) (v1.Image, error) {
	files, err := managerFiles(binary)
	if err != nil {
		return nil, err
	}
	return buildImage(files, managerConfig(version, commit), "hack/image manager", created, arch, oci)
}

func managerFiles(binary []byte) ([]file, error) {
	ca, err := caBundle()
	if err != nil {
		return nil, fmt.Errorf("building the CA bundle: %w", err)
	}
	dir := func(name string, mode fs.FileMode, id int) file {
		return file{Name: name, Mode: fs.ModeDir | mode, UID: id, GID: id}
	}
	reg := func(name string, mode fs.FileMode, data []byte) file {
		return file{Name: name, Mode: mode, Data: data}
	}
	// Parents before children, as a runtime unpacking the tar expects.
	return []file{
		dir("etc", 0o755, 0),
		reg("etc/group", 0o644, []byte(managerGroup)),
		reg("etc/nsswitch.conf", 0o644, []byte(managerNSSwitch)),
		reg("etc/passwd", 0o644, []byte(managerPasswd)),
		dir("etc/ssl", 0o755, 0),
		dir("etc/ssl/certs", 0o755, 0),
		reg("etc/ssl/certs/ca-certificates.crt", 0o644, ca),
		dir("home", 0o755, 0),
		dir("home/nonroot", 0o700, nonrootUID),
		dir("root", 0o700, 0),
		dir("tmp", fs.ModeSticky|0o777, 0),
		reg("wfe-conditions", 0o755, binary),
	}, nil
}

func managerConfig(version, commit string) v1.Config {
	ports := map[string]struct{}{}
	for _, p := range managerPorts {
		ports[p] = struct{}{}
	}
	return v1.Config{
		User:         managerUser,
		Entrypoint:   []string{managerBinary},
		WorkingDir:   managerWorkDir,
		ExposedPorts: ports,
		Env:          []string{defaultPath, "SSL_CERT_FILE=" + caBundlePath},
		Labels: map[string]string{
			labelVersion:  version,
			labelRevision: commit,
			labelTitle:    managerTitle,
		},
	}
}
