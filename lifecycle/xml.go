package lifecycle

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// XML is the configuration as GetBucketLifecycleConfiguration answers it:
// each rule's ID, then its Filter (or rule-level Prefix), its Status and
// its actions, in S3's namespace. (It is not named MarshalXML, which would
// claim encoding/xml's Marshaler interface.)
func (c *Configuration) XML() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	for i := range c.Rules {
		writeRule(&b, &c.Rules[i])
	}
	b.WriteString(`</LifecycleConfiguration>`)
	return b.Bytes()
}

func writeRule(b *bytes.Buffer, r *Rule) {
	b.WriteString("<Rule>")
	elem(b, "ID", r.ID)
	if r.Prefix != nil {
		elem(b, "Prefix", *r.Prefix)
	}
	if f := r.Filter; f != nil {
		b.WriteString("<Filter>")
		if f.Prefix != nil {
			elem(b, "Prefix", *f.Prefix)
		}
		if f.Tag != nil {
			writeTag(b, *f.Tag)
		}
		writeSizes(b, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan)
		if a := f.And; a != nil {
			b.WriteString("<And>")
			if a.Prefix != nil {
				elem(b, "Prefix", *a.Prefix)
			}
			for _, t := range a.Tags {
				writeTag(b, t)
			}
			writeSizes(b, a.ObjectSizeGreaterThan, a.ObjectSizeLessThan)
			b.WriteString("</And>")
		}
		b.WriteString("</Filter>")
	}
	if r.Enabled {
		elem(b, "Status", "Enabled")
	} else {
		elem(b, "Status", "Disabled")
	}
	if e := r.Expiration; e != nil {
		b.WriteString("<Expiration>")
		switch {
		case e.Date != nil:
			elem(b, "Date", e.Date.UTC().Format("2006-01-02T15:04:05.000Z"))
		case e.Days != 0:
			elem(b, "Days", strconv.Itoa(e.Days))
		case e.ExpiredObjectDeleteMarker != nil:
			elem(b, "ExpiredObjectDeleteMarker", strconv.FormatBool(*e.ExpiredObjectDeleteMarker))
		}
		b.WriteString("</Expiration>")
	}
	if n := r.NoncurrentVersionExpiration; n != nil {
		b.WriteString("<NoncurrentVersionExpiration>")
		elem(b, "NoncurrentDays", strconv.Itoa(n.NoncurrentDays))
		if n.NewerNoncurrentVersions != 0 {
			elem(b, "NewerNoncurrentVersions", strconv.Itoa(n.NewerNoncurrentVersions))
		}
		b.WriteString("</NoncurrentVersionExpiration>")
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		b.WriteString("<AbortIncompleteMultipartUpload>")
		elem(b, "DaysAfterInitiation", strconv.Itoa(a.DaysAfterInitiation))
		b.WriteString("</AbortIncompleteMultipartUpload>")
	}
	b.WriteString("</Rule>")
}

func writeTag(b *bytes.Buffer, t Tag) {
	b.WriteString("<Tag>")
	elem(b, "Key", t.Key)
	elem(b, "Value", t.Value)
	b.WriteString("</Tag>")
}

func writeSizes(b *bytes.Buffer, greater, less *int64) {
	if greater != nil {
		elem(b, "ObjectSizeGreaterThan", strconv.FormatInt(*greater, 10))
	}
	if less != nil {
		elem(b, "ObjectSizeLessThan", strconv.FormatInt(*less, 10))
	}
}

func elem(b *bytes.Buffer, name, value string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	_ = xml.EscapeText(b, []byte(value)) // a bytes.Buffer does not fail
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}
