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

// Package dashboard reads the shipped Grafana dashboard with Grafana's own
// Go types, strictly: an unknown field, a wrong type or a missing required
// one is an error, as Grafana's schema says.
package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// Query is one Prometheus query of a panel.
type Query struct {
	Panel, RefID, Expr string
	// Datasource is the panel's and the query's datasource uid.
	Datasource string
}

// Read decodes the dashboard at path strictly, each panel too. The classic
// JSON model (the SDK's deprecated v1 types) is what Grafana's sidecar and
// file provisioning load; v2 is only its newer dashboard API's.
func Read(path string) (*dashboard.Dashboard, error) { //nolint:staticcheck // see above
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	plugins.RegisterDefaultPlugins() // the panel and query types, Prometheus's among them
	d := &dashboard.Dashboard{}      //nolint:staticcheck // the classic model, see Read
	if err := d.UnmarshalJSONStrict(data); failed(err) {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	// The SDK's strict decoding of a panel list drops every panel (its
	// panel decoder takes its own empty error list for a failure), so each
	// panel is decoded here, as strictly.
	var raw struct{ Panels []json.RawMessage }
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	d.Panels = nil
	for i, p := range raw.Panels {
		var kind struct{ Type string }
		if err := json.Unmarshal(p, &kind); err != nil {
			return nil, err
		}
		var one dashboard.PanelOrRowPanel
		if kind.Type == "row" {
			one.RowPanel = &dashboard.RowPanel{}
			err = one.RowPanel.UnmarshalJSONStrict(p)
		} else {
			one.Panel = &dashboard.Panel{}
			if err = one.Panel.UnmarshalJSONStrict(p); !failed(err) {
				one.Panel.Targets, err = prometheusQueries(p)
			}
		}
		if failed(err) {
			return nil, fmt.Errorf("decode %s, panel %d: %w", path, i, err)
		}
		d.Panels = append(d.Panels, one)
	}
	return d, nil
}

// prometheusQueries decodes a panel's targets strictly as Prometheus
// queries (the SDK drops them the same way as panels).
func prometheusQueries(panel json.RawMessage) ([]variants.Dataquery, error) {
	var raw struct{ Targets []json.RawMessage }
	if err := json.Unmarshal(panel, &raw); err != nil {
		return nil, err
	}
	var out []variants.Dataquery
	for i, t := range raw.Targets {
		q := &prometheus.Dataquery{}
		if err := q.UnmarshalJSONStrict(t); failed(err) {
			return nil, fmt.Errorf("target %d: %w", i, err)
		}
		if q.Datasource == nil || deref(q.Datasource.Type) != "prometheus" {
			return nil, fmt.Errorf("target %d: not a Prometheus query", i)
		}
		out = append(out, q)
	}
	return out, nil
}

// failed tells a real error from the SDK's empty error list, which it
// returns on success.
func failed(err error) bool {
	var errs cog.BuildErrors
	return err != nil && (!errors.As(err, &errs) || len(errs) > 0)
}

// Queries lists the Prometheus queries of every panel; a query of another
// kind is an error.
func Queries(d *dashboard.Dashboard) ([]Query, error) { //nolint:staticcheck // the classic model, see Read
	var out []Query
	for _, p := range d.Panels {
		if p.Panel == nil {
			continue // a row
		}
		title := ""
		if p.Panel.Title != nil {
			title = *p.Panel.Title
		}
		for _, t := range p.Panel.Targets {
			q, ok := t.(*prometheus.Dataquery)
			if !ok {
				return nil, fmt.Errorf("panel %q: a %T query, not Prometheus's", title, t)
			}
			out = append(out, Query{Panel: title, RefID: deref(q.RefId), Expr: q.Expr, Datasource: uid(q.Datasource)})
		}
	}
	return out, nil
}

func uid(ref *common.DataSourceRef) string {
	if ref == nil {
		return ""
	}
	return deref(ref.Uid)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Substitute replaces Grafana's interval variables with a fixed window, so
// that a query runs on Prometheus itself.
func Substitute(expr, window string) string {
	return strings.NewReplacer("$__rate_interval", window, "$__interval", window, "$__range", window).Replace(expr)
}
