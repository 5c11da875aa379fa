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

package node

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	wfev1 "kubernaut.ai/wfe-conditions/api/v1alpha1"
	"kubernaut.ai/wfe-conditions/test/framework/cluster"
)

// managerLogs holds, for each manager log file seen, when it said
// "forbidden". The kubelet removes a deleted pod's logs, so tests that delete
// manager pods call collectManagerLogs first.
var managerLogs = map[string][]time.Time{}

// undeploys are the times `make undeploy` ran, which removes the manager's
// RBAC while its pods still run, and the time the previous release ran under
// its own manifests (its leader-election Role could not create Events): the
// denials then are the teardown's or the old release's, not this build's.
var undeploys [][2]time.Time

func duringUndeploy(at time.Time) bool {
	for _, w := range undeploys {
		if !at.Before(w[0]) && !at.After(w[1]) {
			return true
		}
	}
	return false
}

// collectManagerLogs reads the manager pods' log files, rotated ones too. A
// kubelet log line starts with its RFC 3339 time.
func collectManagerLogs() {
	dirs, _ := filepath.Glob(filepath.Join(cluster.Root, "state", "pod-logs", wfev1.InstallNamespace+"_*"))
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*", "*.log*"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			var at []time.Time
			for _, line := range strings.Split(string(data), "\n") {
				if strings.Contains(strings.ToLower(line), "forbidden") {
					ts, _, _ := strings.Cut(line, " ")
					t, _ := time.Parse(time.RFC3339Nano, ts)
					at = append(at, t)
				}
			}
			managerLogs[file] = at
		}
	}
}

// forbiddenChecked is set once noForbidden ran: before `make undeploy`, which
// removes the manager's RBAC while its pods still run, and its pods' logs.
var forbiddenChecked bool

// noForbidden checks, after the suite (before the undeploy), that the
// apiserver denied no request of the manager's ServiceAccount (its audit log
// records them all) and that the manager pods' logs never say "forbidden".
func noForbidden() error {
	forbiddenChecked = true
	f, err := os.Open(cluster.AuditLog)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	user := wfev1.ControllerUsername(wfev1.InstallNamespace)
	total, teardown, denied := 0, 0, []string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct {
			User           struct{ Username string } `json:"user"`
			Verb           string                    `json:"verb"`
			RequestURI     string                    `json:"requestURI"`
			ResponseStatus struct{ Code int }        `json:"responseStatus"`
			Received       time.Time                 `json:"requestReceivedTimestamp"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.User.Username != user {
			continue
		}
		total++
		if e.ResponseStatus.Code == 403 && duringUndeploy(e.Received) {
			teardown++
		} else if e.ResponseStatus.Code == 403 {
			denied = append(denied, e.Verb+" "+e.RequestURI)
		}
	}
	collectManagerLogs()
	logs, forbidden := len(managerLogs), 0
	for _, at := range managerLogs {
		for _, t := range at {
			if !duringUndeploy(t) {
				forbidden++
			}
		}
	}
	fmt.Printf("the manager's requests in the audit log: %d, denied: %d (and %d during make undeploy or the previous release); manager log files: %d, lines with \"forbidden\": %d\n",
		total, len(denied), teardown, logs, forbidden)
	switch {
	case total == 0:
		return fmt.Errorf("no request of %s in the audit log: the manager never ran under its ServiceAccount", user)
	case logs == 0:
		return fmt.Errorf("no manager log file under %s", filepath.Join(cluster.Root, "state", "pod-logs"))
	case len(denied) > 0 || forbidden > 0:
		return fmt.Errorf("the manager was denied: %d requests (%v), %d log mentions of forbidden", len(denied), denied, forbidden)
	}
	return nil
}
