package iam

import "errors"

// Errors returned by Verifier.Verify, always wrapped with context; test them
// with errors.Is. The comment on each names the S3 error code and HTTP
// status it stands for.
var (
	// ErrInvalidAccessKeyID: InvalidAccessKeyId, 403.
	ErrInvalidAccessKeyID = errors.New("iam: the access key ID does not exist")
	// ErrSignatureDoesNotMatch: SignatureDoesNotMatch, 403. It comes wrapped
	// in a *SignatureError that carries the string to sign.
	ErrSignatureDoesNotMatch = errors.New("iam: the request signature does not match")
	// ErrRequestTimeTooSkewed: RequestTimeTooSkewed, 403.
	ErrRequestTimeTooSkewed = errors.New("iam: the difference between the request time and the current time is too large")
	// ErrExpired: AccessDenied, 403, "Request has expired".
	ErrExpired = errors.New("iam: request has expired")
	// ErrNotYetValid: AccessDenied, 403, "Request is not valid yet" (a
	// presigned URL dated in the future beyond the allowed skew).
	ErrNotYetValid = errors.New("iam: request is not valid yet")
	// ErrMissingDate: AccessDenied, 403, "AWS authentication requires a
	// valid Date or x-amz-date header".
	ErrMissingDate = errors.New("iam: AWS authentication requires a valid Date or x-amz-date header")
	// ErrHeadersNotSigned: AccessDenied, 403, "There were headers present in
	// the request which were not signed".
	ErrHeadersNotSigned = errors.New("iam: there were headers present in the request which were not signed")
	// ErrAuthorizationHeaderMalformed: AuthorizationHeaderMalformed, 400.
	// For a wrong region the message names the expected one, as S3 does.
	ErrAuthorizationHeaderMalformed = errors.New("iam: the authorization header is malformed")
	// ErrQueryParametersError: AuthorizationQueryParametersError, 400.
	ErrQueryParametersError = errors.New("iam: the authorization query parameters are malformed")
	// ErrMissingSecurityHeader: InvalidRequest, 400, "Missing required
	// header for this request: x-amz-content-sha256" (or another required
	// header named in the message).
	ErrMissingSecurityHeader = errors.New("iam: missing required header for this request")
	// ErrInvalidContentSHA256: InvalidArgument, 400, "x-amz-content-sha256
	// must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 value".
	ErrInvalidContentSHA256 = errors.New("iam: x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 value")
	// ErrUnsupportedAlgorithm: InvalidArgument, 400 ("Unsupported
	// Authorization Type"; for a presigned URL, AuthorizationQueryParametersError
	// "X-Amz-Algorithm only supports AWS4-HMAC-SHA256").
	ErrUnsupportedAlgorithm = errors.New("iam: unsupported authorization type")
	// ErrMultipleAuthMechanisms: InvalidArgument, 400, "Only one auth
	// mechanism allowed".
	ErrMultipleAuthMechanisms = errors.New("iam: only one auth mechanism allowed")
	// ErrInvalidToken: InvalidToken, 400 ("The provided token is malformed
	// or otherwise invalid."): a session token that does not open, or that
	// belongs to another access key.
	ErrInvalidToken = errors.New("iam: the provided token is malformed or otherwise invalid")
	// ErrExpiredToken: ExpiredToken, 400 ("The provided token has
	// expired."): temporary credentials past their expiration.
	ErrExpiredToken = errors.New("iam: the provided token has expired")
)

// SignatureError is the error of a request whose signature does not match.
// S3 returns StringToSign (and, for SigV4, CanonicalRequest) in the error
// document so that a client author can see how the server canonicalised the
// request; neither holds a secret.
type SignatureError struct {
	AccessKey        string
	StringToSign     string
	CanonicalRequest string // empty for SigV2
}

func (e *SignatureError) Error() string {
	return ErrSignatureDoesNotMatch.Error() + " (access key " + e.AccessKey + ")"
}

// Unwrap makes errors.Is(err, ErrSignatureDoesNotMatch) hold.
func (e *SignatureError) Unwrap() error { return ErrSignatureDoesNotMatch }
