package iam

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxSkew is how far the time a header-signed request carries may be
// from the server's clock, as in S3.
const DefaultMaxSkew = 15 * time.Minute

// DefaultRegion is the region a Verifier with an empty Region expects.
const DefaultRegion = "us-east-1"

// Verifier authenticates S3 requests signed with SigV4 or SigV2. Its fields
// are read-only while it is in use; it is safe for concurrent use.
type Verifier struct {
	Keys    Keyring
	Region  string           // the region SigV4 credentials must name; "" = DefaultRegion
	Now     func() time.Time // nil = time.Now
	MaxSkew time.Duration    // 0 = DefaultMaxSkew

	// BucketFromHost returns the bucket a virtual-host-style request names in
	// its Host header (r.Host as sent, port included), or "" when the request
	// is path style. Only SigV2 needs it: its canonical resource starts with
	// "/bucket" even when the bucket came in the host. The gateway passes the
	// same function it routes with. nil means every request is path style.
	BucketFromHost func(host string) (bucket string)
}

// AuthMethod says how a request was authenticated.
type AuthMethod int

const (
	AuthAnonymous AuthMethod = iota // no credentials at all
	AuthV4Header                    // SigV4, Authorization header
	AuthV4Query                     // SigV4, presigned URL
	AuthV2Header                    // S3 SigV2, Authorization header
	AuthV2Query                     // S3 SigV2, presigned URL
)

func (m AuthMethod) String() string {
	switch m {
	case AuthAnonymous:
		return "anonymous"
	case AuthV4Header:
		return "sigv4-header"
	case AuthV4Query:
		return "sigv4-query"
	case AuthV2Header:
		return "sigv2-header"
	case AuthV2Query:
		return "sigv2-query"
	}
	return "AuthMethod(" + strconv.Itoa(int(m)) + ")"
}

// Auth is the outcome of a successful Verify.
type Auth struct {
	Method    AuthMethod
	AccessKey string
	// PayloadHash is the x-amz-content-sha256 value the signature covers: the
	// hex SHA-256 of the body (the gateway must check the body against it),
	// UnsignedPayload, StreamingSignedPayload, StreamingSignedPayloadTrailer
	// or StreamingUnsignedPayloadTrailer. A presigned SigV4 URL covers
	// UnsignedPayload unless its query (X-Amz-Content-Sha256) or a signed
	// x-amz-content-sha256 header says otherwise. "" for SigV2.
	PayloadHash string
	// For streaming signed payloads: the aws-chunked decoder verifies each
	// chunk's signature chained from Signature (see ChunkStringToSign).
	// Set for every SigV4 request.
	SigningKey []byte // the derived SigV4 signing key
	Signature  string // the request's (seed) signature, lowercase hex
	AmzDate    string // the request time, e.g. 20130524T000000Z
	Scope      string // e.g. 20130524/us-east-1/s3/aws4_request
	Service    string // "s3", "iam" or "sts"; "s3" for SigV2
	// SessionToken is the x-amz-security-token of temporary credentials
	// (header or X-Amz-Security-Token query parameter); "" for long-term
	// keys. Its identity is Directory.Identity(AccessKey, SessionToken).
	SessionToken string
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

func (v *Verifier) region() string {
	if v.Region != "" {
		return v.Region
	}
	return DefaultRegion
}

// secret finds the secret key of accessKey, and the session token the
// request carries for it (x-amz-security-token header or query parameter).
func (v *Verifier) secret(rv *requestView, accessKey string) (secret, token string, err error) {
	token = rv.header.Get("X-Amz-Security-Token")
	if t, n := lookupParam(rv.params, "X-Amz-Security-Token"); n > 0 && token == "" {
		token = t
	}
	if token != "" {
		sk, ok := v.Keys.(SessionKeyring)
		if !ok {
			return "", "", fmt.Errorf("%w: this endpoint issues no session tokens", ErrInvalidToken)
		}
		secret, err := sk.SessionSecretKey(accessKey, token)
		if err != nil {
			return "", "", err
		}
		return secret, token, nil
	}
	if v.Keys != nil {
		if s, ok := v.Keys.SecretKey(accessKey); ok {
			return s, "", nil
		}
	}
	return "", "", fmt.Errorf("%w: %q", ErrInvalidAccessKeyID, accessKey)
}

// Verify authenticates r. A request without any credentials gives
// Auth{Method: AuthAnonymous} and no error: whether to serve it is the
// caller's decision. Otherwise the error, if any, wraps one of the Err*
// sentinels. Verify reads the body only for an IAM or STS request that
// carries no x-amz-content-sha256 (it then puts an identical body back).
func (v *Verifier) Verify(r *http.Request) (Auth, error) {
	rv := viewOf(r)
	authz := rv.header.Values("Authorization")
	_, v4q := lookupParam(rv.params, "X-Amz-Algorithm")
	if v4q == 0 {
		_, v4q = lookupParam(rv.params, "X-Amz-Credential")
	}
	_, v2q := lookupParam(rv.params, "AWSAccessKeyId")
	if v2q == 0 {
		_, v2q = lookupParam(rv.params, "Signature")
	}
	header := len(authz) > 0 && authz[0] != ""
	switch n := btoi(header) + btoi(v4q > 0) + btoi(v2q > 0); {
	case n == 0:
		return Auth{Method: AuthAnonymous}, nil
	case n > 1:
		return Auth{}, fmt.Errorf("%w: only the X-Amz-Algorithm query parameter, the Signature query parameter or the Authorization header may be given", ErrMultipleAuthMechanisms)
	}
	switch {
	case v4q > 0:
		return v.verifyV4Query(rv)
	case v2q > 0:
		return v.verifyV2Query(rv)
	}
	if len(authz) > 1 {
		return Auth{}, fmt.Errorf("%w: more than one Authorization header", ErrAuthorizationHeaderMalformed)
	}
	switch h := authz[0]; {
	case strings.HasPrefix(h, "AWS4-"):
		return v.verifyV4Header(r, rv, h)
	case strings.HasPrefix(h, "AWS "):
		return v.verifyV2Header(rv, h)
	default:
		return Auth{}, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, firstWord(h))
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkScope checks the parts of a SigV4 credential that do not depend on
// the request time.
func (v *Verifier) checkScope(c credentialV4) error {
	if want := v.region(); c.Region != want {
		return fmt.Errorf("the region '%s' is wrong; expecting '%s'", c.Region, want)
	}
	switch c.Service {
	case "s3", "iam", "sts":
		return nil
	}
	return fmt.Errorf("incorrect service %q: this endpoint serves s3, iam and sts", c.Service)
}

func (v *Verifier) verifyV4Header(r *http.Request, rv *requestView, h string) (Auth, error) {
	a, err := parseAuthorizationV4(h)
	if err != nil {
		return Auth{}, err
	}
	cred := a.Credential
	if err := v.checkScope(cred); err != nil {
		return Auth{}, fmt.Errorf("%w: %v", ErrAuthorizationHeaderMalformed, err)
	}

	t, _, err := requestTime(rv.header)
	if err != nil {
		return Auth{}, err
	}
	amzDate := t.Format(amzDateFormat)
	if day := t.Format(scopeDateFormat); cred.Date != day {
		return Auth{}, fmt.Errorf("%w: invalid credential date %q: it is not the same as the request date %s", ErrAuthorizationHeaderMalformed, cred.Date, day)
	}
	if err := v.checkSkew(t); err != nil {
		return Auth{}, err
	}

	payload := rv.header.Get("X-Amz-Content-Sha256")
	switch {
	case payload != "":
		if !validPayloadHash(payload) {
			return Auth{}, fmt.Errorf("%w: got %q", ErrInvalidContentSHA256, payload)
		}
	case cred.Service == "s3":
		return Auth{}, fmt.Errorf("%w: x-amz-content-sha256", ErrMissingSecurityHeader)
	default:
		// IAM and STS clients sign the body's hash without sending it.
		if payload, err = hashBody(r); err != nil {
			return Auth{}, err
		}
	}

	secret, token, err := v.secret(rv, cred.AccessKey)
	if err != nil {
		return Auth{}, err
	}
	if unsigned := rv.unsignedAmzHeaders(a.SignedHeaders); len(unsigned) > 0 {
		slices.Sort(unsigned)
		return Auth{}, fmt.Errorf("%w: %s", ErrHeadersNotSigned, strings.Join(unsigned, ", "))
	}

	scope := cred.scope()
	key := SigningKey(secret, cred.Date, cred.Region, cred.Service)
	if err := matchV4(rv.canonicalV4(a.SignedHeaders, payload, ""), amzDate, scope, key, a.Signature, cred.AccessKey); err != nil {
		return Auth{}, err
	}
	return Auth{
		Method:       AuthV4Header,
		AccessKey:    cred.AccessKey,
		PayloadHash:  payload,
		SigningKey:   key,
		Signature:    hex.EncodeToString(a.Signature),
		AmzDate:      amzDate,
		Scope:        scope,
		Service:      cred.Service,
		SessionToken: token,
	}, nil
}

// matchV4 checks the signature against each candidate canonical request, in
// constant time per candidate.
func matchV4(candidates []canonicalRequestV4, amzDate, scope string, key, got []byte, accessKey string) error {
	var first *SignatureError
	for i := range candidates {
		creq := candidates[i].String()
		sts := stringToSignV4(amzDate, scope, creq)
		if hmac.Equal(hmacSHA256(key, sts), got) {
			return nil
		}
		if first == nil {
			first = &SignatureError{AccessKey: accessKey, StringToSign: sts, CanonicalRequest: creq}
		}
	}
	return first
}

// requestTime is the time a header-signed request carries: its x-amz-date
// header, else its Date header. fromAmz says which.
func requestTime(h http.Header) (t time.Time, fromAmz bool, err error) {
	name, value := "x-amz-date", h.Get("X-Amz-Date")
	if value == "" {
		name, value = "Date", h.Get("Date")
	}
	if value == "" {
		return time.Time{}, false, ErrMissingDate
	}
	t, ok := parseHTTPDate(value)
	if !ok {
		return time.Time{}, false, fmt.Errorf("%w: %s %q", ErrMissingDate, name, value)
	}
	return t.UTC(), name == "x-amz-date", nil
}

func (v *Verifier) checkSkew(t time.Time) error {
	now := v.now()
	if d := now.Sub(t); d > v.maxSkew() || d < -v.maxSkew() {
		return fmt.Errorf("%w: request time %s, server time %s", ErrRequestTimeTooSkewed,
			t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// queryParams returns the named presigned-URL parameters, each required
// exactly once.
func queryParams(rv *requestView, names ...string) ([]string, error) {
	values := make([]string, len(names))
	for i, name := range names {
		val, n := lookupParam(rv.params, name)
		switch {
		case n == 0:
			return nil, fmt.Errorf("%w: missing %s", ErrQueryParametersError, name)
		case n > 1:
			return nil, fmt.Errorf("%w: %s given %d times", ErrQueryParametersError, name, n)
		}
		values[i] = val
	}
	return values, nil
}

func (v *Verifier) verifyV4Query(rv *requestView) (Auth, error) {
	q, err := queryParams(rv, "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
		"X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature")
	if err != nil {
		return Auth{}, err
	}
	algorithm, credential, amzDate, expires, signedHeaders, signature := q[0], q[1], q[2], q[3], q[4], q[5]
	if algorithm != algorithmV4 {
		return Auth{}, fmt.Errorf("%w: X-Amz-Algorithm only supports %q, got %q", ErrUnsupportedAlgorithm, algorithmV4, algorithm)
	}
	cred, err := parseCredential(credential)
	if err != nil {
		return Auth{}, fmt.Errorf("%w: error parsing the X-Amz-Credential parameter: %v", ErrQueryParametersError, err)
	}
	if err := v.checkScope(cred); err != nil {
		return Auth{}, fmt.Errorf("%w: error parsing the X-Amz-Credential parameter; %v", ErrQueryParametersError, err)
	}
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return Auth{}, fmt.Errorf("%w: X-Amz-Date %q must be in the ISO8601 long format (yyyyMMdd'T'HHmmss'Z')", ErrQueryParametersError, amzDate)
	}
	if day := t.Format(scopeDateFormat); cred.Date != day {
		return Auth{}, fmt.Errorf("%w: invalid credential date %q: it is not the same as X-Amz-Date %s", ErrQueryParametersError, cred.Date, day)
	}
	secs, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || secs < 0 {
		return Auth{}, fmt.Errorf("%w: X-Amz-Expires %q must be a non-negative integer", ErrQueryParametersError, expires)
	}
	if secs > int64(maxPresignExpiry/time.Second) {
		return Auth{}, fmt.Errorf("%w: X-Amz-Expires must be less than a week (in seconds), that is, %d", ErrQueryParametersError, int64(maxPresignExpiry/time.Second))
	}
	if err := checkSignedHeaders(signedHeaders); err != nil {
		return Auth{}, fmt.Errorf("%w: X-Amz-SignedHeaders: %v", ErrQueryParametersError, err)
	}
	sig, err := decodeSignatureV4(signature)
	if err != nil {
		return Auth{}, fmt.Errorf("%w: X-Amz-Signature: %v", ErrQueryParametersError, err)
	}

	now := v.now()
	if now.Before(t.Add(-v.maxSkew())) {
		return Auth{}, fmt.Errorf("%w: X-Amz-Date %s is in the future", ErrNotYetValid, amzDate)
	}
	if end := t.Add(time.Duration(secs) * time.Second); now.After(end) {
		return Auth{}, fmt.Errorf("%w: expired at %s, now %s", ErrExpired,
			end.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}

	payload := UnsignedPayload
	if p, n := lookupParam(rv.params, "X-Amz-Content-Sha256"); n > 0 {
		payload = p
	} else if p := rv.header.Get("X-Amz-Content-Sha256"); p != "" && containsName(signedHeaders, "x-amz-content-sha256") {
		payload = p
	}
	if !validPayloadHash(payload) {
		return Auth{}, fmt.Errorf("%w: got %q", ErrInvalidContentSHA256, payload)
	}

	secret, token, err := v.secret(rv, cred.AccessKey)
	if err != nil {
		return Auth{}, err
	}
	if unsigned := rv.unsignedAmzHeaders(signedHeaders); len(unsigned) > 0 {
		slices.Sort(unsigned)
		return Auth{}, fmt.Errorf("%w: %s", ErrHeadersNotSigned, strings.Join(unsigned, ", "))
	}

	scope := cred.scope()
	key := SigningKey(secret, cred.Date, cred.Region, cred.Service)
	if err := matchV4(rv.canonicalV4(signedHeaders, payload, "X-Amz-Signature"), amzDate, scope, key, sig, cred.AccessKey); err != nil {
		return Auth{}, err
	}
	return Auth{
		Method:       AuthV4Query,
		AccessKey:    cred.AccessKey,
		PayloadHash:  payload,
		SigningKey:   key,
		Signature:    hex.EncodeToString(sig),
		AmzDate:      amzDate,
		Scope:        scope,
		Service:      cred.Service,
		SessionToken: token,
	}, nil
}

func (v *Verifier) bucketFromHost(host string) string {
	if v.BucketFromHost == nil {
		return ""
	}
	return v.BucketFromHost(host)
}

func (v *Verifier) verifyV2Header(rv *requestView, h string) (Auth, error) {
	accessKey, sig, err := parseAuthorizationV2(h)
	if err != nil {
		return Auth{}, err
	}
	t, amz, err := requestTime(rv.header)
	if err != nil {
		return Auth{}, err
	}
	// With x-amz-date the Date position signs empty: x-amz-date is then
	// signed among the amz headers.
	date := ""
	if !amz {
		date = rv.header.Get("Date")
	}
	if err := v.checkSkew(t); err != nil {
		return Auth{}, err
	}
	secret, token, err := v.secret(rv, accessKey)
	if err != nil {
		return Auth{}, err
	}
	if err := v.matchV2(rv, secret, date, sig, accessKey); err != nil {
		return Auth{}, err
	}
	return Auth{Method: AuthV2Header, AccessKey: accessKey, Service: "s3", SessionToken: token}, nil
}

func (v *Verifier) verifyV2Query(rv *requestView) (Auth, error) {
	q, err := queryParams(rv, "AWSAccessKeyId", "Signature", "Expires")
	if err != nil {
		return Auth{}, err
	}
	accessKey, signature, expires := q[0], q[1], q[2]
	if accessKey == "" {
		return Auth{}, fmt.Errorf("%w: AWSAccessKeyId is empty", ErrQueryParametersError)
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return Auth{}, fmt.Errorf("%w: Signature %q is not base64", ErrQueryParametersError, signature)
	}
	end, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return Auth{}, fmt.Errorf("%w: Expires %q must be seconds since the epoch", ErrQueryParametersError, expires)
	}
	if now := v.now(); now.Unix() > end {
		return Auth{}, fmt.Errorf("%w: expired at %s, now %s", ErrExpired,
			time.Unix(end, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	secret, token, err := v.secret(rv, accessKey)
	if err != nil {
		return Auth{}, err
	}
	if err := v.matchV2(rv, secret, expires, sig, accessKey); err != nil {
		return Auth{}, err
	}
	return Auth{Method: AuthV2Query, AccessKey: accessKey, Service: "s3", SessionToken: token}, nil
}

// matchV2 builds the SigV2 string to sign with date in the Date position and
// compares its signature with sig in constant time.
func (v *Verifier) matchV2(rv *requestView, secret, date string, sig []byte, accessKey string) error {
	resource := canonicalResourceV2(v.bucketFromHost(rv.host), rv.rawPath, rv.params)
	sts := stringToSignV2(rv.method, rv.header.Get("Content-Md5"), rv.header.Get("Content-Type"), date,
		canonicalAmzHeadersV2(rv.header), resource)
	if want := signV2(secret, sts); len(sig) != len(want) || subtle.ConstantTimeCompare(want, sig) != 1 {
		return &SignatureError{AccessKey: accessKey, StringToSign: sts}
	}
	return nil
}
