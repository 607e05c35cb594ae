package lifecycle

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// validate checks what S3 checks beyond its schema. The messages are the
// ones S3 answers with where they are on record.
func (c *Configuration) validate() *Error {
	switch {
	case len(c.Rules) == 0:
		return errInvalidRequest("At least one lifecycle rule must be specified.")
	case len(c.Rules) > MaxRules:
		return errTooManyRules()
	}
	ids := make(map[string]bool, len(c.Rules))
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := r.validate(); err != nil {
			return err
		}
		if r.ID != "" {
			if ids[r.ID] {
				return errInvalidArgument("Rule ID must be unique. Found same ID for more than one rule")
			}
			ids[r.ID] = true
		}
		// A configuration is of the older form (rule-level prefixes) or of
		// the newer one (filters), never both.
		if i > 0 && (r.Prefix != nil) != (c.Rules[0].Prefix != nil) {
			if c.Rules[0].Prefix != nil {
				return errInvalidRequest("Filter element can only be used in Lifecycle V2.")
			}
			return errInvalidRequest("Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter.")
		}
	}
	if c.Rules[0].Prefix != nil {
		return c.checkOverlappingPrefixes()
	}
	return nil
}

// checkOverlappingPrefixes refuses, in a configuration of the older form,
// two rules with the same kind of action whose prefixes overlap, as S3
// still does for that form. Configurations with filters may overlap: S3
// then applies the action due first.
func (c *Configuration) checkOverlappingPrefixes() *Error {
	kinds := []struct {
		name string
		has  func(*Rule) bool
	}{
		{"Expiration", func(r *Rule) bool { return r.Expiration != nil }},
		{"NoncurrentVersionExpiration", func(r *Rule) bool { return r.NoncurrentVersionExpiration != nil }},
		{"AbortIncompleteMultipartUpload", func(r *Rule) bool { return r.AbortIncompleteMultipartUpload != nil }},
	}
	for _, k := range kinds {
		var prefixes []string
		for i := range c.Rules {
			if !k.has(&c.Rules[i]) {
				continue
			}
			p := *c.Rules[i].Prefix
			for _, q := range prefixes {
				if strings.HasPrefix(p, q) || strings.HasPrefix(q, p) {
					return errInvalidRequest(fmt.Sprintf("Found overlapping prefixes '%s' and '%s' for same action type '%s'", q, p, k.name))
				}
			}
			prefixes = append(prefixes, p)
		}
	}
	return nil
}

func (r *Rule) validate() *Error {
	if utf8.RuneCountInString(r.ID) > MaxIDLength {
		return errInvalidArgument(fmt.Sprintf("ID length should not exceed allowed limit of %d", MaxIDLength))
	}
	// "Filter is required if the LifecycleRule does not contain a Prefix
	// element"; S3 refuses a rule with neither as malformed, and one with
	// both is not of either form.
	if (r.Prefix == nil) == (r.Filter == nil) {
		return errMalformed()
	}
	hasTags, hasSize := false, false
	if f := r.Filter; f != nil {
		if err := f.validate(); err != nil {
			return err
		}
		hasTags = f.Tag != nil || (f.And != nil && len(f.And.Tags) > 0)
		hasSize = f.ObjectSizeGreaterThan != nil || f.ObjectSizeLessThan != nil ||
			(f.And != nil && (f.And.ObjectSizeGreaterThan != nil || f.And.ObjectSizeLessThan != nil))
	}
	if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil {
		return errInvalidRequest("At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		if err := e.validate(); err != nil {
			return err
		}
		if e.ExpiredObjectDeleteMarker != nil {
			switch {
			case hasTags:
				return errInvalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.")
			case hasSize:
				return errInvalidRequest("ExpiredObjectDeleteMarker cannot be specified with Object Size.")
			}
		}
	}
	if n := r.NoncurrentVersionExpiration; n != nil {
		if n.NoncurrentDays <= 0 {
			return errInvalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		if n.NewerNoncurrentVersions < 0 || n.NewerNoncurrentVersions > MaxNewerNoncurrentVersions {
			return errInvalidArgument(fmt.Sprintf("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to %d", MaxNewerNoncurrentVersions))
		}
		if n.NewerNoncurrentVersions > 0 && r.Prefix != nil {
			return errInvalidRequest("NewerNoncurrentVersions element can only be used in Lifecycle V2.")
		}
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		switch {
		case a.DaysAfterInitiation <= 0:
			return errInvalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		case hasTags:
			return errInvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
		case hasSize:
			return errInvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Object Size.")
		}
	}
	return nil
}

func (f *Filter) validate() *Error {
	n := 0
	for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.ObjectSizeGreaterThan != nil, f.ObjectSizeLessThan != nil, f.And != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errMalformed()
	}
	if f.Tag != nil {
		if err := f.Tag.validate(); err != nil {
			return err
		}
	}
	if err := validateSizes(f.ObjectSizeGreaterThan, f.ObjectSizeLessThan); err != nil {
		return err
	}
	if a := f.And; a != nil {
		if predicates(a) < 2 {
			return errMalformed()
		}
		keys := make(map[string]bool, len(a.Tags))
		for _, t := range a.Tags {
			if err := t.validate(); err != nil {
				return err
			}
			if keys[t.Key] {
				return errInvalidRequest("Duplicate Tag Keys are not allowed.")
			}
			keys[t.Key] = true
		}
		if err := validateSizes(a.ObjectSizeGreaterThan, a.ObjectSizeLessThan); err != nil {
			return err
		}
	}
	return nil
}

// validate applies S3's limits on tag keys (1 to 128 characters) and
// values (up to 256), counted in UTF-16 code units as S3 stores tags.
func (t Tag) validate() *Error {
	if k := len(utf16.Encode([]rune(t.Key))); k == 0 || k > 128 {
		return &Error{Code: CodeInvalidTag, Status: statusBadRequest, Message: "The TagKey you have provided is invalid"}
	}
	if len(utf16.Encode([]rune(t.Value))) > 256 {
		return &Error{Code: CodeInvalidTag, Status: statusBadRequest, Message: "The TagValue you have provided is invalid"}
	}
	return nil
}

func validateSizes(greater, less *int64) *Error {
	if greater != nil && (*greater < 0 || *greater > MaxObjectSize) {
		return errInvalidRequest(fmt.Sprintf("'ObjectSizeGreaterThan' should be between 0 and %d.", int64(MaxObjectSize)))
	}
	if less != nil && (*less < 1 || *less > MaxObjectSize) {
		return errInvalidRequest(fmt.Sprintf("'ObjectSizeLessThan' should be between 1 and %d.", int64(MaxObjectSize)))
	}
	if greater != nil && less != nil && *greater >= *less {
		return errInvalidRequest("'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.")
	}
	return nil
}

func (e *Expiration) validate() *Error {
	n := 0
	for _, set := range []bool{e.Days != 0, e.Date != nil, e.ExpiredObjectDeleteMarker != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errMalformed()
	}
	if e.Days < 0 {
		return errInvalidArgument("'Days' for Expiration action must be a positive integer")
	}
	if e.Date != nil {
		d := e.Date.UTC()
		if !d.Equal(d.Truncate(24 * time.Hour)) {
			return errInvalidArgument("'Date' must be at midnight GMT")
		}
	}
	return nil
}
