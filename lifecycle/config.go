package lifecycle

import "time"

// Limits of a configuration, as S3 documents them.
const (
	// MaxRules is the most rules one configuration holds ("This limit is
	// not adjustable").
	MaxRules = 1000
	// MaxIDLength is the longest rule ID, in characters.
	MaxIDLength = 255
	// MaxNewerNoncurrentVersions is the most noncurrent versions a rule may
	// keep.
	MaxNewerNoncurrentVersions = 100
	// MaxObjectSize is the largest ObjectSizeGreaterThan or
	// ObjectSizeLessThan S3 accepts (1000 TiB).
	MaxObjectSize = 1099511627776000
	// MaxDocumentSize bounds the XML body Parse reads. 1,000 rules with
	// 255-character IDs, long prefixes and a few tags each fit.
	MaxDocumentSize = 2 << 20
)

// Configuration is a bucket's lifecycle configuration: what
// PutBucketLifecycleConfiguration stores and GetBucketLifecycleConfiguration
// answers. A Configuration returned by Parse or Unmarshal is valid; every
// rule has an ID.
type Configuration struct {
	Rules []Rule `json:"rules"`
}

// Rule is one lifecycle rule. Exactly one of Prefix and Filter is set.
type Rule struct {
	// ID names the rule; it is unique within the configuration. Parse
	// assigns one to a rule sent without.
	ID string `json:"id"`
	// Enabled is the rule's Status: Enabled (true) or Disabled (false).
	Enabled bool `json:"enabled"`
	// Prefix is the rule-level prefix of the older form of rule, kept so
	// that the configuration reads back as it was written.
	Prefix *string `json:"prefix,omitempty"`
	// Filter selects the objects of the newer form of rule; an empty
	// Filter selects every object.
	Filter *Filter `json:"filter,omitempty"`

	Expiration                     *Expiration                     `json:"expiration,omitempty"`
	NoncurrentVersionExpiration    *NoncurrentVersionExpiration    `json:"noncurrentVersionExpiration,omitempty"`
	AbortIncompleteMultipartUpload *AbortIncompleteMultipartUpload `json:"abortIncompleteMultipartUpload,omitempty"`
}

// Filter is a rule's <Filter>: at most one of its fields is set, and none
// selects every object.
type Filter struct {
	Prefix                *string `json:"prefix,omitempty"`
	Tag                   *Tag    `json:"tag,omitempty"`
	ObjectSizeGreaterThan *int64  `json:"sizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64  `json:"sizeLessThan,omitempty"`
	And                   *And    `json:"and,omitempty"`
}

// And is a filter's <And>: an object must match every predicate. It holds
// at least two predicates.
type And struct {
	Prefix                *string `json:"prefix,omitempty"`
	Tags                  []Tag   `json:"tags,omitempty"`
	ObjectSizeGreaterThan *int64  `json:"sizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64  `json:"sizeLessThan,omitempty"`
}

// Tag is an object tag a filter requires: the object must carry this key
// with exactly this value (an empty value matches only an empty value).
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Expiration expires current versions. Exactly one of its fields is set.
type Expiration struct {
	// Days after a version's creation, rounded up to a day boundary.
	Days int `json:"days,omitempty"`
	// Date is a midnight UTC from which on every matching current version
	// expires.
	Date *time.Time `json:"date,omitempty"`
	// ExpiredObjectDeleteMarker set to true removes delete markers that
	// are the only version left of their key; false does nothing.
	ExpiredObjectDeleteMarker *bool `json:"expiredObjectDeleteMarker,omitempty"`
}

// NoncurrentVersionExpiration permanently removes noncurrent versions.
type NoncurrentVersionExpiration struct {
	// NoncurrentDays after a version became noncurrent, rounded up to a
	// day boundary.
	NoncurrentDays int `json:"noncurrentDays"`
	// NewerNoncurrentVersions, when not 0, is how many of the newest
	// noncurrent versions are kept whatever their age.
	NewerNoncurrentVersions int `json:"newerNoncurrentVersions,omitempty"`
}

// AbortIncompleteMultipartUpload aborts multipart uploads that were not
// completed in time.
type AbortIncompleteMultipartUpload struct {
	DaysAfterInitiation int `json:"daysAfterInitiation"`
}

// Error is a configuration S3 refuses: its S3 error code, HTTP status and
// message, for the gateway to answer with as they are.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The S3 error codes Parse answers with.
const (
	CodeMalformedXML        = "MalformedXML"
	CodeInvalidArgument     = "InvalidArgument"
	CodeInvalidRequest      = "InvalidRequest"
	CodeInvalidStorageClass = "InvalidStorageClass"
	CodeInvalidTag          = "InvalidTag"
	CodeMaxMessageLength    = "MaxMessageLengthExceeded"
)

// statusBadRequest is HTTP 400, the status of every refused configuration.
const statusBadRequest = 400

const malformedMessage = "The XML you provided was not well-formed or did not validate against our published schema"

func errMalformed() *Error {
	return &Error{Code: CodeMalformedXML, Status: statusBadRequest, Message: malformedMessage}
}

func errInvalidArgument(msg string) *Error {
	return &Error{Code: CodeInvalidArgument, Status: statusBadRequest, Message: msg}
}

func errInvalidRequest(msg string) *Error {
	return &Error{Code: CodeInvalidRequest, Status: statusBadRequest, Message: msg}
}
