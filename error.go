package dangke

import (
	"errors"
	"fmt"
)

// Error codes. Every error a user can see carries one of these.
const (
	EINVALID   = "invalid"   // the input is wrong; the message says which field and how to fix it
	ENOTFOUND  = "not_found" // a named unit, entry or person does not exist
	ECONFLICT  = "conflict"  // the entry would duplicate an existing one
	EFORBIDDEN = "forbidden" // the sender may not do this
	EINTERNAL  = "internal"  // our fault; details are logged, not shown
)

// Error is a domain error whose Message is a short Chinese sentence fit to
// show the user as it is.
type Error struct {
	Code    string
	Message string
	Field   string // the label of the input field at fault, when there is one
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one input field; label is the
// field's Chinese label, which also starts the message.
func FieldErrorf(label, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: label, Message: label + fmt.Sprintf(format, args...)}
}

// ErrorField returns the field label of the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the Message of an
// *Error, or a generic apology for anything else.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "内部错误，请稍后再试；如反复出现请联系管理员。"
}
