package tagging

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/zones3/zones3/internal/xmldoc"
)

// ParseXML reads the Tagging body of PutObjectTagging (kind Object) or
// PutBucketTagging (kind Bucket), at most MaxDocumentSize bytes:
//
//	<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>...</TagSet></Tagging>
//
// An empty TagSet is an empty Set: PutObjectTagging with it removes an
// object's tags. A refusal is an *Error; an error reading r is returned
// wrapped.
func ParseXML(r io.Reader, kind Kind) (Set, error) {
	root, err := xmldoc.Read(r, MaxDocumentSize)
	switch {
	case errors.Is(err, xmldoc.ErrTooLarge):
		return nil, newError(CodeMaxMessageLength, "Your request was too big.")
	case errors.Is(err, xmldoc.ErrMalformed):
		return nil, errMalformed()
	case err != nil:
		return nil, fmt.Errorf("tagging: %w", err)
	}
	tags, perr := fromXML(root)
	if perr != nil {
		return nil, perr
	}
	s, berr := build(tags, kind)
	if berr != nil {
		return nil, berr
	}
	return s, nil
}

// fromXML reads the tags as the schema has them: one TagSet, and in each
// Tag exactly one Key and one Value ("Required: Yes", both).
func fromXML(root *xmldoc.Element) ([]Tag, *Error) {
	if root.Name != "Tagging" || len(root.Children) != 1 || root.Children[0].Name != "TagSet" || !blank(root) {
		return nil, errMalformed()
	}
	set := root.Children[0]
	if !blank(set) {
		return nil, errMalformed()
	}
	tags := make([]Tag, 0, len(set.Children))
	for _, e := range set.Children {
		if e.Name != "Tag" || !blank(e) {
			return nil, errMalformed()
		}
		var t Tag
		hasKey, hasValue := false, false
		for _, c := range e.Children {
			switch {
			case !c.IsLeaf():
				return nil, errMalformed()
			case c.Name == "Key" && !hasKey:
				t.Key, hasKey = c.Text, true
			case c.Name == "Value" && !hasValue:
				t.Value, hasValue = c.Text, true
			default:
				return nil, errMalformed()
			}
		}
		if !hasKey || !hasValue {
			return nil, errMalformed()
		}
		tags = append(tags, t)
	}
	return tags, nil
}

// blank reports whether an element that holds elements has only white
// space as text.
func blank(e *xmldoc.Element) bool { return len(bytes.TrimSpace([]byte(e.Text))) == 0 }

// XML is the set as GetObjectTagging and GetBucketTagging answer it, in
// S3's namespace. (It is not named MarshalXML, which would claim
// encoding/xml's Marshaler interface.)
func (s Set) XML() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>`)
	for _, t := range s {
		b.WriteString("<Tag><Key>")
		_ = xml.EscapeText(&b, []byte(t.Key)) // a bytes.Buffer does not fail
		b.WriteString("</Key><Value>")
		_ = xml.EscapeText(&b, []byte(t.Value))
		b.WriteString("</Value></Tag>")
	}
	b.WriteString(`</TagSet></Tagging>`)
	return b.Bytes()
}
