package tagging

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Limits S3 puts on tags.
const (
	// MaxObjectTags is the most tags one object version carries.
	MaxObjectTags = 10
	// MaxBucketTags is the most tags one bucket carries.
	MaxBucketTags = 50
	// MaxKeyLength and MaxValueLength are in UTF-16 code units, as S3
	// stores tags ("Amazon S3 object tags are internally represented in
	// UTF-16").
	MaxKeyLength   = 128
	MaxValueLength = 256
	// MaxDocumentSize bounds the Tagging XML body read: 50 tags of the
	// longest keys and values, written with character references, fit.
	MaxDocumentSize = 1 << 20
)

// Tag is one tag.
type Tag struct {
	Key   string
	Value string
}

// Set is a tag set: keys unique, sorted by key. The zero Set is empty.
type Set []Tag

// Get returns the value of key.
func (s Set) Get(key string) (string, bool) {
	i := sort.Search(len(s), func(i int) bool { return s[i].Key >= key })
	if i < len(s) && s[i].Key == key {
		return s[i].Value, true
	}
	return "", false
}

// Map returns the set as a map, the form lifecycle.Object takes (nil for
// an empty set).
func (s Set) Map() map[string]string {
	if len(s) == 0 {
		return nil
	}
	m := make(map[string]string, len(s))
	for _, t := range s {
		m[t.Key] = t.Value
	}
	return m
}

// Error is a tag set S3 refuses: its S3 error code, HTTP status and
// message, for the gateway to answer with as they are.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The S3 error codes this package answers with.
const (
	CodeInvalidTag       = "InvalidTag"
	CodeMalformedXML     = "MalformedXML"
	CodeBadRequest       = "BadRequest"
	CodeInvalidArgument  = "InvalidArgument"
	CodeMaxMessageLength = "MaxMessageLengthExceeded"
)

// statusBadRequest is HTTP 400, the status of every refusal here.
const statusBadRequest = 400

func newError(code, msg string) *Error {
	return &Error{Code: code, Status: statusBadRequest, Message: msg}
}

func errMalformed() *Error {
	return newError(CodeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
}

// Kind says whose tags a set is: objects and buckets differ in how many
// they may carry.
type Kind uint8

const (
	// Object tags: at most MaxObjectTags.
	Object Kind = iota
	// Bucket tags: at most MaxBucketTags.
	Bucket
)

// build checks the tags in the order given, then their number, and
// returns them as a Set.
func build(tags []Tag, kind Kind) (Set, *Error) {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if err := checkTag(t); err != nil {
			return nil, err
		}
		if seen[t.Key] {
			return nil, newError(CodeInvalidTag, "Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	switch {
	case kind == Object && len(tags) > MaxObjectTags:
		// S3 answers this one with the code BadRequest.
		return nil, newError(CodeBadRequest, "Object tags cannot be greater than 10")
	case kind == Bucket && len(tags) > MaxBucketTags:
		return nil, newError(CodeBadRequest, "Bucket tags cannot be greater than 50")
	}
	s := make(Set, len(tags))
	copy(s, tags)
	sort.Slice(s, func(i, j int) bool { return s[i].Key < s[j].Key })
	return s, nil
}

// checkTag applies S3's rules to one tag: a key of 1 to 128 characters and
// a value of up to 256, both of letters, numbers, spaces and _ . : / = + - @
// only, and no key in the aws: namespace, which is AWS's own.
func checkTag(t Tag) *Error {
	if n := utf16Len(t.Key); n == 0 || n > MaxKeyLength || !allowedText(t.Key) {
		return newError(CodeInvalidTag, "The TagKey you have provided is invalid")
	}
	if utf16Len(t.Value) > MaxValueLength || !allowedText(t.Value) {
		return newError(CodeInvalidTag, "The TagValue you have provided is invalid")
	}
	if len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aws:") {
		return newError(CodeInvalidTag, "System tags cannot be added/updated by requester")
	}
	return nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// allowedText reports whether s holds only the characters of AWS's tag
// pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]. Tabs and line ends are not \p{Z}.
func allowedText(s string) bool {
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsNumber(r), unicode.Is(unicode.Z, r):
		case strings.ContainsRune("_.:/=+-@", r):
		default:
			return false
		}
	}
	return true
}
