package iam

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAccessKey = "ZONES3TESTKEY"
	testSecretKey = "zones3+test/secret"
)

var signTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func testVerifier() *Verifier {
	return &Verifier{
		Keys:   StaticKeyring{testAccessKey: testSecretKey},
		Region: "us-east-1",
		Now:    func() time.Time { return signTime },
	}
}

// onTheWire sends r through its wire form, so the result is what a server
// reads: RequestURI set, Host moved out of the header.
func onTheWire(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	s, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signOpts describes a request for the SDK's signer, the independent
// implementation the tests check Verify against.
type signOpts struct {
	method, url, body string
	header            http.Header
	payload           string // x-amz-content-sha256; "" = SHA-256 of body, "-" = none
	region, service   string // "" = us-east-1, s3
	secret            string // "" = testSecretKey
	at                time.Time
}

func (o signOpts) request(t testing.TB) (*http.Request, string) {
	t.Helper()
	if o.method == "" {
		o.method = http.MethodGet
	}
	r, err := http.NewRequest(o.method, o.url, strings.NewReader(o.body))
	if err != nil {
		t.Fatal(err)
	}
	if o.body == "" {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	for k, vs := range o.header {
		r.Header[k] = vs
	}
	payload := o.payload
	if payload == "" {
		sum := sha256.Sum256([]byte(o.body))
		payload = hex.EncodeToString(sum[:])
	}
	if payload != "-" {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	} else {
		sum := sha256.Sum256([]byte(o.body))
		payload = hex.EncodeToString(sum[:])
	}
	return r, payload
}

func (o signOpts) defaults() signOpts {
	if o.region == "" {
		o.region = "us-east-1"
	}
	if o.service == "" {
		o.service = "s3"
	}
	if o.secret == "" {
		o.secret = testSecretKey
	}
	if o.at.IsZero() {
		o.at = signTime
	}
	return o
}

func s3Signer() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

// sign signs o in the Authorization header.
func sign(t testing.TB, o signOpts) *http.Request {
	t.Helper()
	o = o.defaults()
	r, payload := o.request(t)
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: o.secret}
	if err := s3Signer().SignHTTP(context.Background(), creds, r, payload, o.service, o.region, o.at); err != nil {
		t.Fatal(err)
	}
	return onTheWire(t, r)
}

// presign presigns o for expires.
func presign(t testing.TB, o signOpts, expires time.Duration) *http.Request {
	t.Helper()
	o = o.defaults()
	r, _ := o.request(t)
	r.Header.Del("X-Amz-Content-Sha256")
	q := r.URL.Query()
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	r.URL.RawQuery = q.Encode()
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: o.secret}
	u, h, err := s3Signer().PresignHTTP(context.Background(), creds, r, UnsignedPayload, o.service, o.region, o.at)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := http.NewRequest(o.method, u, strings.NewReader(o.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		if k != "Host" {
			pr.Header[k] = vs
		}
	}
	return onTheWire(t, pr)
}

func TestVerifyV4Header(t *testing.T) {
	for _, c := range []struct {
		name string
		o    signOpts
		v    func(*Verifier)
		want error
	}{
		{name: "GET", o: signOpts{url: "http://127.0.0.1:9000/bucket/key"}},
		{name: "PUT with body", o: signOpts{method: "PUT", url: "http://127.0.0.1:9000/bucket/a%20b/c%2Bd%3De~f", body: "hello",
			header: http.Header{"Content-Type": {"text/plain"}, "X-Amz-Meta-Note": {"  two   spaces  "}}}},
		{name: "unsigned payload", o: signOpts{method: "PUT", url: "http://h/b/k", body: "x", payload: UnsignedPayload}},
		{name: "streaming", o: signOpts{method: "PUT", url: "http://h/b/k", body: "x", payload: StreamingUnsignedPayloadTrailer,
			header: http.Header{"X-Amz-Trailer": {"x-amz-checksum-crc32"}, "Content-Encoding": {"aws-chunked"}}}},
		{name: "virtual host with port", o: signOpts{url: "http://bucket.s3.zones3.test:9000/k%C3%A9y?list-type=2&prefix=a%20b%2Bc&delimiter=%2F"}},
		{name: "query with empty values", o: signOpts{url: "http://h/b?acl&versionId=&x=1"}},
		{name: "unicode key", o: signOpts{url: "http://h/b/" + uriEncode("ключ/日本語 ☃.txt", true)}},
		{name: "sts service", o: signOpts{method: "POST", url: "http://h/", body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts"}},
		{name: "iam body hashed", o: signOpts{method: "POST", url: "http://h/", body: "Action=ListUsers&Version=2010-05-08", service: "iam", payload: "-",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}}},
		{name: "skew inside", o: signOpts{url: "http://h/b/k", at: signTime.Add(-14 * time.Minute)}},
		{name: "skew past", o: signOpts{url: "http://h/b/k", at: signTime.Add(-16 * time.Minute)}, want: ErrRequestTimeTooSkewed},
		{name: "skew future", o: signOpts{url: "http://h/b/k", at: signTime.Add(16 * time.Minute)}, want: ErrRequestTimeTooSkewed},
		{name: "custom skew", o: signOpts{url: "http://h/b/k", at: signTime.Add(-2 * time.Minute)}, v: func(v *Verifier) { v.MaxSkew = time.Minute }, want: ErrRequestTimeTooSkewed},
		{name: "wrong secret", o: signOpts{url: "http://h/b/k", secret: "not the secret"}, want: ErrSignatureDoesNotMatch},
		{name: "wrong region", o: signOpts{url: "http://h/b/k", region: "eu-west-1"}, want: ErrAuthorizationHeaderMalformed},
		{name: "other region configured", o: signOpts{url: "http://h/b/k", region: "eu-west-1"}, v: func(v *Verifier) { v.Region = "eu-west-1" }},
		{name: "wrong service", o: signOpts{url: "http://h/b/k", service: "ec2"}, want: ErrAuthorizationHeaderMalformed},
		{name: "unknown key", o: signOpts{url: "http://h/b/k"}, v: func(v *Verifier) { v.Keys = StaticKeyring{"OTHER": "x"} }, want: ErrInvalidAccessKeyID},
		{name: "no keyring", o: signOpts{url: "http://h/b/k"}, v: func(v *Verifier) { v.Keys = nil }, want: ErrInvalidAccessKeyID},
		{name: "s3 without content sha256", o: signOpts{url: "http://h/b/k", payload: "-"}, want: ErrMissingSecurityHeader},
		{name: "invalid content sha256", o: signOpts{url: "http://h/b/k", payload: "abc"}, want: ErrInvalidContentSHA256},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := testVerifier()
			if c.v != nil {
				c.v(v)
			}
			r := sign(t, c.o)
			a, err := v.Verify(r)
			wantErr(t, err, c.want)
			if c.want != nil {
				return
			}
			o := c.o.defaults()
			if a.Method != AuthV4Header || a.AccessKey != testAccessKey || a.Service != o.service ||
				a.AmzDate != o.at.Format(amzDateFormat) || a.Scope != o.at.Format(scopeDateFormat)+"/"+o.region+"/"+o.service+"/aws4_request" ||
				len(a.SigningKey) != 32 || len(a.Signature) != 64 {
				t.Fatalf("auth %+v", a)
			}
			if !strings.Contains(r.Header.Get("Authorization"), "Signature="+a.Signature) {
				t.Fatalf("seed signature %s not the request's %s", a.Signature, r.Header.Get("Authorization"))
			}
			// The body is intact, also after Verify hashed it.
			body, _ := io.ReadAll(r.Body)
			if string(body) != o.body {
				t.Fatalf("body after Verify %q, want %q", body, o.body)
			}
			sum := sha256.Sum256(body)
			if want := hex.EncodeToString(sum[:]); a.PayloadHash != want && !strings.HasPrefix(a.PayloadHash, "STREAMING-") && a.PayloadHash != UnsignedPayload {
				t.Fatalf("payload hash %s, want %s", a.PayloadHash, want)
			}
		})
	}
}

// A signed request altered on the way must fail, whatever part changed.
func TestVerifyV4Tampering(t *testing.T) {
	base := signOpts{method: "PUT", url: "http://h/bucket/key?tagging", body: "data",
		header: http.Header{"X-Amz-Meta-A": {"1"}, "Content-Type": {"text/plain"}}}
	for _, c := range []struct {
		name   string
		change func(r *http.Request)
		want   error
	}{
		{"nothing", func(r *http.Request) {}, nil},
		{"method", func(r *http.Request) { r.Method = "POST" }, ErrSignatureDoesNotMatch},
		{"path", func(r *http.Request) { r.RequestURI = "/bucket/kez?tagging" }, ErrSignatureDoesNotMatch},
		{"query added", func(r *http.Request) { r.URL.RawQuery += "&versionId=1" }, ErrSignatureDoesNotMatch},
		{"query dropped", func(r *http.Request) { r.URL.RawQuery = "" }, ErrSignatureDoesNotMatch},
		{"host", func(r *http.Request) { r.Host = "other" }, ErrSignatureDoesNotMatch},
		{"signed header", func(r *http.Request) { r.Header.Set("Content-Type", "text/html") }, ErrSignatureDoesNotMatch},
		{"amz header changed", func(r *http.Request) { r.Header.Set("X-Amz-Meta-A", "2") }, ErrSignatureDoesNotMatch},
		{"amz header added", func(r *http.Request) { r.Header.Set("X-Amz-Acl", "public-read") }, ErrHeadersNotSigned},
		{"payload hash", func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload) }, ErrSignatureDoesNotMatch},
		{"date", func(r *http.Request) {
			r.Header.Set("X-Amz-Date", signTime.Add(time.Second).Format(amzDateFormat))
		}, ErrSignatureDoesNotMatch},
		{"date of another day", func(r *http.Request) {
			r.Header.Set("X-Amz-Date", signTime.Add(-13*time.Hour).Format(amzDateFormat))
		}, ErrAuthorizationHeaderMalformed},
		{"no date", func(r *http.Request) { r.Header.Del("X-Amz-Date") }, ErrMissingDate},
		{"unsigned header", func(r *http.Request) { r.Header.Set("User-Agent", "other") }, nil},
		{"presigned params too", func(r *http.Request) { r.URL.RawQuery += "&X-Amz-Algorithm=AWS4-HMAC-SHA256" }, ErrMultipleAuthMechanisms},
		{"v2 query too", func(r *http.Request) { r.URL.RawQuery += "&AWSAccessKeyId=x" }, ErrMultipleAuthMechanisms},
		{"two authorization headers", func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }, ErrAuthorizationHeaderMalformed},
		{"sigv4a", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1))
		}, ErrUnsupportedAlgorithm},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, ErrUnsupportedAlgorithm},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := sign(t, base)
			c.change(r)
			_, err := testVerifier().Verify(r)
			wantErr(t, err, c.want)
			var se *SignatureError
			if errors.Is(err, ErrSignatureDoesNotMatch) && (!errors.As(err, &se) || se.CanonicalRequest == "" || se.StringToSign == "") {
				t.Fatalf("mismatch without the canonical request: %v", err)
			}
		})
	}
}

func TestVerifyWrongRegionMessage(t *testing.T) {
	_, err := testVerifier().Verify(sign(t, signOpts{url: "http://h/b/k", region: "eu-west-1"}))
	if !errors.Is(err, ErrAuthorizationHeaderMalformed) || !strings.Contains(err.Error(), "expecting 'us-east-1'") {
		t.Fatalf("error %v", err)
	}
	_, err = testVerifier().Verify(presign(t, signOpts{url: "http://h/b/k", region: "eu-west-1"}, time.Hour))
	if !errors.Is(err, ErrQueryParametersError) || !strings.Contains(err.Error(), "expecting 'us-east-1'") {
		t.Fatalf("error %v", err)
	}
}

func TestVerifyV4Query(t *testing.T) {
	for _, c := range []struct {
		name    string
		o       signOpts
		expires time.Duration
		now     time.Time
		change  func(r *http.Request)
		want    error
	}{
		{name: "GET", o: signOpts{url: "http://h/bucket/a%20b/c%2Bd%3De~f"}, expires: time.Hour},
		{name: "PUT with content type", o: signOpts{method: "PUT", url: "http://h/b/k", body: "x", header: http.Header{"Content-Type": {"text/plain"}}}, expires: time.Hour},
		{name: "hoisted amz header", o: signOpts{method: "PUT", url: "http://h/b/k", body: "x", header: http.Header{"X-Amz-Acl": {"private"}}}, expires: time.Hour},
		{name: "response overrides", o: signOpts{url: "http://h/b/k?response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22"}, expires: time.Hour},
		{name: "last second", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, now: signTime.Add(time.Hour)},
		{name: "expired", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, now: signTime.Add(time.Hour + time.Second), want: ErrExpired},
		{name: "a week", o: signOpts{url: "http://h/b/k"}, expires: 7 * 24 * time.Hour, now: signTime.Add(6 * 24 * time.Hour)},
		{name: "over a week", o: signOpts{url: "http://h/b/k"}, expires: 7*24*time.Hour + time.Second, want: ErrQueryParametersError},
		{name: "zero expiry", o: signOpts{url: "http://h/b/k"}, expires: 0},
		{name: "dated in the near future", o: signOpts{url: "http://h/b/k", at: signTime.Add(10 * time.Minute)}, expires: time.Hour},
		{name: "dated in the future", o: signOpts{url: "http://h/b/k", at: signTime.Add(20 * time.Minute)}, expires: time.Hour, want: ErrNotYetValid},
		{name: "long-lived, old", o: signOpts{url: "http://h/b/k", at: signTime.Add(-3 * 24 * time.Hour)}, expires: 4 * 24 * time.Hour},
		{name: "wrong secret", o: signOpts{url: "http://h/b/k", secret: "nope"}, expires: time.Hour, want: ErrSignatureDoesNotMatch},
		{name: "wrong region", o: signOpts{url: "http://h/b/k", region: "eu-west-1"}, expires: time.Hour, want: ErrQueryParametersError},
		{name: "other key", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, testAccessKey, "OTHERKEY", 1)
		}, want: ErrInvalidAccessKeyID},
		{name: "other object", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) {
			r.RequestURI = strings.Replace(r.RequestURI, "/b/k", "/b/j", 1)
		}, want: ErrSignatureDoesNotMatch},
		{name: "expiry extended", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=3600", "X-Amz-Expires=7200", 1)
		}, want: ErrSignatureDoesNotMatch},
		{name: "param added", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) { r.URL.RawQuery += "&versionId=2" }, want: ErrSignatureDoesNotMatch},
		{name: "unsigned amz header", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) { r.Header.Set("X-Amz-Acl", "public-read") }, want: ErrHeadersNotSigned},
		{name: "signature twice", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) { r.URL.RawQuery += "&X-Amz-Signature=00" }, want: ErrQueryParametersError},
		{name: "no expires", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=", "X-Amz-Nope=", 1)
		}, want: ErrQueryParametersError},
		{name: "bad date", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Date=", "X-Amz-Date=x", 1)
		}, want: ErrQueryParametersError},
		{name: "other algorithm", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", 1)
		}, want: ErrUnsupportedAlgorithm},
		{name: "with authorization header", o: signOpts{url: "http://h/b/k"}, expires: time.Hour, change: func(r *http.Request) { r.Header.Set("Authorization", "AWS x:y") }, want: ErrMultipleAuthMechanisms},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := presign(t, c.o, c.expires)
			if c.change != nil {
				c.change(r)
			}
			v := testVerifier()
			if !c.now.IsZero() {
				v.Now = func() time.Time { return c.now }
			}
			a, err := v.Verify(r)
			wantErr(t, err, c.want)
			if c.want != nil {
				return
			}
			if a.Method != AuthV4Query || a.AccessKey != testAccessKey || a.PayloadHash != UnsignedPayload || a.Service != "s3" {
				t.Fatalf("auth %+v", a)
			}
		})
	}
}

func TestVerifyAnonymous(t *testing.T) {
	for _, target := range []string{"/", "/b/k", "/b?list-type=2&prefix=x", "/b/k?X-Amz-Date=20250601T000000Z", "/b/k?Expires=1"} {
		r := readRequest(t, "GET "+target+" HTTP/1.1\nHost: h\nDate: Tue, 27 Mar 2007 19:36:42 +0000\n")
		a, err := testVerifier().Verify(r)
		if err != nil || a.Method != AuthAnonymous || a.AccessKey != "" {
			t.Fatalf("%s: %+v, %v", target, a, err)
		}
	}
	r := readRequest(t, "GET / HTTP/1.1\nHost: h\nAuthorization: \n")
	if a, err := testVerifier().Verify(r); err != nil || a.Method != AuthAnonymous {
		t.Fatalf("empty Authorization: %+v, %v", a, err)
	}
}

// An IAM body too large to hash in memory is refused rather than read whole.
func TestVerifyIAMBodyLimit(t *testing.T) {
	body := strings.Repeat("a", maxHashedBody+1)
	r := sign(t, signOpts{method: "POST", url: "http://h/", body: body, service: "iam", payload: "-"})
	_, err := testVerifier().Verify(r)
	wantErr(t, err, ErrMissingSecurityHeader)
}

func TestAuthMethodString(t *testing.T) {
	for m, want := range map[AuthMethod]string{
		AuthAnonymous: "anonymous", AuthV4Header: "sigv4-header", AuthV4Query: "sigv4-query",
		AuthV2Header: "sigv2-header", AuthV2Query: "sigv2-query", AuthMethod(9): "AuthMethod(9)",
	} {
		if got := m.String(); got != want {
			t.Errorf("%d: %q, want %q", int(m), got, want)
		}
	}
}

// A client may sign the path as it sent it, or the path encoded by the AWS
// rules; both name the same key and both verify. A different key does not.
func TestVerifyPathEncodings(t *testing.T) {
	for _, c := range []struct {
		name, signed, sent string
		want               error
	}{
		{"as sent, over-encoded tilde", "/b/a%7Eb", "/b/a%7Eb", nil},
		{"canonical, over-encoded tilde sent", "/b/a~b", "/b/a%7Eb", nil},
		{"as sent, lowercase escapes", "/b/%c3%a9", "/b/%c3%a9", nil},
		{"canonical, lowercase escapes sent", "/b/%C3%A9", "/b/%c3%a9", nil},
		{"encoded slash", "/b/a%2Fb", "/b/a%2Fb", nil},
		{"under-encoded equals sent", "/b/a%3Db", "/b/a=b", nil},
		{"plus is not a space", "/b/a%2Bb", "/b/a%20b", ErrSignatureDoesNotMatch},
		{"raw plus is a plus", "/b/a%2Bb", "/b/a+b", nil},
		{"trailing slash matters", "/b/dir/", "/b/dir", ErrSignatureDoesNotMatch},
		{"double slash matters", "/b//k", "/b/k", ErrSignatureDoesNotMatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := sign(t, signOpts{url: "http://h" + c.signed})
			r.RequestURI = c.sent
			_, err := testVerifier().Verify(r)
			wantErr(t, err, c.want)
		})
	}
}

// Verify also takes a request built in-process (no RequestURI, no r.Host).
func TestVerifyClientSideRequest(t *testing.T) {
	o := signOpts{method: "PUT", url: "http://bucket.h:9000/k%20ey?tagging", body: "x"}.defaults()
	r, payload := o.request(t)
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
	if err := s3Signer().SignHTTP(context.Background(), creds, r, payload, "s3", "us-east-1", signTime); err != nil {
		t.Fatal(err)
	}
	if a, err := testVerifier().Verify(r); err != nil || a.Method != AuthV4Header {
		t.Fatalf("%+v, %v", a, err)
	}
}
