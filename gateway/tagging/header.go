package tagging

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// ParseHeader reads the x-amz-tagging header of PutObject,
// CreateMultipartUpload and CopyObject: URL query parameters,
// "k1=v1&k2=v2", with + for a space and %XX escapes. A key without "=" has
// the empty value; empty parameters ("a=1&&b=2") are skipped. An empty
// header is an empty Set.
//
// A header that is not such a query (a bad escape, bytes that are not
// UTF-8, an empty key, a key given twice, a parameter with a second
// unescaped "=", as in "TagSet=[{Key=k,Value=v}]") is InvalidArgument, as
// S3 answers; tags that are not valid are refused as in a Tagging
// document.
func ParseHeader(v string) (Set, error) {
	var tags []Tag
	seen := map[string]bool{}
	for param := range strings.SplitSeq(v, "&") {
		if param == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(param, "=")
		key, err1 := url.QueryUnescape(rawKey)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil || key == "" || strings.Contains(rawValue, "=") || !utf8.ValidString(key) || !utf8.ValidString(value) || seen[key] {
			return nil, newError(CodeInvalidArgument, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
		}
		seen[key] = true
		tags = append(tags, Tag{Key: key, Value: value})
	}
	s, err := build(tags, Object)
	if err != nil {
		return nil, err
	}
	return s, nil
}
