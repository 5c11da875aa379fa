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

package wiring

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kubernaut.ai/wfe-conditions/reconciler"
)

func TestRetentionIsOffByDefaultAndTakesDurationsPerOutcome(t *testing.T) {
	parse := func(args ...string) (*Options, error) {
		o := &Options{}
		fs := flag.NewFlagSet("wfe-conditions", flag.ContinueOnError)
		o.BindFlags(fs)
		require.NoError(t, fs.Parse(append([]string{"--execution-policy-name=p", "--install-namespace=ns"}, args...)))
		return o, o.validate()
	}
	o, err := parse()
	require.NoError(t, err)
	assert.Equal(t, reconciler.Retention{}, o.Retention, "off by default: every PipelineRun is kept, as before")

	o, err = parse("--retain-succeeded=1h", "--retain-failed=168h")
	require.NoError(t, err)
	assert.Equal(t, reconciler.Retention{Succeeded: time.Hour, Failed: 168 * time.Hour}, o.Retention)

	_, err = parse("--retain-failed=-1s")
	assert.EqualError(t, err, "--retain-succeeded and --retain-failed must be 0 (keep) or positive")
}

// docs/flags.md is the operator's list of the manager's flags: a flag bound
// without its row there fails here.
func TestEveryFlagIsInTheFlagsReference(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "flags.md"))
	require.NoError(t, err)
	fs := flag.NewFlagSet("wfe-conditions", flag.ContinueOnError)
	(&Options{}).BindFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		assert.True(t, strings.Contains(string(doc), "`--"+f.Name+"`"), "docs/flags.md documents --%s", f.Name)
	})
}
