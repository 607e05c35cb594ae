package gateway

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/zones3/zones3/gateway/objectlayer"
)

// maxListKeys is the most keys (and uploads, parts) one listing returns.
const maxListKeys = 1000

// listParams are the parameters ListObjects V1, V2 and ListObjectVersions
// share.
type listParams struct {
	prefix, delimiter string
	maxKeys           int
	urlEncode         bool
}

func parseListParams(q url.Values, maxName string) (listParams, error) {
	p := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter")}
	n, err := parseMax(q, maxName, maxListKeys)
	if err != nil {
		return p, err
	}
	p.maxKeys = n
	switch q.Get("encoding-type") {
	case "":
	case "url":
		p.urlEncode = true
	default:
		return p, errInvalidArgument.withMessage("Invalid Encoding Method specified in Request")
	}
	return p, nil
}

// parseMax reads a max-keys style parameter: absent means limit, more
// than limit is limit, anything but a non-negative integer is invalid.
func parseMax(q url.Values, name string, limit int) (int, error) {
	s, ok := q[name]
	if !ok || len(s) == 0 {
		return limit, nil
	}
	n, err := strconv.Atoi(s[0])
	if err != nil || n < 0 {
		return 0, errInvalidArgument.withMessage("Provided " + name + " not an integer or within integer range")
	}
	return min(n, limit), nil
}

// encode applies encoding-type=url to a name in a listing.
func (p *listParams) encode(s string) string {
	if p.urlEncode {
		return s3URLEncode(s)
	}
	return s
}

// list asks the layer for one page; a max-keys of 0 returns nothing, but
// still fails for a missing bucket.
func (h *handler) list(r *http.Request, rq *request, p *listParams, after string) (objectlayer.ListResult, error) {
	if p.maxKeys == 0 {
		_, err := h.layer.GetBucket(r.Context(), rq.bucket)
		return objectlayer.ListResult{}, err
	}
	return h.layer.ListObjects(r.Context(), rq.bucket, objectlayer.ListOptions{
		Prefix:    p.prefix,
		Delimiter: p.delimiter,
		After:     after,
		MaxKeys:   p.maxKeys,
	})
}

func (h *handler) listObjectsV2(w *respWriter, r *http.Request, rq *request) error {
	q := rq.query
	if q.Get("list-type") != "2" {
		return errInvalidArgument.withMessage("Invalid List Type specified in Request")
	}
	p, err := parseListParams(q, "max-keys")
	if err != nil {
		return err
	}
	startAfter := q.Get("start-after")
	after := startAfter
	token, hasToken := q["continuation-token"]
	if hasToken {
		if len(token) == 0 || token[0] == "" {
			return errInvalidContinuationToken
		}
		b, err := base64.StdEncoding.DecodeString(token[0])
		if err != nil {
			return errInvalidContinuationToken
		}
		after = string(b)
	}
	res, err := h.list(r, rq, &p, after)
	if err != nil {
		return err
	}
	var own *owner
	if q.Get("fetch-owner") == "true" {
		o := ownerOf(rq.auth.AccessKey)
		own = &o
	}

	x := newXMLBuf()
	x.root("ListBucketResult")
	x.elem("Name", rq.bucket)
	x.elem("Prefix", p.encode(p.prefix))
	if startAfter != "" {
		x.elem("StartAfter", p.encode(startAfter))
	}
	if hasToken {
		x.elem("ContinuationToken", token[0])
	}
	if res.IsTruncated {
		x.elem("NextContinuationToken", base64.StdEncoding.EncodeToString([]byte(res.NextAfter)))
	}
	x.elemInt("KeyCount", int64(len(res.Objects)+len(res.CommonPrefixes)))
	writePageInfo(x, &p, res.IsTruncated)
	writeContents(x, &p, res, own)
	x.close("ListBucketResult")
	x.write(w, http.StatusOK)
	return nil
}

func (h *handler) listObjectsV1(w *respWriter, r *http.Request, rq *request) error {
	q := rq.query
	p, err := parseListParams(q, "max-keys")
	if err != nil {
		return err
	}
	marker := q.Get("marker")
	res, err := h.list(r, rq, &p, marker)
	if err != nil {
		return err
	}
	// V1 always shows the owner.
	own := ownerOf(rq.auth.AccessKey)

	x := newXMLBuf()
	x.root("ListBucketResult")
	x.elem("Name", rq.bucket)
	x.elem("Prefix", p.encode(p.prefix))
	x.elem("Marker", p.encode(marker))
	// S3 gives NextMarker only with a delimiter; without one the client
	// continues after the last key.
	if res.IsTruncated && p.delimiter != "" {
		x.elem("NextMarker", p.encode(res.NextAfter))
	}
	writePageInfo(x, &p, res.IsTruncated)
	writeContents(x, &p, res, &own)
	x.close("ListBucketResult")
	x.write(w, http.StatusOK)
	return nil
}

// writePageInfo writes the elements every listing shares after its
// markers: MaxKeys, Delimiter, IsTruncated and EncodingType.
func writePageInfo(x *xmlBuf, p *listParams, truncated bool) {
	x.elemInt("MaxKeys", int64(p.maxKeys))
	if p.delimiter != "" {
		x.elem("Delimiter", p.encode(p.delimiter))
	}
	x.elemBool("IsTruncated", truncated)
	if p.urlEncode {
		x.elem("EncodingType", "url")
	}
}

// writeContents writes the Contents and CommonPrefixes of a listing.
func writeContents(x *xmlBuf, p *listParams, res objectlayer.ListResult, own *owner) {
	for i := range res.Objects {
		o := &res.Objects[i]
		x.open("Contents")
		x.elem("Key", p.encode(o.Key))
		x.elemTime("LastModified", o.LastModified)
		x.elemETag(o.ETag)
		writeListChecksum(x, o)
		x.elemInt("Size", o.Size)
		if own != nil {
			x.owner("Owner", *own)
		}
		x.elem("StorageClass", "STANDARD")
		x.close("Contents")
	}
	writeCommonPrefixes(x, p, res.CommonPrefixes)
}

func writeCommonPrefixes(x *xmlBuf, p *listParams, prefixes []string) {
	for _, cp := range prefixes {
		x.open("CommonPrefixes")
		x.elem("Prefix", p.encode(cp))
		x.close("CommonPrefixes")
	}
}

// writeListChecksum names the algorithm of an object's checksum, as S3
// does in listings.
func writeListChecksum(x *xmlBuf, o *objectlayer.ObjectInfo) {
	for _, alg := range checksumNames {
		if o.Checksums[alg] != "" {
			x.elem("ChecksumAlgorithm", alg)
			x.elem("ChecksumType", orDefault(o.ChecksumType, "FULL_OBJECT"))
			return
		}
	}
}

// s3URLEncode is the encoding S3 applies with encoding-type=url: query
// escaping (space as '+') that leaves '/' and '*' alone and escapes '~'.
func s3URLEncode(s string) string {
	const upperhex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if s3ShouldEscape(s[i]) && s[i] != ' ' {
			n++
		}
	}
	if n == 0 && !containsByte(s, ' ') {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b = append(b, '+')
		case s3ShouldEscape(c):
			b = append(b, '%', upperhex[c>>4], upperhex[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func s3ShouldEscape(c byte) bool {
	if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
		return false
	}
	switch c {
	case '-', '_', '.', '/', '*':
		return false
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
