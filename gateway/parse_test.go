package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zones3/zones3/gateway/awschunked"
	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
)

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		hdr     string
		size    int64
		ok      bool // false: header ignored, whole object
		off, n  int64
		whole   bool
		invalid bool
	}{
		{"bytes=0-0", 10, true, 0, 1, false, false},
		{"bytes=0-9", 10, true, 0, 10, false, false},
		{"bytes=3-", 10, true, 3, 7, false, false},
		{"bytes=3-100", 10, true, 3, 7, false, false},
		{"bytes=-1", 10, true, 9, 1, false, false},
		{"bytes=-10", 10, true, 0, 10, false, false},
		{"bytes=-11", 10, true, 0, 10, false, false},
		{"bytes= 2 - 4", 10, true, 2, 3, false, false},
		{"bytes=10-", 10, true, 0, 0, false, true},
		{"bytes=10-12", 10, true, 0, 0, false, true},
		{"bytes=-0", 10, true, 0, 0, false, true},
		{"bytes=0-", 0, true, 0, 0, false, true},
		{"bytes=-5", 0, true, 0, 0, true, false},
		{"bytes=4-3", 10, false, 0, 0, false, false},
		{"bytes=0-1,2-3", 10, false, 0, 0, false, false},
		{"bytes=", 10, false, 0, 0, false, false},
		{"bytes=-", 10, false, 0, 0, false, false},
		{"bytes=a-b", 10, false, 0, 0, false, false},
		{"bytes=+1-2", 10, false, 0, 0, false, false},
		{"bytes=1", 10, false, 0, 0, false, false},
		{"chars=0-1", 10, false, 0, 0, false, false},
		{"bytes=99999999999999999999-", 10, false, 0, 0, false, false},
	} {
		r, ok := parseRange(tc.hdr)
		if ok != tc.ok {
			t.Errorf("%q: ok %v, want %v", tc.hdr, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		off, n, whole, err := r.resolve(tc.size)
		if tc.invalid {
			if !errors.Is(err, errInvalidRange) {
				t.Errorf("%q of %d: err %v, want InvalidRange", tc.hdr, tc.size, err)
			}
			continue
		}
		if err != nil || off != tc.off || n != tc.n || whole != tc.whole {
			t.Errorf("%q of %d: %d+%d whole=%v err=%v, want %d+%d whole=%v", tc.hdr, tc.size, off, n, whole, err, tc.off, tc.n, tc.whole)
		}
	}
}

func TestConditionsCheck(t *testing.T) {
	mod := time.Date(2025, 3, 4, 5, 6, 7, 500e6, time.UTC)
	before := mod.Add(-time.Minute).Format(http.TimeFormat)
	same := mod.Format(http.TimeFormat)
	after := mod.Add(time.Minute).Format(http.TimeFormat)
	for _, tc := range []struct {
		c    conditions
		want error
	}{
		{conditions{}, nil},
		{conditions{ifMatch: `"abc"`}, nil},
		{conditions{ifMatch: `abc`}, nil},
		{conditions{ifMatch: `W/"abc"`}, nil},
		{conditions{ifMatch: `"x"`}, errPreconditionFailed},
		{conditions{ifNoneMatch: `"abc"`}, errNotModified},
		{conditions{ifNoneMatch: `*`}, errNotModified},
		{conditions{ifNoneMatch: `"x"`, ifModifiedSince: after}, nil},
		{conditions{ifModifiedSince: before}, nil},
		{conditions{ifModifiedSince: same}, errNotModified},
		{conditions{ifUnmodifiedSince: before}, errPreconditionFailed},
		{conditions{ifUnmodifiedSince: same}, nil},
		{conditions{ifMatch: `"abc"`, ifUnmodifiedSince: before}, nil},
		{conditions{ifNoneMatch: `"abc"`, ifModifiedSince: before}, errNotModified},
		{conditions{ifNoneMatch: `"abc"`, copySource: true}, errPreconditionFailed},
		{conditions{ifModifiedSince: after, copySource: true}, errPreconditionFailed},
		{conditions{ifUnmodifiedSince: "garbage"}, nil},
		{conditions{ifUnmodifiedSince: mod.Add(-time.Minute).Format(time.RFC1123)}, errPreconditionFailed},
		{conditions{ifModifiedSince: mod.Add(-time.Minute).Format(time.RFC3339)}, nil},
		{conditions{ifModifiedSince: mod.Add(time.Minute).Format(time.RFC3339)}, errNotModified},
	} {
		if got := tc.c.check("abc", mod); !errors.Is(got, tc.want) && got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.c, got, tc.want)
		}
	}
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "my-bucket.data": true, "a1b2c3": true, strings.Repeat("a", 63): true, "1bucket": true,
		"ab": false, strings.Repeat("a", 64): false, "Bucket": false, "bucket_1": false, "-abc": false, "abc-": false,
		".abc": false, "abc.": false, "a..b": false, "192.168.0.1": false, "xn--abc": false, "sthree-abc": false,
		"abc-s3alias": false, "abc--ol-s3": false, "a b": false, "": false,
	} {
		if got := validBucketName(name); got != want {
			t.Errorf("validBucketName(%q) = %v", name, got)
		}
	}
}

func TestS3URLEncode(t *testing.T) {
	for in, want := range map[string]string{
		"plain/key.txt": "plain/key.txt",
		"a b":           "a+b",
		"a+b":           "a%2Bb",
		"x~y":           "x%7Ey",
		"star*":         "star*",
		"ü":             "%C3%BC",
		"a&b=c?d#":      "a%26b%3Dc%3Fd%23",
		"\x01":          "%01",
	} {
		if got := s3URLEncode(in); got != want {
			t.Errorf("s3URLEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVirtualHostBucket(t *testing.T) {
	domains := []string{"s3.example.com", "localhost"}
	for host, want := range map[string]string{
		"photos.s3.example.com":      "photos",
		"photos.s3.example.com:9000": "photos",
		"Photos.S3.Example.Com":      "photos",
		"a.b.s3.example.com":         "a.b",
		"s3.example.com":             "",
		"s3.example.com:9000":        "",
		"xs3.example.com":            "",
		"bucket.localhost:9000":      "bucket",
		"127.0.0.1:9000":             "",
		"[::1]:9000":                 "",
	} {
		if got := VirtualHostBucket(host, domains); got != want {
			t.Errorf("VirtualHostBucket(%q) = %q, want %q", host, got, want)
		}
	}
	if got := VirtualHostBucket("b.s3.example.com", nil); got != "" {
		t.Errorf("no domains: %q", got)
	}
}

func TestToAPIError(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("layer: %w", err) }
	for _, tc := range []struct {
		err      error
		code     string
		status   int
		internal bool
	}{
		{wrap(objectlayer.ErrNoSuchBucket), "NoSuchBucket", 404, false},
		{wrap(objectlayer.ErrBucketExists), "BucketAlreadyOwnedByYou", 409, false},
		{wrap(objectlayer.ErrBucketNotEmpty), "BucketNotEmpty", 409, false},
		{wrap(objectlayer.ErrNoSuchKey), "NoSuchKey", 404, false},
		{wrap(objectlayer.ErrNoSuchUpload), "NoSuchUpload", 404, false},
		{wrap(objectlayer.ErrInvalidPart), "InvalidPart", 400, false},
		{wrap(objectlayer.ErrInvalidPartOrder), "InvalidPartOrder", 400, false},
		{wrap(objectlayer.ErrEntityTooSmall), "EntityTooSmall", 400, false},
		{wrap(objectlayer.ErrPreconditionFailed), "PreconditionFailed", 412, false},
		{wrap(objectlayer.ErrInvalidRange), "InvalidRange", 416, false},
		{wrap(objectlayer.ErrQuorum), "ServiceUnavailable", 503, false},
		{wrap(objectlayer.ErrBadDigest), "BadDigest", 400, false},
		{wrap(iam.ErrInvalidAccessKeyID), "InvalidAccessKeyId", 403, false},
		{wrap(iam.ErrSignatureDoesNotMatch), "SignatureDoesNotMatch", 403, false},
		{wrap(iam.ErrRequestTimeTooSkewed), "RequestTimeTooSkewed", 403, false},
		{wrap(iam.ErrExpired), "AccessDenied", 403, false},
		{wrap(iam.ErrAuthorizationHeaderMalformed), "AuthorizationHeaderMalformed", 400, false},
		{wrap(iam.ErrQueryParametersError), "AuthorizationQueryParametersError", 400, false},
		{wrap(iam.ErrUnsupportedAlgorithm), "InvalidArgument", 400, false},
		{wrap(awschunked.ErrSignatureDoesNotMatch), "SignatureDoesNotMatch", 403, false},
		{wrap(awschunked.ErrTruncated), "IncompleteBody", 400, false},
		{wrap(awschunked.ErrMalformedTrailer), "MalformedTrailerError", 400, false},
		{wrap(awschunked.ErrMalformed), "IncompleteBody", 400, false},
		{wrap(checksum.ErrBadDigest), "BadDigest", 400, false},
		{wrap(checksum.ErrInvalidDigest), "InvalidDigest", 400, false},
		{wrap(checksum.ErrContentSHA256Mismatch), "XAmzContentSHA256Mismatch", 400, false},
		{wrap(checksum.ErrInvalidContentSHA256), "InvalidArgument", 400, false},
		{wrap(checksum.ErrChecksumMismatch), "BadDigest", 400, false},
		{wrap(checksum.ErrInvalidChecksum), "InvalidRequest", 400, false},
		{wrap(checksum.ErrIncompleteBody), "IncompleteBody", 400, false},
		{wrap(checksum.ErrBodyTooLong), "IncompleteBody", 400, false},
		{errKeyTooLong, "KeyTooLongError", 400, false},
		{wrap(errNotImplemented.withMessage("x")), "NotImplemented", 501, false},
		{errors.New("disk on fire"), "InternalError", 500, true},
	} {
		e, internal := toAPIError(tc.err)
		if e.Code != tc.code || e.Status != tc.status || internal != tc.internal {
			t.Errorf("%v: %s %d internal=%v, want %s %d %v", tc.err, e.Code, e.Status, internal, tc.code, tc.status, tc.internal)
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "plain",
		`"q" & <t> 'a'`: "&quot;q&quot; &amp; &lt;t&gt; &apos;a&apos;",
		"tab\tnl\n":     "tab&#x9;nl&#xA;",
		"bad\x01\xff":   "bad\uFFFD\uFFFD",
		"üñí":           "üñí",
	} {
		if got := string(appendEscaped(nil, in)); got != want {
			t.Errorf("appendEscaped(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRequestDocuments(t *testing.T) {
	parts, err := parseCompleteMultipart([]byte(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
		<Part><PartNumber>1</PartNumber><ETag>"aa"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
		<Part><ETag>bb</ETag><PartNumber>3</PartNumber></Part></CompleteMultipartUpload>`))
	if err != nil || len(parts) != 2 || parts[0].ETag != "aa" || parts[0].Checksums["CRC32"] != "AAAAAA==" || parts[1].PartNumber != 3 || parts[1].ETag != "bb" {
		t.Fatalf("complete: %+v %v", parts, err)
	}
	for body, code := range map[string]string{
		``: "MalformedXML",
		`<CompleteMultipartUpload></CompleteMultipartUpload>`:                                                                                                           "MalformedXML",
		`<Other><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Other>`:                                                                                          "MalformedXML",
		`<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`:                                                      "MalformedXML",
		`<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`:                                                      "InvalidArgument",
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`:                                                                    "InvalidPart",
		`<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>`: "InvalidPartOrder",
	} {
		_, err := parseCompleteMultipart([]byte(body))
		if e, _ := toAPIError(err); e.Code != code {
			t.Errorf("complete %q: %v, want %s", body, err, code)
		}
	}

	del, err := parseDelete([]byte(`<Delete><Quiet>true</Quiet><Object><Key>a &amp; b</Key></Object><Object><Key>c</Key><VersionId>null</VersionId></Object></Delete>`))
	if err != nil || !del.quiet || len(del.objects) != 2 || del.objects[0].key != "a & b" || del.objects[1].versionID != "null" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	for _, body := range []string{``, `<Delete></Delete>`, `<Delete><Object></Object></Delete>`, `<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>`, `<Delete><Object><Key>a</Key>`} {
		if _, err := parseDelete([]byte(body)); !errors.Is(err, errMalformedXML) {
			t.Errorf("delete %q: %v", body, err)
		}
	}

	lc, err := parseCreateBucketConfiguration([]byte(`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`))
	if err != nil || lc != "eu-west-1" {
		t.Fatalf("location: %q %v", lc, err)
	}
	if lc, err := parseCreateBucketConfiguration([]byte("  \n")); err != nil || lc != "" {
		t.Fatalf("empty config: %q %v", lc, err)
	}
	if _, err := parseCreateBucketConfiguration([]byte(`<Nope/>`)); !errors.Is(err, errMalformedXML) {
		t.Fatalf("wrong root: %v", err)
	}
}

// Fuzz targets. Their seeds run in every go test; go test -fuzz explores.

func FuzzParseCompleteMultipart(f *testing.F) {
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>a</ETag><ChecksumSHA256>x</ChecksumSHA256></Part><Part><PartNumber>10000</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>1</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><CompleteMultipartUpload>&a;</CompleteMultipartUpload>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		parts, err := parseCompleteMultipart(body)
		if err != nil {
			if _, internal := toAPIError(err); internal {
				t.Fatalf("unmapped error %v", err)
			}
			return
		}
		if len(parts) == 0 || len(parts) > maxParts {
			t.Fatalf("%d parts accepted", len(parts))
		}
		for i, p := range parts {
			if p.PartNumber < 1 || p.PartNumber > maxParts || p.ETag == "" || (i > 0 && p.PartNumber <= parts[i-1].PartNumber) {
				t.Fatalf("bad part accepted: %+v", p)
			}
		}
	})
}

func FuzzParseDelete(f *testing.F) {
	f.Add([]byte(`<Delete><Object><Key>a</Key></Object></Delete>`))
	f.Add([]byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet><Object><Key>a/b c</Key><VersionId>v</VersionId></Object></Delete>`))
	f.Add([]byte(`<Delete><Object><Key></Key></Object></Delete>`))
	f.Add([]byte(`<Delete><Object>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseDelete(body)
		if err != nil {
			if !errors.Is(err, errMalformedXML) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(req.objects) == 0 || len(req.objects) > maxDeleteKeys {
			t.Fatalf("%d objects accepted", len(req.objects))
		}
		for _, o := range req.objects {
			if o.key == "" {
				t.Fatal("empty key accepted")
			}
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=5-", "bytes=-3", "bytes=3-1", "bytes=0-1,2-3", "bytes=", "bytes=-0", "bytes=9223372036854775807-"} {
		f.Add(s, int64(10))
	}
	f.Add("bytes=0-", int64(0))
	f.Fuzz(func(t *testing.T, hdr string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		r, ok := parseRange(hdr)
		if !ok {
			return
		}
		off, n, whole, err := r.resolve(size)
		if err != nil || whole {
			return
		}
		if off < 0 || n < 1 || off+n > size || off+n < off {
			t.Fatalf("%q of %d: offset %d length %d", hdr, size, off, n)
		}
		if cr := contentRange(off, n, size); !strings.HasPrefix(cr, "bytes ") {
			t.Fatalf("content-range %q", cr)
		}
	})
}
