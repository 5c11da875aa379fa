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
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// profileSeconds is how much of each step a profile covers, from its start.
const profileSeconds = "15"

// profile records CPU profiles of kube-apiserver and the manager over the first
// profileSeconds of a step, into <run>/<step>-<process>.pprof; the returned
// function waits for them.
func (b *bench) profile(ctx context.Context, on bool, step string) (stop func()) {
	if !on {
		return func() {}
	}
	b.profiling = true
	var wg sync.WaitGroup
	save := func(name string, fetch func(context.Context) (io.ReadCloser, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := fetch(ctx)
			if err != nil {
				say("profile %s: %v", name, err)
				return
			}
			defer func() { _ = body.Close() }()
			f, err := os.Create(filepath.Join(b.dir, step+"-"+name+".pprof"))
			if err != nil {
				return
			}
			defer func() { _ = f.Close() }()
			_, _ = io.Copy(f, body)
		}()
	}
	save("kube-apiserver", func(ctx context.Context) (io.ReadCloser, error) {
		hc, err := rest.HTTPClientFor(b.unlimited)
		if err != nil {
			return nil, err
		}
		return get(ctx, hc, strings.TrimSuffix(b.unlimited.Host, "/")+"/debug/pprof/profile?seconds="+profileSeconds)
	})
	save("manager", func(ctx context.Context) (io.ReadCloser, error) {
		return get(ctx, http.DefaultClient, b.mgrPprof+"/debug/pprof/profile?seconds="+profileSeconds)
	})
	return wg.Wait
}

func get(ctx context.Context, hc *http.Client, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return resp.Body, nil
}

// saveHeapProfile writes the manager's heap profile as <run>/heap-<n>.pprof.
func (b *bench) saveHeapProfile(ctx context.Context) {
	b.heaps++
	body, err := get(ctx, http.DefaultClient, b.mgrPprof+"/debug/pprof/heap?gc=1")
	if err != nil {
		say("heap profile: %v", err)
		return
	}
	defer func() { _ = body.Close() }()
	f, err := os.Create(filepath.Join(b.dir, fmt.Sprintf("heap-%d.pprof", b.heaps)))
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }()
	_, _ = io.Copy(f, body)
}
