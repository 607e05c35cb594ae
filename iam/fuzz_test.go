package iam

import (
	"bufio"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// canonicalOK reports whether s holds only what a canonical URI or query may:
// unreserved bytes, '/', '=' and '&' where allowed, and %XX escapes.
func canonicalOK(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case unreserved(c) || strings.IndexByte(extra, c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func FuzzCanonicalRequest(f *testing.F) {
	for _, s := range [][4]string{
		{"GET", "/", "", "v"},
		{"PUT", "/bucket/a%20b/c%2Bd%3De~f", "x-id=PutObject", "  a   b "},
		{"GET", "/b/%c3%a9/ሴ", "list-type=2&prefix=a+b&delimiter=%2F&acl", "x"},
		{"GET", "/b/100%", "k=100%&=&&a=1&a=0", ""},
		{"POST", "//a/./../b/", "X-Amz-Signature=x&b=%zz", "\t"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, method, rawPath, rawQuery, value string) {
		rv := &requestView{
			method:  method,
			host:    "h",
			rawPath: rawPath,
			params:  parseQuery(rawQuery),
			header:  http.Header{"X-Amz-Meta-F": {value}},
		}
		crs := rv.canonicalV4("host;x-amz-meta-f", EmptySHA256, "X-Amz-Signature")
		if len(crs) == 0 || len(crs) > 2 {
			t.Fatalf("%d canonical requests", len(crs))
		}
		for _, cr := range crs {
			if !canonicalOK(cr.URI, "/") || cr.URI == "" {
				t.Fatalf("canonical URI %q of %q", cr.URI, rawPath)
			}
			if s := cr.String(); !strings.HasPrefix(s, method+"\n"+cr.URI+"\n"+cr.Query+"\nhost:h\nx-amz-meta-f:") ||
				!strings.HasSuffix(s, "\n\nhost;x-amz-meta-f\n"+EmptySHA256) {
				t.Fatalf("canonical request %q", s)
			}
		}
		// The decoded-and-encoded URI is a candidate, and a fixed point.
		if decoded, err := url.PathUnescape(rawPath); err == nil && rawPath != "" {
			b := uriEncode(decoded, true)
			if crs[len(crs)-1].URI != b {
				t.Fatalf("candidates of %q: %+v, want %q last", rawPath, crs, b)
			}
			if again := canonicalURIs(b); len(again) != 1 || again[0] != b {
				t.Fatalf("canonicalURIs(%q) = %q", b, again)
			}
		}
		// The canonical query is one too, and never holds the signature.
		q := crs[0].Query
		if !canonicalOK(q, "=&") {
			t.Fatalf("canonical query %q of %q", q, rawQuery)
		}
		if again := canonicalQuery(parseQuery(q), ""); again != q {
			t.Fatalf("canonical query %q canonicalises to %q", q, again)
		}
		for _, p := range parseQuery(q) {
			if p.Key == "X-Amz-Signature" {
				t.Fatalf("X-Amz-Signature left in %q", q)
			}
		}
		if v := canonicalHeaderValue([]string{value}); strings.Contains(v, "  ") {
			t.Fatalf("header value %q folds to %q", value, v)
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=a/b/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + sig,
		"AWS4-HMAC-SHA256 Signature=" + sig + ",Credential=x/20130524/r/s/aws4_request,SignedHeaders=host",
		"AWS4-HMAC-SHA256 Credential=,SignedHeaders=,Signature=",
		"AWS4-HMAC-SHA256 ,,,",
		"AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
		"AWS :",
		"AWS4-HMAC-SHA256\tCredential=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if a, err := parseAuthorizationV4(h); err == nil {
			// What parsed must print back to something that parses the same.
			c := a.Credential
			again, err := parseAuthorizationV4("AWS4-HMAC-SHA256 Credential=" + c.AccessKey + "/" + c.scope() +
				", SignedHeaders=" + a.SignedHeaders + ", Signature=" + hex.EncodeToString(a.Signature))
			if err != nil || again.Credential != c || again.SignedHeaders != a.SignedHeaders || string(again.Signature) != string(a.Signature) {
				t.Fatalf("%q parsed to %+v, which reparses to %+v, %v", h, a, again, err)
			}
			if !containsName(a.SignedHeaders, "host") || len(a.Signature) != 32 || c.AccessKey == "" || len(c.Date) != 8 {
				t.Fatalf("%q parsed to %+v", h, a)
			}
		}
		if key, sig, err := parseAuthorizationV2(h); err == nil && (key == "" || len(sig) != 20) {
			t.Fatalf("%q parsed to %q, %x", h, key, sig)
		}
	})
}

// FuzzVerify feeds whole requests to Verify: it must answer, never panic,
// and never accept a request it was not given a valid signature for.
func FuzzVerify(f *testing.F) {
	for _, s := range []string{
		"GET /test.txt HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\r\nRange: bytes=0-9\r\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\nx-amz-date: 20130524T000000Z\r\n\r\n",
		"GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\n\r\n",
		"GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\n\r\n",
		"GET /photos/puppy.jpg HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 19:36:42 +0000\r\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20130524T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\r\nContent-Length: 3\r\n\r\nabc",
	} {
		f.Add(s)
	}
	documented := map[string]bool{}
	for _, s := range []string{"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
		"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", "NpgCjnDzrM+WFzoENXmpNDUsSn8=", "bWq2s1WEIj+Ydj0vQ697zp+IXMU="} {
		documented[s] = true
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		v := &Verifier{
			Keys:           StaticKeyring{docAccessKey: docSecretKey},
			Now:            func() time.Time { return time.Unix(1175139620, 0) },
			BucketFromHost: docBucketFromHost,
		}
		a, err := v.Verify(r)
		if err != nil || a.Method == AuthAnonymous {
			return
		}
		// Accepted: it must be one of the seeds' documented requests, or a
		// form of one that canonicalises the same. Cheap to tell apart: the
		// signature it carries is a documented one.
		carried := a.Signature
		if a.Method == AuthV2Header || a.Method == AuthV2Query {
			carried = r.Header.Get("Authorization") + r.URL.Query().Get("Signature")
			carried = carried[strings.LastIndexByte(carried, ':')+1:]
		}
		if !documented[carried] {
			t.Fatalf("accepted %q as %+v", raw, a)
		}
	})
}
