package iam

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/minio/sha256-simd"
)

// requestView is what signature checks read from an *http.Request; this file
// is the only one that touches the request.
type requestView struct {
	method           string
	host             string
	rawPath          string // the path as sent, still escaped
	params           []queryParam
	header           http.Header
	contentLength    int64
	transferEncoding []string
}

func viewOf(r *http.Request) *requestView {
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	return &requestView{
		method:           r.Method,
		host:             host,
		rawPath:          rawRequestPath(r),
		params:           parseQuery(r.URL.RawQuery),
		header:           r.Header,
		contentLength:    r.ContentLength,
		transferEncoding: r.TransferEncoding,
	}
}

// rawRequestPath is the path of the request target exactly as the client
// sent it. r.URL.EscapedPath may differ (Go re-escapes a path whose escaping
// it would not have chosen), so the request line is preferred.
func rawRequestPath(r *http.Request) string {
	if ru := r.RequestURI; ru != "" {
		if ru[0] == '/' {
			p, _, _ := strings.Cut(ru, "?")
			return p
		}
		// Absolute form: scheme://authority/path?query.
		if _, rest, ok := strings.Cut(ru, "://"); ok {
			rest, _, _ = strings.Cut(rest, "?")
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				return rest[i:]
			}
			return "/"
		}
	}
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.EscapedPath()
}

// headerValues returns the values of a header by lowercase name, with the
// ones net/http moves out of Header put back: host, content-length,
// transfer-encoding.
func (v *requestView) headerValues(name string) []string {
	switch name {
	case "host":
		return []string{v.host}
	case "content-length":
		if vs := v.header.Values("Content-Length"); len(vs) > 0 {
			return vs
		}
		if v.contentLength > 0 {
			return []string{strconv.FormatInt(v.contentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		if vs := v.header.Values("Transfer-Encoding"); len(vs) > 0 {
			return vs
		}
		if len(v.transferEncoding) > 0 {
			return []string{strings.Join(v.transferEncoding, ",")}
		}
		return nil
	}
	return v.header.Values(name)
}

// canonicalV4 returns the canonical requests the client may have signed:
// one per candidate canonical URI (see canonicalURIs). skipParam names the
// query parameter left out (X-Amz-Signature when presigned).
func (v *requestView) canonicalV4(signedHeaders, payloadHash, skipParam string) []canonicalRequestV4 {
	var values []string
	for names := signedHeaders; names != ""; {
		var name string
		name, names, _ = strings.Cut(names, ";")
		values = append(values, canonicalHeaderValue(v.headerValues(name)))
	}
	query := canonicalQuery(v.params, skipParam)
	uris := canonicalURIs(v.rawPath)
	out := make([]canonicalRequestV4, len(uris))
	for i, uri := range uris {
		out[i] = canonicalRequestV4{
			Method:        v.method,
			URI:           uri,
			Query:         query,
			SignedHeaders: signedHeaders,
			HeaderValues:  values,
			PayloadHash:   payloadHash,
		}
	}
	return out
}

// unsignedAmzHeaders lists the x-amz-* headers present but not signed.
// x-amz-content-sha256 is exempt: its value is the last line of the
// canonical request, so it is covered either way.
func (v *requestView) unsignedAmzHeaders(signedHeaders string) []string {
	var unsigned []string
	for name := range v.header {
		if len(name) <= 6 || !strings.EqualFold(name[:6], "x-amz-") {
			continue
		}
		lower := strings.ToLower(name)
		if lower == "x-amz-content-sha256" || containsName(signedHeaders, lower) {
			continue
		}
		unsigned = append(unsigned, lower)
	}
	return unsigned
}

func containsName(list, name string) bool {
	for list != "" {
		var n string
		n, list, _ = strings.Cut(list, ";")
		if n == name {
			return true
		}
	}
	return false
}

// maxHashedBody bounds the body Verify reads to hash itself: IAM and STS
// calls that carry no x-amz-content-sha256 are small form posts.
const maxHashedBody = 1 << 20

// hashBody returns the hex SHA-256 of r's body and puts an equal body back.
func hashBody(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return EmptySHA256, nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, maxHashedBody+1))
	if err != nil {
		return "", fmt.Errorf("iam: reading the body to hash it: %w", err)
	}
	if len(buf) > maxHashedBody {
		return "", fmt.Errorf("%w: x-amz-content-sha256 (the body is over %d bytes)", ErrMissingSecurityHeader, maxHashedBody)
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{bytes.NewReader(buf), r.Body}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:]), nil
}
