package gateway

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"
	xmlHeader   = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	// iso8601Millis is how S3 writes times in XML bodies.
	iso8601Millis = "2006-01-02T15:04:05.000Z"
)

// xmlBuf builds the small XML documents S3 answers with. Writing them by
// hand keeps reflection off the request path; element order follows S3.
type xmlBuf struct{ b []byte }

var xmlBufPool = sync.Pool{New: func() any { return &xmlBuf{b: make([]byte, 0, 1024)} }}

func newXMLBuf() *xmlBuf {
	x := xmlBufPool.Get().(*xmlBuf)
	x.b = append(x.b[:0], xmlHeader...)
	return x
}

func (x *xmlBuf) release() {
	if cap(x.b) <= 1<<20 {
		xmlBufPool.Put(x)
	}
}

// root opens the document element in the S3 namespace.
func (x *xmlBuf) root(name string) {
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	x.b = append(x.b, ` xmlns="`+s3Namespace+`">`...)
}

func (x *xmlBuf) open(name string) {
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

func (x *xmlBuf) close(name string) {
	x.b = append(x.b, '<', '/')
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

func (x *xmlBuf) raw(s string) { x.b = append(x.b, s...) }

func (x *xmlBuf) elem(name, value string) {
	x.open(name)
	x.b = appendEscaped(x.b, value)
	x.close(name)
}

// elemIf writes the element only when value is not empty.
func (x *xmlBuf) elemIf(name, value string) {
	if value != "" {
		x.elem(name, value)
	}
}

func (x *xmlBuf) elemInt(name string, v int64) {
	x.open(name)
	x.b = strconv.AppendInt(x.b, v, 10)
	x.close(name)
}

func (x *xmlBuf) elemBool(name string, v bool) {
	x.open(name)
	x.b = strconv.AppendBool(x.b, v)
	x.close(name)
}

func (x *xmlBuf) elemTime(name string, t time.Time) {
	x.open(name)
	x.b = t.UTC().AppendFormat(x.b, iso8601Millis)
	x.close(name)
}

// elemETag writes an ETag in quotes, as S3 does in every body.
func (x *xmlBuf) elemETag(etag string) {
	x.elem("ETag", `"`+etag+`"`)
}

// owner writes an Owner (or Initiator) element.
func (x *xmlBuf) owner(name string, o owner) {
	x.open(name)
	x.elem("ID", o.ID)
	x.elem("DisplayName", o.DisplayName)
	x.close(name)
}

// checksums writes the ChecksumXXX elements of a body (CopyObjectResult,
// CompleteMultipartUploadResult, Part) in a fixed order.
func (x *xmlBuf) checksums(sums map[string]string) {
	for _, alg := range checksumNames {
		if v, ok := sums[alg]; ok && v != "" {
			x.elem("Checksum"+alg, v)
		}
	}
}

// write sends the document with status.
func (x *xmlBuf) write(w http.ResponseWriter, status int) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(x.b)))
	w.WriteHeader(status)
	w.Write(x.b)
	x.release()
}

// appendEscaped appends s escaped as XML character data. Characters XML
// cannot carry (most C0 controls, invalid UTF-8) become U+FFFD, as with
// encoding/xml; clients that need such keys ask for encoding-type=url.
func appendEscaped(b []byte, s string) []byte {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' {
			clean = false
			break
		}
	}
	if clean {
		return append(b, s...)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"':
			b = append(b, "&quot;"...)
		case r == '\'':
			b = append(b, "&apos;"...)
		case r == '\t':
			b = append(b, "&#x9;"...)
		case r == '\n':
			b = append(b, "&#xA;"...)
		case r == '\r':
			b = append(b, "&#xD;"...)
		case r == utf8.RuneError && size == 1, !isXMLChar(r):
			b = append(b, "\uFFFD"...)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
