package iam

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/minio/sha256-simd"
)

// SigV4 names and formats.
const (
	algorithmV4      = "AWS4-HMAC-SHA256"
	amzDateFormat    = "20060102T150405Z"
	scopeDateFormat  = "20060102"
	scopeTerminator  = "aws4_request"
	maxPresignExpiry = 7 * 24 * time.Hour // X-Amz-Expires ≤ 604800
)

// Payload hashes other than a hex SHA-256 that x-amz-content-sha256 (or
// Auth.PayloadHash) may hold.
const (
	UnsignedPayload                 = "UNSIGNED-PAYLOAD"
	StreamingSignedPayload          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingSignedPayloadTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	// EmptySHA256 is the hex SHA-256 of no bytes.
	EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// validPayloadHash reports whether s is a value x-amz-content-sha256 may
// take: a hex SHA-256 or one of the literals S3 knows.
func validPayloadHash(s string) bool {
	switch s {
	case UnsignedPayload, StreamingSignedPayload, StreamingSignedPayloadTrailer, StreamingUnsignedPayloadTrailer:
		return true
	}
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// credentialV4 is the Credential of a SigV4 request:
// AccessKey/Date/Region/Service/aws4_request.
type credentialV4 struct {
	AccessKey, Date, Region, Service string
}

func (c credentialV4) scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + scopeTerminator
}

// parseCredential splits a Credential value. The access key is everything
// before the last four fields, so it may not be empty but is otherwise opaque.
func parseCredential(s string) (credentialV4, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 5 {
		return credentialV4{}, fmt.Errorf("credential %q must have the form <key>/<YYYYMMDD>/<region>/<service>/aws4_request", s)
	}
	n := len(parts)
	c := credentialV4{
		AccessKey: strings.Join(parts[:n-4], "/"),
		Date:      parts[n-4],
		Region:    parts[n-3],
		Service:   parts[n-2],
	}
	if c.AccessKey == "" {
		return credentialV4{}, fmt.Errorf("credential %q has no access key", s)
	}
	if _, err := time.Parse(scopeDateFormat, c.Date); err != nil || len(c.Date) != len(scopeDateFormat) {
		return credentialV4{}, fmt.Errorf("invalid credential date %q: it must be in YYYYMMDD format", c.Date)
	}
	if c.Region == "" {
		return credentialV4{}, fmt.Errorf("credential %q has no region", s)
	}
	if parts[n-1] != scopeTerminator {
		return credentialV4{}, fmt.Errorf("incorrect terminal %q; this endpoint uses %q", parts[n-1], scopeTerminator)
	}
	return c, nil
}

// authorizationV4 is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" header.
type authorizationV4 struct {
	Credential    credentialV4
	SignedHeaders string // as the client wrote it: lowercase names joined by ';'
	Signature     []byte // decoded from hex
}

// parseAuthorizationV4 parses the value of a SigV4 Authorization header. The
// components may be separated by "," with or without spaces, in any order.
func parseAuthorizationV4(h string) (authorizationV4, error) {
	rest, ok := strings.CutPrefix(h, algorithmV4)
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return authorizationV4{}, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, firstWord(h))
	}
	var a authorizationV4
	var seen [3]bool // Credential, SignedHeaders, Signature
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return authorizationV4{}, fmt.Errorf("%w: component %q is not of the form name=value", ErrAuthorizationHeaderMalformed, part)
		}
		var i int
		var err error
		switch name {
		case "Credential":
			i = 0
			a.Credential, err = parseCredential(value)
		case "SignedHeaders":
			i = 1
			a.SignedHeaders, err = value, checkSignedHeaders(value)
		case "Signature":
			i = 2
			a.Signature, err = decodeSignatureV4(value)
		default:
			return authorizationV4{}, fmt.Errorf("%w: unknown component %q", ErrAuthorizationHeaderMalformed, name)
		}
		if err != nil {
			return authorizationV4{}, fmt.Errorf("%w: %v", ErrAuthorizationHeaderMalformed, err)
		}
		if seen[i] {
			return authorizationV4{}, fmt.Errorf("%w: component %q given twice", ErrAuthorizationHeaderMalformed, name)
		}
		seen[i] = true
	}
	for i, name := range [...]string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[i] {
			return authorizationV4{}, fmt.Errorf("%w: missing %s", ErrAuthorizationHeaderMalformed, name)
		}
	}
	return a, nil
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// checkSignedHeaders checks a SignedHeaders list: lowercase header names
// separated by ';', host among them (SigV4 requires it signed).
func checkSignedHeaders(s string) error {
	if s == "" {
		return fmt.Errorf("SignedHeaders is empty")
	}
	host := false
	for _, name := range strings.Split(s, ";") {
		if name == "" {
			return fmt.Errorf("SignedHeaders %q has an empty name", s)
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c <= ' ' || c >= 0x7f || c == ':' || 'A' <= c && c <= 'Z' {
				return fmt.Errorf("SignedHeaders %q: %q is not a lowercase header name", s, name)
			}
		}
		host = host || name == "host"
	}
	if !host {
		return fmt.Errorf("SignedHeaders %q does not include host", s)
	}
	return nil
}

func decodeSignatureV4(s string) ([]byte, error) {
	if len(s) != 2*sha256.Size {
		return nil, fmt.Errorf("signature %q is not 64 hex digits", s)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("signature %q is not 64 hex digits", s)
	}
	return b, nil
}

// canonicalHeaderValue folds the values of one header the SigV4 way: each
// value trimmed, runs of spaces inside it collapsed to one, values joined
// with ",".
func canonicalHeaderValue(values []string) string {
	if len(values) == 1 && !needsFolding(values[0]) {
		return values[0]
	}
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		v = strings.Trim(v, " \t")
		space := false
		for j := 0; j < len(v); j++ {
			if v[j] == ' ' {
				space = true
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteByte(v[j])
		}
	}
	return b.String()
}

func needsFolding(v string) bool {
	if v == "" {
		return false
	}
	if v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t' {
		return true
	}
	return strings.Contains(v, "  ")
}

// canonicalRequestV4 is the input of a SigV4 signature, already canonical
// part by part.
type canonicalRequestV4 struct {
	Method        string
	URI           string   // canonical URI
	Query         string   // canonical query string
	SignedHeaders string   // as in the Authorization header / X-Amz-SignedHeaders
	HeaderValues  []string // canonical value of each signed header, in SignedHeaders order
	PayloadHash   string
}

// String lays the canonical request out:
//
//	Method \n URI \n Query \n name:value\n … \n SignedHeaders \n PayloadHash
func (c *canonicalRequestV4) String() string {
	var b strings.Builder
	b.Grow(len(c.Method) + len(c.URI) + len(c.Query) + 2*len(c.SignedHeaders) + len(c.PayloadHash) + 64*len(c.HeaderValues))
	b.WriteString(c.Method)
	b.WriteByte('\n')
	b.WriteString(c.URI)
	b.WriteByte('\n')
	b.WriteString(c.Query)
	b.WriteByte('\n')
	names := c.SignedHeaders
	for i := 0; names != ""; i++ {
		var name string
		name, names, _ = strings.Cut(names, ";")
		b.WriteString(name)
		b.WriteByte(':')
		if i < len(c.HeaderValues) {
			b.WriteString(c.HeaderValues[i])
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(c.SignedHeaders)
	b.WriteByte('\n')
	b.WriteString(c.PayloadHash)
	return b.String()
}

// stringToSignV4 is "AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hex sha256 of
// the canonical request>".
func stringToSignV4(amzDate, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return algorithmV4 + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// SigningKey derives the SigV4 signing key of a secret for one day (YYYYMMDD),
// region and service.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

// SignHex is the SigV4 signature of stringToSign: hex(HMAC-SHA256(key, s)).
func SignHex(signingKey []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, stringToSign))
}

// ChunkStringToSign is the string to sign of one chunk of a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD body: its signature is
// SignHex(Auth.SigningKey, ChunkStringToSign(Auth.AmzDate, Auth.Scope,
// previous signature, SHA-256 of the chunk data)), the first previous
// signature being Auth.Signature.
func ChunkStringToSign(amzDate, scope, prevSig string, chunkHash []byte) string {
	return "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + prevSig + "\n" +
		EmptySHA256 + "\n" + hex.EncodeToString(chunkHash)
}

// TrailerStringToSign is the string to sign of the trailer of a
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body; trailerHash is the SHA-256
// of the trailing header lines as sent ("name:value\n" each), prevSig the
// signature of the final, empty chunk.
func TrailerStringToSign(amzDate, scope, prevSig string, trailerHash []byte) string {
	return "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + scope + "\n" + prevSig + "\n" +
		hex.EncodeToString(trailerHash)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
