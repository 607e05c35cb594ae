package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// errNotModified is the 304 outcome of a conditional GET or HEAD; the
// handler answers it without a body rather than as an S3 error.
var errNotModified = errors.New("not modified")

// conditions are the four conditional headers of a read, or the
// x-amz-copy-source-if-* headers of a copy.
type conditions struct {
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
	copySource                                               bool
}

func readConditions(h http.Header) conditions {
	return conditions{
		ifMatch:           h.Get("If-Match"),
		ifNoneMatch:       h.Get("If-None-Match"),
		ifModifiedSince:   h.Get("If-Modified-Since"),
		ifUnmodifiedSince: h.Get("If-Unmodified-Since"),
	}
}

func copySourceConditions(h http.Header) conditions {
	return conditions{
		ifMatch:           h.Get("X-Amz-Copy-Source-If-Match"),
		ifNoneMatch:       h.Get("X-Amz-Copy-Source-If-None-Match"),
		ifModifiedSince:   h.Get("X-Amz-Copy-Source-If-Modified-Since"),
		ifUnmodifiedSince: h.Get("X-Amz-Copy-Source-If-Unmodified-Since"),
		copySource:        true,
	}
}

func (c conditions) empty() bool {
	return c.ifMatch == "" && c.ifNoneMatch == "" && c.ifModifiedSince == "" && c.ifUnmodifiedSince == ""
}

// check evaluates the conditions against an object's ETag and modification
// time with S3's precedence: If-Match, when present, decides alone over
// If-Unmodified-Since (412 when false); If-None-Match, when present,
// decides alone over If-Modified-Since (304 for reads, 412 for copies).
// Dates that do not parse are ignored, as HTTP says.
func (c conditions) check(etag string, lastModified time.Time) error {
	if c.empty() {
		return nil
	}
	// HTTP dates have whole seconds.
	mod := lastModified.Truncate(time.Second)
	if c.ifMatch != "" {
		if !etagListMatches(c.ifMatch, etag) {
			return errPreconditionFailed
		}
	} else if t, ok := parseHTTPDate(c.ifUnmodifiedSince); ok && mod.After(t) {
		return errPreconditionFailed
	}
	notModified := false
	if c.ifNoneMatch != "" {
		notModified = etagListMatches(c.ifNoneMatch, etag)
	} else if t, ok := parseHTTPDate(c.ifModifiedSince); ok && !mod.After(t) {
		notModified = true
	}
	if notModified {
		if c.copySource {
			return errPreconditionFailed
		}
		return errNotModified
	}
	return nil
}

// etagListMatches reports whether a comma-separated list of entity tags
// (quoted or not, or "*") names etag.
func etagListMatches(list, etag string) bool {
	for list != "" {
		var item string
		item, list, _ = strings.Cut(list, ",")
		item = strings.TrimSpace(item)
		if item == "*" {
			return true
		}
		item = strings.TrimPrefix(item, "W/")
		if strings.Trim(item, `"`) == etag {
			return true
		}
	}
	return false
}

func parseHTTPDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if t, err := http.ParseTime(s); err == nil {
		return t, true
	}
	// Some clients send other zones or ISO 8601.
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// byteRange is one parsed "bytes=" range: first-last, first- (last < 0)
// or the suffix -n (suffix true, last holds n).
type byteRange struct {
	first, last int64
	suffix      bool
}

// parseRange parses a Range header. ok is false when the header is to be
// ignored and the whole object served: absent, another unit, more than one
// range (S3 serves none of them), or not valid syntax.
func parseRange(s string) (r byteRange, ok bool) {
	spec, found := strings.CutPrefix(s, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return byteRange{}, false
	}
	spec = strings.TrimSpace(spec)
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return byteRange{}, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" {
		n, err := parseDigits(b)
		if err != nil {
			return byteRange{}, false
		}
		return byteRange{last: n, suffix: true}, true
	}
	first, err := parseDigits(a)
	if err != nil {
		return byteRange{}, false
	}
	if b == "" {
		return byteRange{first: first, last: -1}, true
	}
	last, err := parseDigits(b)
	if err != nil || last < first {
		return byteRange{}, false
	}
	return byteRange{first: first, last: last}, true
}

// parseDigits parses a non-negative decimal without sign.
func parseDigits(s string) (int64, error) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

// resolve returns the offset and length the range selects in an object
// of size bytes. whole reports that the range is to be ignored (a suffix
// range of an empty object, served as a 200 with no body, as S3 does);
// a range that starts at or after the end is errInvalidRange.
func (r byteRange) resolve(size int64) (off, n int64, whole bool, err error) {
	if r.suffix {
		if r.last == 0 {
			return 0, 0, false, errInvalidRange
		}
		if size == 0 {
			return 0, 0, true, nil
		}
		n = min(r.last, size)
		return size - n, n, false, nil
	}
	if r.first >= size {
		return 0, 0, false, errInvalidRange
	}
	last := r.last
	if last < 0 || last >= size {
		last = size - 1
	}
	return r.first, last - r.first + 1, false, nil
}

// contentRange is the Content-Range value of a 206.
func contentRange(off, n, size int64) string {
	b := make([]byte, 0, 48)
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, off, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, off+n-1, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, size, 10)
	return string(b)
}
