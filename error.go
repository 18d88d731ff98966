package daiyun

import (
	"errors"
	"fmt"
)

// Application error codes. Callers branch on the code; the HTTP layer maps
// each to one status in one place.
const (
	EINVALID      = "invalid"      // the input is wrong; the message says which field and value
	ENOTFOUND     = "not_found"    // no such thing, or the actor may not see it
	ECONFLICT     = "conflict"     // a duplicate or a state that forbids the change
	EUNAUTHORIZED = "unauthorized" // not logged in, or a bad credential
	EFORBIDDEN    = "forbidden"    // logged in but the role may not do this
	ETOOMANY      = "too_many"     // rate limited
	EINTERNAL     = "internal"     // a fault of ours; details are logged, never shown
)

// Error is the one typed application error. Message is safe to show to the
// user who caused it: it never carries another client's data or internal
// details.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an application error with a safe, formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error in err's chain, or
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of an application error, or a
// generic one for an internal error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorMessageOrText returns an application error's safe message, or the
// error's own text for other errors. Only the CLI, talking to the operator on
// their own machine, uses it; the HTTP layer uses ErrorMessage.
func ErrorMessageOrText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
