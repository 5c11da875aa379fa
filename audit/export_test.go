package audit

// The package's own tests (package audit_test) reach these unexported
// functions through the names below; nothing else can.
var (
	ParseResponse = parseResponse
	BuildEvent    = buildEvent
	MetricFailed  = metricFailed
)
