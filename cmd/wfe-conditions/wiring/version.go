package wiring

// Version and Commit say which build this is; make, the Dockerfile and the
// offline image set them with -ldflags -X, a plain go build leaves them so.
var (
	Version = "dev"
	Commit  = "unknown"
)
