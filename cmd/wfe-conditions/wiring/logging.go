package wiring

import (
	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
)

// SetLogger makes l the logger of controller-runtime and of client-go's klog,
// so that leader election, reflector errors and client-go warnings come out
// structured like every other line rather than as klog's plain text.
func SetLogger(l logr.Logger) {
	ctrl.SetLogger(l)
	// ContextualLogger: klog.FromContext and friends hand out l itself.
	klog.SetLoggerWithOptions(l, klog.ContextualLogger(true))
}
