package policy

import (
	"errors"
	"net/http"
)

// Error codes a policy error carries. Which one a document earns depends on
// where it was submitted: the IAM query API answers MalformedPolicyDocument
// (and LimitExceeded for size), S3's PutBucketPolicy answers MalformedPolicy.
const (
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	CodeMalformedPolicy         = "MalformedPolicy"
	CodeLimitExceeded           = "LimitExceeded"
)

// Sentinels for errors.Is. Every error Parse and the size checks return is an
// *Error that matches exactly one of them.
var (
	// ErrMalformed: the document is not a valid policy of its kind
	// (MalformedPolicyDocument or MalformedPolicy, 400).
	ErrMalformed = errors.New("policy: malformed policy document")
	// ErrLimitExceeded: the document is larger than its quota
	// (LimitExceeded, 409, for IAM; S3 reports an oversized bucket policy as
	// MalformedPolicy, which matches ErrMalformed instead).
	ErrLimitExceeded = errors.New("policy: policy size limit exceeded")
)

// Error is a refused policy document: the AWS error code and message that
// the API which received it answers with.
type Error struct {
	code    string
	message string
	status  int
	kind    error // ErrMalformed or ErrLimitExceeded
}

// Code is the AWS error code, e.g. "MalformedPolicyDocument".
func (e *Error) Code() string { return e.code }

// Message is the human-readable text AWS puts beside the code.
func (e *Error) Message() string { return e.message }

// HTTPStatus is the status the error is answered with (400 or 409).
func (e *Error) HTTPStatus() int { return e.status }

func (e *Error) Error() string { return "policy: " + e.code + ": " + e.message }

// Is makes errors.Is(err, ErrMalformed) and errors.Is(err, ErrLimitExceeded)
// hold for the matching errors.
func (e *Error) Is(target error) bool { return target == e.kind }

// malformed builds the syntax error for a document of kind k.
func malformed(k Kind, message string) *Error {
	code := CodeMalformedPolicyDocument
	if k == Resource {
		code = CodeMalformedPolicy
	}
	return &Error{code: code, message: message, status: http.StatusBadRequest, kind: ErrMalformed}
}

func limitExceeded(message string) *Error {
	return &Error{code: CodeLimitExceeded, message: message, status: http.StatusConflict, kind: ErrLimitExceeded}
}
