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
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Dockerfile (for users with a container engine) and `make image` (for
// everyone else) must give the same image. These values stand in for the
// build's VERSION and COMMIT on both sides.
const (
	testVersion = "v9.8.7-agreement"
	testCommit  = "0123456789abcdef"
	testImg     = "example.test/wfe-conditions:agreement"
)

// repoRoot is where the Dockerfile and the Makefile are, two folders up.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// dockerfile is what the test reads of the Dockerfile: the go build of the
// build stage and the run stage's settings, with ${VERSION} and ${COMMIT}
// replaced by the test's values as `docker build --build-arg` would.
type dockerfile struct {
	build      goBuild
	user       string
	entrypoint []string
	expose     []string
	labels     map[string]string
}

func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	args := strings.NewReplacer("${VERSION}", testVersion, "${COMMIT}", testCommit)
	var df dockerfile
	df.labels = map[string]string{}
	for _, line := range instructions(string(raw)) {
		keyword, rest, _ := strings.Cut(line, " ")
		rest = args.Replace(strings.TrimSpace(rest))
		switch strings.ToUpper(keyword) {
		case "FROM":
			// Only the last stage is the image; its settings start afresh.
			df.user, df.entrypoint, df.expose, df.labels = "", nil, nil, map[string]string{}
		case "RUN":
			if words := shellWords(t, rest); slices.Contains(words, "build") {
				df.build = parseGoBuild(t, words)
			}
		case "USER":
			df.user = rest
		case "ENTRYPOINT":
			require.NoError(t, json.Unmarshal([]byte(rest), &df.entrypoint), "ENTRYPOINT is the exec form")
		case "EXPOSE":
			df.expose = append(df.expose, strings.Fields(rest)...)
		case "LABEL":
			for _, kv := range shellWords(t, rest) {
				k, v, ok := strings.Cut(kv, "=")
				require.True(t, ok, "LABEL %q is key=value", kv)
				df.labels[k] = v
			}
		}
	}
	return df
}

// instructions joins the Dockerfile's continued lines and drops comments.
func instructions(text string) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// makeImage is what `make image` runs, read with make -n (which prints the
// commands and runs none): the go build and the hack/image command.
type makeImage struct {
	build   goBuild
	manager map[string]string // hack/image manager's flags
}

func readMakeImage(t *testing.T, root string) makeImage {
	t.Helper()
	_, err := exec.LookPath("make")
	require.NoError(t, err, "GNU make is a prerequisite (README): the agreement is checked against `make -n image`")
	cmd := exec.Command("make", "-n", "-s", "--no-print-directory", "image",
		"VERSION="+testVersion, "COMMIT="+testCommit, "IMG="+testImg)
	cmd.Dir = root
	// A make above this test (make test) must not pass its flags down.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "MFLAGS=") || strings.HasPrefix(kv, "MAKELEVEL=")
	})
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "make -n image: %s", out)
	var mi makeImage
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		words := shellWords(t, line)
		switch {
		case slices.Contains(words, "build"):
			mi.build = parseGoBuild(t, words)
		case slices.Contains(words, "./hack/image"):
			mi.manager = map[string]string{}
			i := slices.Index(words, "./hack/image")
			require.Equal(t, "manager", words[i+1], "make image runs hack/image manager")
			flags := words[i+2:]
			require.Zero(t, len(flags)%2, "hack/image's flags are -name value pairs: %v", flags)
			for j := 0; j < len(flags); j += 2 {
				mi.manager[flags[j]] = flags[j+1]
			}
		}
	}
	require.NotEmpty(t, mi.build.pkg, "make image runs a go build:\n%s", out)
	require.NotNil(t, mi.manager, "make image runs hack/image manager:\n%s", out)
	return mi
}

// goBuild is a `VAR=x go build ...` command taken apart.
type goBuild struct {
	env     map[string]string
	flags   []string // the flags other than -ldflags and -o, sorted
	ldflags []string // -ldflags split into words
	out     string
	pkg     string
}

func parseGoBuild(t *testing.T, words []string) goBuild {
	t.Helper()
	b := goBuild{env: map[string]string{}}
	i := 0
	for ; i < len(words) && strings.Contains(words[i], "="); i++ {
		k, v, _ := strings.Cut(words[i], "=")
		b.env[k] = v
	}
	require.Equal(t, []string{"go", "build"}, words[i:i+2], "a go build command: %v", words)
	for i += 2; i < len(words); i++ {
		switch w := words[i]; {
		case w == "-ldflags":
			i++
			b.ldflags = strings.Fields(words[i])
		case w == "-o":
			i++
			b.out = words[i]
		case strings.HasPrefix(w, "-"):
			b.flags = append(b.flags, w)
		default:
			b.pkg = w
		}
	}
	sort.Strings(b.flags)
	return b
}

// shellWords splits a command line as sh would for the quoting the two
// files use: blanks separate words, double or single quotes group them.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	require.Zero(t, quote, "unbalanced quote in %q", s)
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

func TestDockerfileAndMakeImageAgree(t *testing.T) {
	root := repoRoot(t)
	df := readDockerfile(t, filepath.Join(root, "Dockerfile"))
	mk := readMakeImage(t, root)
	img, err := managerImage([]byte("fake"), mk.manager["-version"], mk.manager["-commit"], time.Unix(0, 0).UTC())
	require.NoError(t, err)
	cf, err := img.ConfigFile()
	require.NoError(t, err)

	var ports []string
	for p := range cf.Config.ExposedPorts {
		ports = append(ports, strings.TrimSuffix(p, "/tcp"))
	}
	stamp := func(name, value string) string {
		return "kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring." + name + "=" + value
	}

	cases := []struct {
		name string
		got  any
		want any
	}{
		// The binary.
		{"both build without cgo", df.build.env["CGO_ENABLED"], mk.build.env["CGO_ENABLED"]},
		{"the Dockerfile builds without cgo", df.build.env["CGO_ENABLED"], "0"},
		{"both pass the same build flags (-trimpath)", df.build.flags, mk.build.flags},
		{"the Dockerfile trims paths", df.build.flags, []string{"-trimpath"}},
		{"both pass the same linker flags", df.build.ldflags, mk.build.ldflags},
		{"the linker strips symbols and stamps version and commit", df.build.ldflags,
			[]string{"-s", "-w", "-X", stamp("Version", testVersion), "-X", stamp("Commit", testCommit)}},
		{"both build the same package", df.build.pkg, mk.build.pkg},
		{"make builds for the OS the image declares", cf.OS, mk.build.env["GOOS"]},
		{"make builds for the architecture the image declares", cf.Architecture, mk.build.env["GOARCH"]},
		{"make sets no other build variable than the Dockerfile's and the platform", withoutPlatform(mk.build.env), df.build.env},
		// What make passes to hack/image.
		{"make puts into the image the binary it built", mk.manager["-binary"], mk.build.out},
		{"make passes VERSION to the image", mk.manager["-version"], testVersion},
		{"make passes COMMIT to the image", mk.manager["-commit"], testCommit},
		{"make names the image IMG", mk.manager["-tag"], testImg},
		{"make writes bin/images/wfe-conditions.tar", filepath.Base(filepath.Dir(mk.manager["-out"])) + "/" + filepath.Base(mk.manager["-out"]), "images/wfe-conditions.tar"},
		// The image.
		{"both run as the same user", df.user, cf.Config.User},
		{"both have the same entrypoint", df.entrypoint, cf.Config.Entrypoint},
		{"both expose the same ports", sorted(df.expose), sorted(ports)},
		{"both have the same labels", df.labels, cf.Config.Labels},
		{"the Dockerfile's entrypoint is the binary it copies", df.entrypoint, []string{"/wfe-conditions"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.got)
		})
	}
}

// withoutPlatform drops GOOS and GOARCH: the Dockerfile builds for the
// platform it runs on, make for the one the image declares.
func withoutPlatform(env map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if k != "GOOS" && k != "GOARCH" {
			out[k] = v
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
