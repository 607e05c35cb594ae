package iam

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports whether SigV4 leaves c unencoded (RFC 3986 unreserved).
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// uriEncode applies the SigV4 URI encoding: unreserved characters stay, every
// other byte becomes %XX with uppercase hex. With keepSlash, '/' stays too, as
// in a canonical URI.
func uriEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return string(b)
}

// encodeKeepingEscapes encodes a path as it came on the wire: valid %XX
// escapes and '/' stay exactly as sent, any other byte outside the
// unreserved set is encoded as uriEncode would. A client that signs the path
// it sends (the AWS SDKs for S3 do) signs this.
func encodeKeepingEscapes(p string) string {
	var b []byte // allocated on the first byte that changes
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			if b != nil {
				b = append(b, p[i:i+3]...)
			}
			i += 2
		case unreserved(c) || c == '/':
			if b != nil {
				b = append(b, c)
			}
		default:
			if b == nil {
				b = make([]byte, 0, len(p)+16)
				b = append(b, p[:i]...)
			}
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	if b == nil {
		return p
	}
	return string(b)
}

// canonicalURIs returns the canonical URIs a S3 client may have signed for
// the raw path it sent: the path as sent (escapes kept), and the decoded path
// encoded once by the AWS rules, when that differs. S3 neither normalises the
// path nor encodes it twice.
func canonicalURIs(rawPath string) []string {
	if rawPath == "" {
		rawPath = "/"
	}
	asSent := encodeKeepingEscapes(rawPath)
	decoded, err := url.PathUnescape(rawPath)
	if err != nil {
		return []string{asSent}
	}
	if again := uriEncode(decoded, true); again != asSent {
		return []string{asSent, again}
	}
	return []string{asSent}
}

// queryParam is one name=value pair of a raw query string, decoded.
type queryParam struct {
	Key, Value string
	HasValue   bool // an '=' followed the key
}

// parseQuery splits a raw query string into its pairs in order, decoding
// each key and value as a form value ('+' is a space), as the gateway reads
// them through url.Values. Text with an invalid escape is kept undecoded, so
// it canonicalises to something no client signed instead of vanishing.
func parseQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	params := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, hasValue := strings.Cut(part, "=")
		params = append(params, queryParam{Key: formUnescape(k), Value: formUnescape(v), HasValue: hasValue})
	}
	return params
}

func formUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// lookupParam returns the value of the first pair named key (case-sensitive,
// as S3 treats query parameter names) and how many pairs carry that name.
func lookupParam(params []queryParam, key string) (value string, n int) {
	for _, p := range params {
		if p.Key == key {
			if n == 0 {
				value = p.Value
			}
			n++
		}
	}
	return value, n
}

// canonicalQuery builds the SigV4 canonical query string: every pair but the
// one named skip, keys and values encoded by the AWS rules (a space is %20),
// sorted by encoded key and then encoded value, a missing value as empty.
func canonicalQuery(params []queryParam, skip string) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(params))
	size := 0
	for _, p := range params {
		if skip != "" && p.Key == skip {
			continue
		}
		kv := pair{uriEncode(p.Key, false), uriEncode(p.Value, false)}
		size += len(kv.k) + len(kv.v) + 2
		pairs = append(pairs, kv)
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return cmp.Compare(a.v, b.v)
	})
	var b strings.Builder
	b.Grow(size)
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}
