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

package paths

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
)

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now. It is
// drawn below Linux's ephemeral range (32768-60999): a port from that range can
// be taken by any outgoing connection before the caller's process listens on
// it, which under load is seconds later.
func FreePort() (int, error) {
	const low, high = 20000, 32768
	for range 100 {
		port := low + rand.IntN(high-low)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		_ = l.Close()
		return port, nil
	}
	return 0, errors.New("no free port on 127.0.0.1 between 20000 and 32767")
}
