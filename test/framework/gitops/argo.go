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

package gitops

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Health is the table an Argo CD health script returns.
type Health struct {
	Status  string
	Message string
}

// argoStatuses are the statuses Argo CD accepts from a script.
var argoStatuses = map[string]bool{
	Healthy: true, Progressing: true, Degraded: true, "Suspended": true, "Missing": true, "Unknown": true,
}

// ArgoScript reads config/gitops/argocd/health.lua.
func ArgoScript() (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(dir, "argocd", "health.lua"))
	return string(b), err
}

// RunHealthScript runs an Argo CD health script on obj the way Argo CD does:
// a fresh interpreter with only the base, table, string and math libraries,
// obj as the global `obj`, and the returned table's status and message.
func RunHealthScript(script string, obj map[string]any) (Health, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for name, open := range map[string]lua.LGFunction{
		lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable,
		lua.StringLibName: lua.OpenString, lua.MathLibName: lua.OpenMath,
	} {
		L.Push(L.NewFunction(open))
		L.Push(lua.LString(name))
		L.Call(1, 0)
	}
	// A script that loops must not hang the test, as it must not hang Argo CD.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	L.SetContext(ctx)
	o, err := ToLua(L, obj)
	if err != nil {
		return Health{}, err
	}
	L.SetGlobal("obj", o)
	if err := L.DoString(script); err != nil {
		return Health{}, err
	}
	t, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return Health{}, fmt.Errorf("the script returned %s, not a table", L.Get(-1).Type())
	}
	h := Health{Status: lua.LVAsString(t.RawGetString("status")), Message: lua.LVAsString(t.RawGetString("message"))}
	if !argoStatuses[h.Status] {
		return h, fmt.Errorf("the script returned status %q, which Argo CD does not know", h.Status)
	}
	return h, nil
}

// ToLua converts a value of an unstructured object into Lua: maps and lists
// become tables (lists 1-based), numbers LNumber.
func ToLua(L *lua.LState, v any) (lua.LValue, error) {
	switch v := v.(type) {
	case nil:
		return lua.LNil, nil
	case string:
		return lua.LString(v), nil
	case bool:
		return lua.LBool(v), nil
	case int64:
		return lua.LNumber(v), nil
	case int:
		return lua.LNumber(v), nil
	case float64:
		return lua.LNumber(v), nil
	case map[string]any:
		t := L.CreateTable(0, len(v))
		for k, e := range v {
			lv, err := ToLua(L, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			t.RawSetString(k, lv)
		}
		return t, nil
	case []any:
		t := L.CreateTable(len(v), 0)
		for i, e := range v {
			lv, err := ToLua(L, e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			t.RawSetInt(i+1, lv)
		}
		return t, nil
	}
	return nil, fmt.Errorf("no Lua value for %T", v)
}
