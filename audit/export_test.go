package audit

// The package's own tests (package audit_test) reach these unexported
// functions through the names below; nothing else can.
var (
	ParseResponse = parseResponse
	BuildEvent    = buildEvent
	MetricFailed  = metricFailed
)

// Tracked counts the WorkflowExecutions the delivery holds any state of.
func (d *Delivery) Tracked() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.states) + len(d.inFlight)
}

// SendTimestamp is sendTimestamp, for the table test.
var SendTimestamp = sendTimestamp
