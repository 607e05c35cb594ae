package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/zones3/zones3/gateway/awschunked"
	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/gateway/tagging"
	"github.com/zones3/zones3/iam"
	"github.com/zones3/zones3/iam/policy"
	"github.com/zones3/zones3/lifecycle"
)

// apiError is one S3 error as the client sees it: code, HTTP status and
// message of the <Error> document.
type apiError struct {
	Code    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// withMessage returns the same error with a more specific message.
func (e *apiError) withMessage(msg string) *apiError {
	c := *e
	c.Message = msg
	return &c
}

// The S3 errors the gateway answers with. Codes, statuses and messages are
// the ones AWS documents, so that SDKs classify them (retry, redirect, ...)
// as they would against S3.
var (
	errAccessDenied                 = &apiError{"AccessDenied", http.StatusForbidden, "Access Denied"}
	errBadDigest                    = &apiError{"BadDigest", http.StatusBadRequest, "The Content-MD5 or checksum value that you specified did not match what the server received."}
	errBucketAlreadyOwnedByYou      = &apiError{"BucketAlreadyOwnedByYou", http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it."}
	errBucketNotEmpty               = &apiError{"BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty"}
	errEntityTooLarge               = &apiError{"EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed object size."}
	errEntityTooSmall               = &apiError{"EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size."}
	errIllegalLocation              = &apiError{"IllegalLocationConstraintException", http.StatusBadRequest, "The location constraint you specified is incompatible with the region of this endpoint."}
	errIncompleteBody               = &apiError{"IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	errInternal                     = &apiError{"InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again."}
	errInvalidAccessKeyID           = &apiError{"InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records."}
	errInvalidArgument              = &apiError{"InvalidArgument", http.StatusBadRequest, "Invalid Argument"}
	errInvalidBucketName            = &apiError{"InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid."}
	errInvalidDigest                = &apiError{"InvalidDigest", http.StatusBadRequest, "The Content-MD5 you specified is not valid."}
	errInvalidPart                  = &apiError{"InvalidPart", http.StatusBadRequest, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."}
	errInvalidPartNumber            = &apiError{"InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "The requested partnumber is not satisfiable"}
	errInvalidPartOrder             = &apiError{"InvalidPartOrder", http.StatusBadRequest, "The list of parts was not in ascending order. The parts list must be specified in order by part number."}
	errInvalidRange                 = &apiError{"InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable"}
	errInvalidRequest               = &apiError{"InvalidRequest", http.StatusBadRequest, "Invalid Request"}
	errKeyTooLong                   = &apiError{"KeyTooLongError", http.StatusBadRequest, "Your key is too long"}
	errMalformedXML                 = &apiError{"MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema"}
	errMaxMessageLength             = &apiError{"MaxMessageLengthExceeded", http.StatusBadRequest, "Your request was too big."}
	errMetadataTooLarge             = &apiError{"MetadataTooLarge", http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size"}
	errMethodNotAllowed             = &apiError{"MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."}
	errMissingContentLength         = &apiError{"MissingContentLength", http.StatusLengthRequired, "You must provide the Content-Length HTTP header."}
	errNoSuchBucket                 = &apiError{"NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist"}
	errNoSuchKey                    = &apiError{"NoSuchKey", http.StatusNotFound, "The specified key does not exist."}
	errNoSuchUpload                 = &apiError{"NoSuchUpload", http.StatusNotFound, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."}
	errNoSuchVersion                = &apiError{"NoSuchVersion", http.StatusNotFound, "The specified version does not exist."}
	errNotImplemented               = &apiError{"NotImplemented", http.StatusNotImplemented, "A header or query parameter you provided implies functionality that is not implemented"}
	errPreconditionFailed           = &apiError{"PreconditionFailed", http.StatusPreconditionFailed, "At least one of the pre-conditions you specified did not hold"}
	errRequestTimeTooSkewed         = &apiError{"RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the server's time is too large."}
	errRequestTimeout               = &apiError{"RequestTimeout", http.StatusBadRequest, "Your socket connection to the server was not read from or written to within the timeout period."}
	errServiceUnavailable           = &apiError{"ServiceUnavailable", http.StatusServiceUnavailable, "Not enough storage nodes are reachable to serve this request. Please retry."}
	errSignatureDoesNotMatch        = &apiError{"SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method."}
	errExpired                      = &apiError{"AccessDenied", http.StatusForbidden, "Request has expired"}
	errAuthHeaderMalformed          = &apiError{"AuthorizationHeaderMalformed", http.StatusBadRequest, "The authorization header is malformed."}
	errAuthQueryParams              = &apiError{"AuthorizationQueryParametersError", http.StatusBadRequest, "The authorization query parameters are malformed."}
	errContentSHA256Mismatch        = &apiError{"XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed."}
	errInvalidChecksum              = &apiError{"InvalidRequest", http.StatusBadRequest, "The value of an x-amz-checksum header or trailer is not a valid checksum."}
	errMalformedTrailer             = &apiError{"MalformedTrailerError", http.StatusBadRequest, "The request contained trailing data that was not well-formed or did not conform to our published schema."}
	errMalformedChunkedEncoding     = &apiError{"IncompleteBody", http.StatusBadRequest, "The aws-chunked request body is malformed or was cut short."}
	errChunkSignatureMismatch       = &apiError{"SignatureDoesNotMatch", http.StatusForbidden, "The chunk signature we calculated does not match the signature you provided."}
	errInvalidContinuationToken     = &apiError{"InvalidArgument", http.StatusBadRequest, "The continuation token provided is incorrect"}
	errCopyToItself                 = &apiError{"InvalidRequest", http.StatusBadRequest, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."}
	errMalformedPolicy              = &apiError{"MalformedPolicy", http.StatusBadRequest, "Policies must be valid JSON."}
	errNoSuchBucketPolicy           = &apiError{"NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist"}
	errNoSuchLifecycleConfiguration = &apiError{"NoSuchLifecycleConfiguration", http.StatusNotFound, "The lifecycle configuration does not exist"}
	errMissingBodyChecksum          = &apiError{"InvalidRequest", http.StatusBadRequest, "Missing required header for this request: Content-MD5 or x-amz-checksum-*"}
	errExpiredToken                 = &apiError{"ExpiredToken", http.StatusBadRequest, "The provided token has expired."}
	errInvalidToken                 = &apiError{"InvalidToken", http.StatusBadRequest, "The provided token is malformed or otherwise invalid."}
)

// toAPIError maps any error a handler met to what S3 answers. It is the one
// place that knows the sentinels of objectlayer, iam, awschunked and
// checksum. internal reports an error nothing maps, which is answered with
// InternalError and logged.
func toAPIError(err error) (e *apiError, internal bool) {
	if errors.As(err, &e) {
		return e, false
	}
	// The packages that judge request documents carry S3's answer.
	var lcErr *lifecycle.Error
	if errors.As(err, &lcErr) {
		return &apiError{lcErr.Code, lcErr.Status, lcErr.Message}, false
	}
	var tagErr *tagging.Error
	if errors.As(err, &tagErr) {
		return &apiError{tagErr.Code, tagErr.Status, tagErr.Message}, false
	}
	var polErr *policy.Error
	if errors.As(err, &polErr) {
		return &apiError{polErr.Code(), polErr.HTTPStatus(), polErr.Message()}, false
	}
	switch {
	// The object layer.
	case errors.Is(err, objectlayer.ErrNoSuchBucket):
		return errNoSuchBucket, false
	case errors.Is(err, objectlayer.ErrBucketExists):
		return errBucketAlreadyOwnedByYou, false
	case errors.Is(err, objectlayer.ErrBucketNotEmpty):
		return errBucketNotEmpty, false
	case errors.Is(err, objectlayer.ErrNoSuchKey):
		return errNoSuchKey, false
	case errors.Is(err, objectlayer.ErrNoSuchUpload):
		return errNoSuchUpload, false
	case errors.Is(err, objectlayer.ErrInvalidPart):
		return errInvalidPart, false
	case errors.Is(err, objectlayer.ErrInvalidPartOrder):
		return errInvalidPartOrder, false
	case errors.Is(err, objectlayer.ErrEntityTooSmall):
		return errEntityTooSmall, false
	case errors.Is(err, objectlayer.ErrPreconditionFailed):
		return errPreconditionFailed, false
	case errors.Is(err, objectlayer.ErrInvalidRange):
		return errInvalidRange, false
	case errors.Is(err, objectlayer.ErrQuorum):
		return errServiceUnavailable, false
	case errors.Is(err, objectlayer.ErrBadDigest):
		return errBadDigest, false
	case errors.Is(err, objectlayer.ErrNoSuchVersion):
		return errNoSuchVersion, false
	case errors.Is(err, objectlayer.ErrDeleteMarker):
		return errMethodNotAllowed, false
	case errors.Is(err, objectlayer.ErrInvalidArgument):
		return errInvalidArgument.withMessage("Invalid version id specified"), false
	case errors.Is(err, objectlayer.ErrNoSuchTagSet):
		return errNoSuchTagSet, false

	// Authentication.
	case errors.Is(err, iam.ErrInvalidAccessKeyID):
		return errInvalidAccessKeyID, false
	case errors.Is(err, iam.ErrSignatureDoesNotMatch):
		return errSignatureDoesNotMatch, false
	case errors.Is(err, iam.ErrExpiredToken):
		return errExpiredToken, false
	case errors.Is(err, iam.ErrInvalidToken):
		return errInvalidToken, false
	case errors.Is(err, iam.ErrRequestTimeTooSkewed):
		return errRequestTimeTooSkewed, false
	case errors.Is(err, iam.ErrExpired):
		return errExpired, false
	case errors.Is(err, iam.ErrNotYetValid):
		return errAccessDenied.withMessage("Request is not valid yet"), false
	case errors.Is(err, iam.ErrMissingDate):
		return errAccessDenied.withMessage("AWS authentication requires a valid Date or x-amz-date header"), false
	case errors.Is(err, iam.ErrHeadersNotSigned):
		return errAccessDenied.withMessage("There were headers present in the request which were not signed"), false
	case errors.Is(err, iam.ErrAuthorizationHeaderMalformed):
		return errAuthHeaderMalformed.withMessage(detail(err)), false
	case errors.Is(err, iam.ErrQueryParametersError):
		return errAuthQueryParams.withMessage(detail(err)), false
	case errors.Is(err, iam.ErrMissingSecurityHeader):
		return errInvalidRequest.withMessage(detail(err)), false
	case errors.Is(err, iam.ErrInvalidContentSHA256):
		return errInvalidArgument.withMessage("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value."), false
	case errors.Is(err, iam.ErrUnsupportedAlgorithm):
		return errInvalidArgument.withMessage("Unsupported Authorization Type"), false
	case errors.Is(err, iam.ErrMultipleAuthMechanisms):
		return errInvalidArgument.withMessage("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"), false

	// The request body. Specific sentinels first: several wrap others.
	case errors.Is(err, awschunked.ErrSignatureDoesNotMatch):
		return errChunkSignatureMismatch, false
	case errors.Is(err, awschunked.ErrMalformedTrailer):
		return errMalformedTrailer, false
	case errors.Is(err, awschunked.ErrChunkTooLarge):
		return errInvalidRequest.withMessage("An aws-chunked chunk is larger than the largest signed chunk accepted."), false
	case errors.Is(err, awschunked.ErrTruncated):
		return errIncompleteBody, false
	case errors.Is(err, awschunked.ErrMalformed):
		return errMalformedChunkedEncoding, false
	case errors.Is(err, checksum.ErrBadDigest):
		return errBadDigest, false
	case errors.Is(err, checksum.ErrInvalidDigest):
		return errInvalidDigest, false
	case errors.Is(err, checksum.ErrInvalidContentSHA256):
		return errInvalidArgument.withMessage("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value."), false
	case errors.Is(err, checksum.ErrContentSHA256Mismatch):
		return errContentSHA256Mismatch, false
	case errors.Is(err, checksum.ErrChecksumMismatch):
		return errBadDigest.withMessage("The checksum you specified did not match the calculated checksum."), false
	case errors.Is(err, checksum.ErrMultipleChecksums):
		return errInvalidRequest.withMessage("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."), false
	case errors.Is(err, checksum.ErrInvalidChecksum):
		return errInvalidChecksum, false
	case errors.Is(err, checksum.ErrIncompleteBody):
		return errIncompleteBody, false
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errIncompleteBody, false
	case errors.Is(err, http.ErrBodyReadAfterClose):
		return errIncompleteBody, false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errRequestTimeout, false
	}
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return errMaxMessageLength, false
	}
	return errInternal, true
}

// detail turns the text of an iam error, which says what exactly is wrong
// (a region, a parameter), into an S3-style message.
func detail(err error) string {
	s := strings.TrimPrefix(err.Error(), "iam: ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
