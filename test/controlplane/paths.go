package controlplane

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// module is the project's module path, as go.mod declares it.
const module = "kubernaut.ai/wfe-conditions"

// RepoRoot is the folder holding the project's go.mod. It is found from this
// file's path, or, in a binary built with -trimpath (as make builds them),
// from the working folder up: go test runs in the package's folder, and the
// programs under hack/ run from the repository's root.
func RepoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(data, []byte("module "+module+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot locate the repository root: run from inside it")
		}
		dir = parent
	}
}

// Binary returns the path of a tool built into bin/, or an error that says how
// to build it.
func Binary(name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, "bin", name)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s is not built: run 'make tools' first: %w", path, err)
	}
	return path, nil
}

func requireBinaries(dir string) error {
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := Binary(name); err != nil {
			return err
		}
	}
	return nil
}

// tektonCRDFiles are the Tekton CRDs the product touches: Pipelines and Tasks it
// may reference, PipelineRuns and TaskRuns it creates and watches.
var tektonCRDFiles = []string{"300-pipeline.yaml", "300-pipelinerun.yaml", "300-task.yaml", "300-taskrun.yaml"}

var tektonCRDsOnce = sync.OnceValues(func() ([]*apiextensionsv1.CustomResourceDefinition, error) { return loadTektonCRDs(tektonCRDFiles) })

// allTektonCRDsOnce are every CRD Tekton's controller watches, for the tests
// that run it.
var allTektonCRDsOnce = sync.OnceValues(func() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	dir, err := TektonModuleDir()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "config", "300-crds", "300-*.yaml"))
	if err != nil {
		return nil, err
	}
	for i := range files {
		files[i] = filepath.Base(files[i])
	}
	return loadTektonCRDs(files)
})

func tektonCRDs(all bool) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	load := tektonCRDsOnce
	if all {
		load = allTektonCRDsOnce
	}
	crds, err := load()
	if err != nil {
		return nil, err
	}
	out := make([]*apiextensionsv1.CustomResourceDefinition, len(crds))
	for i, c := range crds {
		out[i] = c.DeepCopy()
	}
	return out, nil
}

// AllTektonCRDs are every CRD of Tekton's pipeline module, conversion off, for
// a cluster the harness does not start (the real node).
func AllTektonCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) { return tektonCRDs(true) }

// TektonModuleDir is where the Go module cache holds the tektoncd/pipeline
// module this project builds against.
func TektonModuleDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tektoncd/pipeline")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locate the tektoncd/pipeline module: %w: %s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// loadTektonCRDs reads Tekton's CRDs from its module and turns off their
// conversion webhook: Tekton's webhook does not run here.
func loadTektonCRDs(files []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	dir, err := TektonModuleDir()
	if err != nil {
		return nil, err
	}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, "config", "300-crds", name))
		if err != nil {
			return nil, fmt.Errorf("read Tekton CRD: %w", err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			return nil, fmt.Errorf("decode Tekton CRD %s: %w", name, err)
		}
		crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
		crds = append(crds, crd)
	}
	return crds, nil
}

func objectMeta(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}

// ModuleDir is where a Go module at an exact version (module@version) lies in
// the module cache, downloaded if need be: for files such as another project's
// CRDs that the tests install.
func ModuleDir(moduleAtVersion string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", moduleAtVersion)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("download %s: %w: %s", moduleAtVersion, err, stderr.String())
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return "", fmt.Errorf("read go mod download's answer for %s: %w", moduleAtVersion, err)
	}
	return mod.Dir, nil
}
