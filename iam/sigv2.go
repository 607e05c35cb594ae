package iam

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// v2Subresources are the query parameters that S3 SigV2 includes in the
// canonicalized resource: the subresources and the response-* overrides
// (the list botocore signs, which the aws CLI uses).
var v2Subresources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "cors": true,
	"defaultObjectAcl": true, "delete": true, "inventory": true,
	"legal-hold": true, "lifecycle": true, "location": true, "logging": true,
	"metrics": true, "notification": true, "object-lock": true,
	"partNumber": true, "policy": true, "replication": true,
	"requestPayment": true, "restore": true, "retention": true,
	"select": true, "select-type": true, "storageClass": true,
	"tagging": true, "torrent": true, "uploadId": true, "uploads": true,
	"versionId": true, "versioning": true, "versions": true, "website": true,
	"response-cache-control":       true,
	"response-content-disposition": true,
	"response-content-encoding":    true,
	"response-content-language":    true,
	"response-content-type":        true,
	"response-expires":             true,
}

// canonicalResourceV2 is the CanonicalizedResource of S3 SigV2: "/bucket"
// when the bucket came in the Host header, the path exactly as sent
// (escapes and their case kept), then the subresources sorted by name, with
// their decoded values: "?acl", "?partNumber=1&uploadId=x".
func canonicalResourceV2(bucket, rawPath string, params []queryParam) string {
	var b strings.Builder
	if bucket != "" {
		b.WriteByte('/')
		b.WriteString(bucket)
	}
	if rawPath == "" {
		rawPath = "/"
	}
	b.WriteString(rawPath)
	var sub []queryParam
	for _, p := range params {
		if v2Subresources[p.Key] {
			sub = append(sub, p)
		}
	}
	slices.SortStableFunc(sub, func(a, b queryParam) int { return strings.Compare(a.Key, b.Key) })
	for i, p := range sub {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p.Key)
		if p.Value != "" {
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
	return b.String()
}

// canonicalAmzHeadersV2 is the CanonicalizedAmzHeaders of S3 SigV2: every
// x-amz-* header, name lowercased, sorted by name, values trimmed and joined
// with ",", one "name:value\n" line each.
func canonicalAmzHeadersV2(h http.Header) string {
	var names []string
	for name := range h {
		if len(name) > 6 && strings.EqualFold(name[:6], "x-amz-") {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	// Keys of an http.Header are canonical, but a hand-built one may hold
	// two spellings of one name: merge them under the lowercase name.
	lines := make(map[string][]string, len(names))
	for _, name := range names {
		lower := strings.ToLower(name)
		for _, v := range h[name] {
			lines[lower] = append(lines[lower], strings.TrimSpace(v))
		}
	}
	sorted := make([]string, 0, len(lines))
	for name := range lines {
		sorted = append(sorted, name)
	}
	slices.Sort(sorted)
	var b strings.Builder
	for _, name := range sorted {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.Join(lines[name], ","))
		b.WriteByte('\n')
	}
	return b.String()
}

// stringToSignV2 lays out the S3 SigV2 string to sign. date is the Date
// header (empty when x-amz-date is present, which then signs as an amz
// header) or, for a presigned URL, the Expires parameter.
func stringToSignV2(method, contentMD5, contentType, date, amzHeaders, resource string) string {
	return method + "\n" + contentMD5 + "\n" + contentType + "\n" + date + "\n" + amzHeaders + resource
}

// signV2 is the raw HMAC-SHA1 of a SigV2 string to sign.
func signV2(secret, stringToSign string) []byte {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return h.Sum(nil)
}

// parseAuthorizationV2 splits "AWS <access key>:<base64 signature>".
func parseAuthorizationV2(h string) (accessKey string, sig []byte, err error) {
	rest, ok := strings.CutPrefix(h, "AWS ")
	if !ok {
		return "", nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, firstWord(h))
	}
	accessKey, encoded, ok := strings.Cut(strings.TrimSpace(rest), ":")
	if !ok || accessKey == "" || encoded == "" {
		return "", nil, fmt.Errorf("%w: AWS authorization header is invalid; expected AwsAccessKeyId:signature", ErrAuthorizationHeaderMalformed)
	}
	sig, err = base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(sig) != sha1.Size {
		return "", nil, fmt.Errorf("%w: signature %q is not a base64 HMAC-SHA1", ErrAuthorizationHeaderMalformed, encoded)
	}
	return accessKey, sig, nil
}

// httpDateFormats are the forms a Date or x-amz-date header takes: the
// RFC 7231 ones and RFC 1123 with a numeric zone, which the S3 SigV2
// examples use.
var httpDateFormats = []string{
	http.TimeFormat,
	time.RFC1123Z,
	time.RFC1123,
	time.RFC850,
	time.ANSIC,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	amzDateFormat,
}

// parseHTTPDate parses a Date or x-amz-date header value.
func parseHTTPDate(s string) (time.Time, bool) {
	for _, f := range httpDateFormats {
		if t, err := time.Parse(f, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
