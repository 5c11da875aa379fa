package controlplane

import (
	"os"
	"sync"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

var setLoggerOnce sync.Once

// setLogger sends the manager's logs to standard error, which `go test` shows
// for a failing package or with -v. The logger is process-wide, so it is not
// tied to one test.
func setLogger() {
	setLoggerOnce.Do(func() { ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr))) })
}
