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

// Command datastorage runs the DataStorage test server on its own, for make dev
// demos: it validates every request against the project's own description of
// DataStorage's OpenAPI contract and logs the audit events it acknowledges.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"kubernaut.ai/wfe-conditions/test/framework/datastorage"
)

func main() {
	every := flag.Duration("report", 2*time.Second, "How often to print what arrived.")
	flag.Parse()
	s, err := datastorage.Start()
	if err == nil {
		defer s.Close()
		fmt.Printf("DataStorage test server on %s (make dev DATASTORAGE_URL=%s)\n", s.URL, s.URL)
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		seen, invalid := 0, 0
		for {
			select {
			case <-stop:
				return
			case <-time.After(*every):
			}
			events := s.Events()
			for _, e := range events[seen:] {
				fmt.Printf("acknowledged %s for %s (correlation %s, phase %s)\n", e.EventType, e.EventData.ExecutionName, e.CorrelationID, e.EventData.Phase)
			}
			seen = len(events)
			bad := s.Invalid()
			for _, b := range bad[invalid:] {
				fmt.Println("INVALID:", b)
			}
			invalid = len(bad)
		}
	}
	fmt.Fprintln(os.Stderr, "datastorage:", err)
	os.Exit(1)
}
