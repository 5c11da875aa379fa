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

package process

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// WaitUntil calls done every interval, at once first, until it says true or
// fails; after timeout it fails naming what was awaited. Harnesses wait for
// the programs they start with it.
func WaitUntil(ctx context.Context, interval, timeout time.Duration, what string, done func() (bool, error)) error {
	err := wait.PollUntilContextTimeout(ctx, interval, timeout, true, func(context.Context) (bool, error) { return done() })
	switch {
	case err == nil || ctx.Err() != nil:
		return err
	case wait.Interrupted(err):
		return fmt.Errorf("%s: not done after %s", what, timeout)
	default:
		return err
	}
}
