package iam

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an IAM or STS error as the client sees it: the code, HTTP status
// and message of an <ErrorResponse> document. Directory methods return
// them for every refusal a client caused; other errors (a store that
// cannot reach its quorum) are the server's.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The error codes of the IAM and STS query APIs that zones3 answers with.
const (
	CodeNoSuchEntity            = "NoSuchEntity"
	CodeEntityAlreadyExists     = "EntityAlreadyExists"
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	CodeLimitExceeded           = "LimitExceeded"
	CodeDeleteConflict          = "DeleteConflict"
	CodeValidationError         = "ValidationError"
	CodeInvalidInput            = "InvalidInput"
	CodeAccessDenied            = "AccessDenied"
	CodeInvalidAction           = "InvalidAction"
	CodeMissingAction           = "MissingAction"
	CodeMissingParameter        = "MissingParameter"
	CodeMalformedQueryString    = "MalformedQueryString"
	CodePackedPolicyTooLarge    = "PackedPolicyTooLarge"
	CodeServiceFailure          = "ServiceFailure"
	CodeServiceUnavailable      = "ServiceUnavailable"

	// Authentication.
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeInvalidClientTokenID       = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeExpiredToken               = "ExpiredToken"
	CodeRequestExpired             = "RequestExpired"
)

func newError(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

func noSuchEntity(format string, args ...any) *Error {
	return newError(CodeNoSuchEntity, http.StatusNotFound, format, args...)
}

func entityAlreadyExists(format string, args ...any) *Error {
	return newError(CodeEntityAlreadyExists, http.StatusConflict, format, args...)
}

func limitExceeded(format string, args ...any) *Error {
	return newError(CodeLimitExceeded, http.StatusConflict, format, args...)
}

func deleteConflict(format string, args ...any) *Error {
	return newError(CodeDeleteConflict, http.StatusConflict, format, args...)
}

func malformedPolicy(format string, args ...any) *Error {
	return newError(CodeMalformedPolicyDocument, http.StatusBadRequest, format, args...)
}

func invalidInput(format string, args ...any) *Error {
	return newError(CodeInvalidInput, http.StatusBadRequest, format, args...)
}

func accessDenied(format string, args ...any) *Error {
	return newError(CodeAccessDenied, http.StatusForbidden, format, args...)
}

func validationErrorf(format string, args ...any) *Error {
	return newError(CodeValidationError, http.StatusBadRequest, format, args...)
}

// validationError is AWS's message for a parameter that breaks its
// constraint.
func validationError(field, value, constraint string) *Error {
	return validationErrorf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

// asError returns err as an *Error when it is (or wraps) one.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsCode reports whether err is an IAM error with the given code.
func IsCode(err error, code string) bool {
	e, ok := asError(err)
	return ok && e.Code == code
}
