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
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"kubernaut.ai/wfe-conditions/test/framework/process"
)

// start runs path with args, its output in Root/logs/name.log and its PID in
// Root/pids/name. It dies with the test process (a killed test leaves no
// orphan for the envtest reaper to find), and what it leaves behind is undone
// by the next Start.
func (c *Cluster) start(name, path string, env []string, args ...string) error {
	p, err := process.Start(name, path, process.Options{Env: env, Log: filepath.Join(Root, "logs", name+".log")}, args...)
	if err != nil {
		return err
	}
	record := strconv.Itoa(p.PID()) + " " + exeOf(p.PID())
	if err := os.WriteFile(filepath.Join(Root, "pids", name), []byte(record), 0o600); err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return nil
}

// stopProc ends one program: SIGTERM, then SIGKILL after grace.
func stopProc(p *process.Proc, grace time.Duration) {
	p.Stop(grace)
	_ = os.Remove(filepath.Join(Root, "pids", p.Name))
}

// placeBinary puts a tool from bin/ into Root/bin, hard-linked when it can be:
// the envtest reaper kills orphaned etcd and kube-apiserver processes run from
// bin/, and the node's cleanup kills processes run from Root/bin, so the two
// harnesses never touch each other's processes.
func placeBinary(bin, name string) (string, error) {
	src, dst := filepath.Join(bin, name), filepath.Join(Root, "bin", name)
	// Never write through an earlier link: that would truncate bin/'s copy.
	if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
		return "", err
	}
	if err := os.Link(src, dst); err == nil {
		return dst, nil
	}
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("%s is not built (make tools): %w", src, err)
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return "", err
	}
	return dst, out.Close()
}
