package lifecycle

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/zones3/zones3/internal/xmldoc"
)

// Parse reads the body of PutBucketLifecycleConfiguration (at most
// MaxDocumentSize bytes) and validates it as S3 does. A refused
// configuration is an *Error carrying S3's code and message; an error
// reading r is returned wrapped.
//
// Rules sent without an ID get one: like S3's, it is 48 characters of
// base64 holding a UUID-shaped string, here derived from the rule's
// position and content, so the same document always gets the same IDs.
func Parse(r io.Reader) (*Configuration, error) {
	root, err := xmldoc.Read(r, MaxDocumentSize)
	switch {
	case errors.Is(err, xmldoc.ErrTooLarge):
		return nil, &Error{Code: CodeMaxMessageLength, Status: statusBadRequest, Message: "Your request was too big."}
	case errors.Is(err, xmldoc.ErrMalformed):
		return nil, errMalformed()
	case err != nil:
		return nil, fmt.Errorf("lifecycle: %w", err)
	}
	c, perr := fromXML(root)
	if perr != nil {
		return nil, perr
	}
	if verr := c.validate(); verr != nil {
		return nil, verr
	}
	c.assignIDs()
	return c, nil
}

// fromXML turns the document into a Configuration, refusing with
// MalformedXML what S3's schema refuses: unknown or repeated elements,
// values of the wrong type, a Status other than Enabled or Disabled, an
// Expiration with not exactly one of its choices, and a Filter with more
// than one predicate.
func fromXML(root *xmldoc.Element) (*Configuration, *Error) {
	if root.Name != "LifecycleConfiguration" {
		return nil, errMalformed()
	}
	c := &Configuration{}
	for _, e := range root.Children {
		if e.Name != "Rule" {
			return nil, errMalformed()
		}
		if len(c.Rules) == MaxRules {
			return nil, errTooManyRules()
		}
		r, err := ruleFromXML(e)
		if err != nil {
			return nil, err
		}
		c.Rules = append(c.Rules, r)
	}
	return c, nil
}

func ruleFromXML(e *xmldoc.Element) (Rule, *Error) {
	var r Rule
	seen := map[string]bool{}
	status := false
	for _, c := range e.Children {
		if seen[c.Name] && c.Name != "Transition" && c.Name != "NoncurrentVersionTransition" {
			return r, errMalformed()
		}
		seen[c.Name] = true
		var err *Error
		switch c.Name {
		case "ID":
			r.ID, err = leafText(c)
		case "Status":
			var s string
			if s, err = leafText(c); err == nil {
				switch s {
				case "Enabled":
					r.Enabled = true
				case "Disabled":
				default:
					err = errMalformed()
				}
			}
			status = true
		case "Prefix":
			var p string
			p, err = leafText(c)
			r.Prefix = &p
		case "Filter":
			r.Filter, err = filterFromXML(c)
		case "Expiration":
			r.Expiration, err = expirationFromXML(c)
		case "NoncurrentVersionExpiration":
			r.NoncurrentVersionExpiration, err = noncurrentFromXML(c)
		case "AbortIncompleteMultipartUpload":
			r.AbortIncompleteMultipartUpload, err = abortFromXML(c)
		case "Transition", "NoncurrentVersionTransition":
			// zones3 keeps every object in its one storage class.
			err = &Error{Code: CodeInvalidStorageClass, Status: statusBadRequest,
				Message: "zones3 has a single storage class (STANDARD): " + c.Name + " actions are not supported"}
		default:
			err = errMalformed()
		}
		if err != nil {
			return r, err
		}
	}
	if !status {
		return r, errMalformed()
	}
	return r, nil
}

func filterFromXML(e *xmldoc.Element) (*Filter, *Error) {
	if err := noText(e); err != nil {
		return nil, err
	}
	f := &Filter{}
	if len(e.Children) > 1 {
		// "A Filter must have exactly one of Prefix, Tag,
		// ObjectSizeGreaterThan, ObjectSizeLessThan, or And specified."
		return nil, errMalformed()
	}
	for _, c := range e.Children {
		var err *Error
		switch c.Name {
		case "Prefix":
			var p string
			p, err = leafText(c)
			f.Prefix = &p
		case "Tag":
			var t Tag
			t, err = tagFromXML(c)
			f.Tag = &t
		case "ObjectSizeGreaterThan":
			f.ObjectSizeGreaterThan, err = sizeFromXML(c)
		case "ObjectSizeLessThan":
			f.ObjectSizeLessThan, err = sizeFromXML(c)
		case "And":
			f.And, err = andFromXML(c)
		default:
			err = errMalformed()
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func andFromXML(e *xmldoc.Element) (*And, *Error) {
	if err := noText(e); err != nil {
		return nil, err
	}
	a := &And{}
	seen := map[string]bool{}
	for _, c := range e.Children {
		if seen[c.Name] && c.Name != "Tag" {
			return nil, errMalformed()
		}
		seen[c.Name] = true
		var err *Error
		switch c.Name {
		case "Prefix":
			var p string
			p, err = leafText(c)
			a.Prefix = &p
		case "Tag":
			var t Tag
			t, err = tagFromXML(c)
			a.Tags = append(a.Tags, t)
		case "ObjectSizeGreaterThan":
			a.ObjectSizeGreaterThan, err = sizeFromXML(c)
		case "ObjectSizeLessThan":
			a.ObjectSizeLessThan, err = sizeFromXML(c)
		default:
			err = errMalformed()
		}
		if err != nil {
			return nil, err
		}
	}
	// "apply a logical AND to two or more predicates": an And holding one
	// is refused as malformed; an empty Prefix counts as one.
	if predicates(a) < 2 {
		return nil, errMalformed()
	}
	return a, nil
}

func predicates(a *And) int {
	n := len(a.Tags)
	for _, set := range []bool{a.Prefix != nil, a.ObjectSizeGreaterThan != nil, a.ObjectSizeLessThan != nil} {
		if set {
			n++
		}
	}
	return n
}

// tagFromXML reads a filter's Tag. A Key is required; a Value left out is
// the empty value ("the rule will apply only to objects that match the tag
// key and that do not have a value specified").
func tagFromXML(e *xmldoc.Element) (Tag, *Error) {
	var t Tag
	if err := noText(e); err != nil {
		return t, err
	}
	hasKey, hasValue := false, false
	for _, c := range e.Children {
		var err *Error
		switch {
		case c.Name == "Key" && !hasKey:
			t.Key, err = leafText(c)
			hasKey = true
		case c.Name == "Value" && !hasValue:
			t.Value, err = leafText(c)
			hasValue = true
		default:
			err = errMalformed()
		}
		if err != nil {
			return t, err
		}
	}
	if !hasKey {
		return t, errMalformed()
	}
	return t, nil
}

func expirationFromXML(e *xmldoc.Element) (*Expiration, *Error) {
	if err := noText(e); err != nil {
		return nil, err
	}
	x := &Expiration{}
	if len(e.Children) != 1 {
		// Exactly one of Days, Date and ExpiredObjectDeleteMarker: S3
		// refuses ExpiredObjectDeleteMarker beside Days as malformed.
		return nil, errMalformed()
	}
	c := e.Children[0]
	switch c.Name {
	case "Days":
		n, err := intFromXML(c)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return nil, errInvalidArgument("'Days' for Expiration action must be a positive integer")
		}
		x.Days = n
	case "Date":
		d, err := dateFromXML(c)
		if err != nil {
			return nil, err
		}
		x.Date = &d
	case "ExpiredObjectDeleteMarker":
		b, err := boolFromXML(c)
		if err != nil {
			return nil, err
		}
		x.ExpiredObjectDeleteMarker = &b
	default:
		return nil, errMalformed()
	}
	return x, nil
}

func noncurrentFromXML(e *xmldoc.Element) (*NoncurrentVersionExpiration, *Error) {
	if err := noText(e); err != nil {
		return nil, err
	}
	n := &NoncurrentVersionExpiration{}
	hasDays, hasNewer := false, false
	for _, c := range e.Children {
		switch {
		case c.Name == "NoncurrentDays" && !hasDays:
			v, err := intFromXML(c)
			if err != nil {
				return nil, err
			}
			if v <= 0 {
				return nil, errInvalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
			}
			n.NoncurrentDays, hasDays = v, true
		case c.Name == "NewerNoncurrentVersions" && !hasNewer:
			v, err := intFromXML(c)
			if err != nil {
				return nil, err
			}
			if v < 1 || v > MaxNewerNoncurrentVersions {
				return nil, errInvalidArgument(fmt.Sprintf("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to %d", MaxNewerNoncurrentVersions))
			}
			n.NewerNoncurrentVersions, hasNewer = v, true
		default:
			return nil, errMalformed()
		}
	}
	// S3 refuses an empty NoncurrentVersionExpiration, and one with only
	// NewerNoncurrentVersions, as malformed.
	if !hasDays {
		return nil, errMalformed()
	}
	return n, nil
}

func abortFromXML(e *xmldoc.Element) (*AbortIncompleteMultipartUpload, *Error) {
	if err := noText(e); err != nil {
		return nil, err
	}
	if len(e.Children) != 1 || e.Children[0].Name != "DaysAfterInitiation" {
		return nil, errMalformed()
	}
	v, err := intFromXML(e.Children[0])
	if err != nil {
		return nil, err
	}
	if v <= 0 {
		return nil, errInvalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
	}
	return &AbortIncompleteMultipartUpload{DaysAfterInitiation: v}, nil
}

// leafText is the text of an element that must have no children.
func leafText(e *xmldoc.Element) (string, *Error) {
	if !e.IsLeaf() {
		return "", errMalformed()
	}
	return e.Text, nil
}

// noText refuses text inside an element that holds only elements.
func noText(e *xmldoc.Element) *Error {
	if strings.TrimSpace(e.Text) != "" {
		return errMalformed()
	}
	return nil
}

// intFromXML reads an xsd:int. A value outside int32 is not a day count S3
// takes; it is answered like a non-positive one, as S3 does.
func intFromXML(e *xmldoc.Element) (int, *Error) {
	s, err := leafText(e)
	if err != nil {
		return 0, err
	}
	v, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if perr != nil {
		var ne *strconv.NumError
		if errors.As(perr, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, nil
		}
		return 0, errMalformed()
	}
	if v > math.MaxInt32 || v < math.MinInt32 {
		return 0, nil
	}
	return int(v), nil
}

// sizeFromXML reads an object size bound; its range is checked by validate.
func sizeFromXML(e *xmldoc.Element) (*int64, *Error) {
	s, err := leafText(e)
	if err != nil {
		return nil, err
	}
	v, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if perr != nil {
		var ne *strconv.NumError
		if errors.As(perr, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			// Out of int64: out of S3's range too.
			v = math.MaxInt64
			if strings.HasPrefix(strings.TrimSpace(s), "-") {
				v = math.MinInt64
			}
			return &v, nil
		}
		return nil, errMalformed()
	}
	return &v, nil
}

// boolFromXML reads an xsd:boolean: true, false, 1 or 0.
func boolFromXML(e *xmldoc.Element) (bool, *Error) {
	s, err := leafText(e)
	if err != nil {
		return false, err
	}
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, errMalformed()
}

// dateFromXML reads an ISO 8601 date: a full timestamp (botocore sends
// 2017-09-27T00:00:00Z) or a bare date. It must be midnight UTC.
func dateFromXML(e *xmldoc.Element) (time.Time, *Error) {
	s, err := leafText(e)
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	t, perr := time.Parse(time.RFC3339Nano, s)
	if perr != nil {
		t, perr = time.Parse(time.DateOnly, s)
	}
	if perr != nil {
		return time.Time{}, errMalformed()
	}
	t = t.UTC()
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		return time.Time{}, errInvalidArgument("'Date' must be at midnight GMT")
	}
	return t, nil
}

func errTooManyRules() *Error {
	return errInvalidRequest(fmt.Sprintf("The number of lifecycle rules must not exceed the allowed limit of %d rules.", MaxRules))
}

// assignIDs gives every rule without an ID one that no other rule has.
func (c *Configuration) assignIDs() {
	taken := make(map[string]bool, len(c.Rules))
	for _, r := range c.Rules {
		if r.ID != "" {
			taken[r.ID] = true
		}
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.ID != "" {
			continue
		}
		body, _ := json.Marshal(r) // cannot fail: plain data
		seed := fmt.Appendf(nil, "%d\x00", i)
		seed = append(seed, body...)
		for {
			r.ID = generatedID(seed)
			if !taken[r.ID] {
				break
			}
			seed = append(seed, 0)
		}
		taken[r.ID] = true
	}
}

// generatedID shapes a hash of seed like the IDs S3 generates: the base64
// of a lowercase, hyphenated version 4 UUID.
func generatedID(seed []byte) string {
	sum := sha256.Sum256(seed)
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	uuid := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	return base64.StdEncoding.EncodeToString([]byte(uuid))
}
