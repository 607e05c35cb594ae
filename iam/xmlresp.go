package iam

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"time"
)

// xmlDoc builds an XML response; values are escaped, names are constants.
type xmlDoc struct {
	b bytes.Buffer
}

func newXMLDoc() *xmlDoc {
	x := &xmlDoc{}
	x.b.WriteString(xml.Header)
	return x
}

func (x *xmlDoc) open(name string) {
	x.b.WriteByte('<')
	x.b.WriteString(name)
	x.b.WriteByte('>')
}

func (x *xmlDoc) openNS(name, ns string) {
	x.b.WriteString("<" + name + ` xmlns="` + ns + `">`)
}

func (x *xmlDoc) close(name string) {
	x.b.WriteString("</" + name + ">")
}

func (x *xmlDoc) elem(name, value string) {
	x.open(name)
	xml.EscapeText(&x.b, []byte(value))
	x.close(name)
}

// opt writes the element only when value is not empty.
func (x *xmlDoc) opt(name, value string) {
	if value != "" {
		x.elem(name, value)
	}
}

func (x *xmlDoc) date(name string, t time.Time) {
	if !t.IsZero() {
		x.elem(name, t.UTC().Format(time.RFC3339))
	}
}

func (x *xmlDoc) int(name string, n int) { x.elem(name, strconv.Itoa(n)) }

func (x *xmlDoc) bool(name string, v bool) { x.elem(name, strconv.FormatBool(v)) }

func (x *xmlDoc) bytes() []byte { return x.b.Bytes() }

// policyText is a policy document as IAM returns it: percent-encoded
// (RFC 3986), which the AWS CLI and SDKs decode.
func policyText(doc string) string { return uriEncode(doc, false) }
