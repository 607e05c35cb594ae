package bench

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// UnsignedPayload is the x-amz-content-sha256 value of a request whose body
// is not part of the signature.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// Signer signs S3 requests with AWS Signature Version 4, header form, with
// an unsigned payload: the body is never read or hashed, so signing costs
// two small SHA-256 sums and one HMAC per request. The derived signing key is
// cached per day. A Signer is safe for concurrent use.
type Signer struct {
	AccessKey string
	SecretKey string
	Region    string

	mu      sync.Mutex
	keyDate string // yyyymmdd the cached key was derived for
	key     []byte
}

// Sign sets X-Amz-Date, X-Amz-Content-Sha256 and Authorization on req as of
// now. The signed headers are host, x-amz-content-sha256 and x-amz-date
// (plus any x-amz-* headers already set on req).
func (s *Signer) Sign(req *http.Request, now time.Time) {
	amzDate := now.UTC().Format("20060102T150405Z")
	date := amzDate[:8]
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}

	// Canonical headers: host plus every x-amz-* header, sorted by name.
	names := []string{"host"}
	for k := range req.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") {
			names = append(names, lk)
		}
	}
	sort.Strings(names)

	var cr strings.Builder
	cr.Grow(256)
	cr.WriteString(req.Method)
	cr.WriteByte('\n')
	cr.WriteString(canonicalURI(req.URL))
	cr.WriteByte('\n')
	cr.WriteString(canonicalQuery(req.URL))
	cr.WriteByte('\n')
	for _, name := range names {
		cr.WriteString(name)
		cr.WriteByte(':')
		if name == "host" {
			cr.WriteString(host)
		} else {
			cr.WriteString(strings.TrimSpace(strings.Join(req.Header.Values(name), ",")))
		}
		cr.WriteByte('\n')
	}
	cr.WriteByte('\n')
	signed := strings.Join(names, ";")
	cr.WriteString(signed)
	cr.WriteByte('\n')
	cr.WriteString(UnsignedPayload)

	crSum := sha256.Sum256([]byte(cr.String()))
	scope := date + "/" + s.Region + "/s3/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crSum[:])

	sig := hex.EncodeToString(hmacSHA256(s.signingKey(date), []byte(sts)))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s.AccessKey+"/"+scope+
		", SignedHeaders="+signed+", Signature="+sig)
}

func (s *Signer) signingKey(date string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyDate != date {
		k := hmacSHA256([]byte("AWS4"+s.SecretKey), []byte(date))
		k = hmacSHA256(k, []byte(s.Region))
		k = hmacSHA256(k, []byte("s3"))
		s.key = hmacSHA256(k, []byte("aws4_request"))
		s.keyDate = date
	}
	return s.key
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

// canonicalURI is the request path as sent on the wire. S3 signs the path
// encoded once, exactly as the client sent it; objectURL builds paths with
// awsEscape so that what is sent and what is signed agree.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery sorts the query parameters by name, then value, each
// encoded with awsEscape.
func canonicalQuery(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	q := u.Query()
	pairs := make([]string, 0, len(q))
	for k, vs := range q {
		ek := awsEscape(k, true)
		for _, v := range vs {
			pairs = append(pairs, ek+"="+awsEscape(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// awsEscape percent-encodes every byte except the unreserved characters
// A-Z a-z 0-9 - _ . ~ (and '/', unless encodeSlash), as SigV4 requires.
func awsEscape(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
