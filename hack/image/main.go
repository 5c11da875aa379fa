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

// Command image writes container images as docker-archive tarballs (what
// `ctr -n k8s.io images import` and `docker load` read) with no container
// engine, no registry and no network: the project's machines have none.
//
//	image manager -binary <path> -version V -commit C -tag <ref> -out <file.tar>
//	image rootfs  -dir D -tag T -out O [-entrypoint a,b] [-cmd c,d] [-user uid:gid]
//	image index   -binary linux/<arch>=<path>... -version V -commit C -name <repo:tag> -layout <dir>
//
// The first two write docker-archive tarballs; index writes an OCI image
// index (OCI media types throughout) into an OCI layout folder, for a release.
// All write one layer on an empty base with fixed times, so the same input
// gives the same digest (SOURCE_DATE_EPOCH, when set, is the time used).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"kubernaut.ai/wfe-conditions/hack/sourcedate"
)

const usage = "usage: image manager -binary <path> -version V -commit C -tag <ref> -out <file.tar>\n" +
	"       image rootfs -dir D -tag T -out O [-entrypoint a,b] [-cmd c,d] [-user uid:gid]\n" +
	"       image index -binary linux/<arch>=<path>... -version V -commit C -name <repo:tag> -layout <dir>"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "manager":
		return runManager(args[1:], stdout)
	case "rootfs":
		return runRootfs(args[1:], stdout)
	case "index":
		return runIndex(args[1:], stdout)
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}

func runManager(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	binary := fs.String("binary", "", "the wfe-conditions binary (linux/amd64, static)")
	version := fs.String("version", "dev", "org.opencontainers.image.version")
	commit := fs.String("commit", "unknown", "org.opencontainers.image.revision")
	tag := fs.String("tag", "", "the image's name, e.g. wfe-conditions:dev")
	out := fs.String("out", "", "the docker-archive tarball to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *binary == "" || *tag == "" || *out == "" {
		return errors.New("manager: -binary, -tag and -out are required")
	}
	created, err := sourcedate.Time()
	if err != nil {
		return err
	}
	bin, err := os.ReadFile(*binary)
	if err != nil {
		return fmt.Errorf("manager: reading the binary: %w", err)
	}
	img, err := managerImage(bin, *version, *commit, created)
	if err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	return writeImage(stdout, *out, *tag, img)
}

func runRootfs(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rootfs", flag.ContinueOnError)
	dir := fs.String("dir", "", "the directory that becomes the image's /")
	tag := fs.String("tag", "", "the image's name")
	out := fs.String("out", "", "the docker-archive tarball to write")
	entrypoint := fs.String("entrypoint", "", "the entrypoint, comma-separated")
	cmd := fs.String("cmd", "", "the default arguments, comma-separated")
	user := fs.String("user", "", "uid:gid the container runs as (default root)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *tag == "" || *out == "" {
		return errors.New("rootfs: -dir, -tag and -out are required")
	}
	created, err := sourcedate.Time()
	if err != nil {
		return err
	}
	img, err := rootfsImage(*dir, rootfsConfig(splitList(*entrypoint), splitList(*cmd), *user), created)
	if err != nil {
		return fmt.Errorf("rootfs: %w", err)
	}
	return writeImage(stdout, *out, *tag, img)
}

// splitList reads "a,b" as [a b] and "" as nothing, so that an unset flag
// leaves the config field empty rather than [""].
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
