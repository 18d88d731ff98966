package daiyun

// Version and Commit identify the build; the Makefile sets them with
// -ldflags.
var (
	Version = "0.1.0-dev"
	Commit  = "unknown"
)
