package iam

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// docBucketFromHost resolves the hosts of the S3 SigV2 examples:
// "<bucket>[.<region>].s3[.<region>].amazonaws.com", the bare endpoint (path
// style) and a CNAME that is the bucket name.
func docBucketFromHost(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	name, ok := strings.CutSuffix(host, ".amazonaws.com")
	if !ok {
		return host
	}
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if l == "s3" {
			if i > 0 && strings.HasPrefix(labels[i-1], "us-") {
				i--
			}
			return strings.Join(labels[:i], ".")
		}
	}
	return ""
}

// The examples of "Signing and authenticating REST requests" (S3 SigV2),
// johnsmith and awsexamplebucket1 editions, verified end to end.
func TestS3DocumentedV2Examples(t *testing.T) {
	for _, c := range []struct {
		name, now, req string
		method         AuthMethod
	}{
		{"object GET", "2007-03-27T19:36:42Z",
			"GET /photos/puppy.jpg HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\nDate: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n",
			AuthV2Header},
		{"object PUT", "2007-03-27T21:15:45Z",
			"PUT /photos/puppy.jpg HTTP/1.1\nContent-Type: image/jpeg\nContent-Length: 94328\nHost: johnsmith.s3.amazonaws.com\nDate: Tue, 27 Mar 2007 21:15:45 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=\n",
			AuthV2Header},
		{"list", "2007-03-27T19:42:41Z",
			"GET /?prefix=photos&max-keys=50&marker=puppy HTTP/1.1\nUser-Agent: Mozilla/5.0\nHost: johnsmith.s3.amazonaws.com\nDate: Tue, 27 Mar 2007 19:42:41 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:htDYFYduRNen8P9ZfE/s9SuKy0U=\n",
			AuthV2Header},
		{"fetch acl", "2007-03-27T19:44:46Z",
			"GET /?acl HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\nDate: Tue, 27 Mar 2007 19:44:46 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM=\n",
			AuthV2Header},
		{"upload to a CNAME bucket with metadata", "2007-03-27T21:06:08Z",
			"PUT /db-backup.dat.gz HTTP/1.1\nUser-Agent: curl/7.15.5\nHost: static.johnsmith.net:8080\nDate: Tue, 27 Mar 2007 21:06:08 +0000\n" +
				"x-amz-acl: public-read\ncontent-type: application/x-download\nContent-MD5: 4gJE4saaMU4BqNR0kLY+lw==\n" +
				"X-Amz-Meta-ReviewedBy: joe@johnsmith.net\nX-Amz-Meta-ReviewedBy: jane@johnsmith.net\n" +
				"X-Amz-Meta-FileChecksum: 0x02661779\nX-Amz-Meta-ChecksumAlgorithm: crc32\n" +
				"Content-Disposition: attachment; filename=database.dat\nContent-Encoding: gzip\nContent-Length: 5913339\n" +
				"Authorization: AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc=\n",
			AuthV2Header},
		{"list all my buckets", "2007-03-28T01:29:59Z",
			"GET / HTTP/1.1\nHost: s3.amazonaws.com\nDate: Wed, 28 Mar 2007 01:29:59 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s=\n",
			AuthV2Header},
		{"unicode keys, escapes as sent", "2007-03-28T01:49:49Z",
			"GET /dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re HTTP/1.1\nHost: s3.amazonaws.com\nDate: Wed, 28 Mar 2007 01:49:49 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM=\n",
			AuthV2Header},
		{"query string authentication", "2007-03-29T03:40:20Z",
			"GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n",
			AuthV2Query},
		{"object GET, regional host", "2007-03-27T19:36:42Z",
			"GET /photos/puppy.jpg HTTP/1.1\nHost: awsexamplebucket1.us-west-1.s3.amazonaws.com\nDate: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=\n",
			AuthV2Header},
		{"object PUT, dualstack host", "2007-03-27T21:15:45Z",
			"PUT /photos/puppy.jpg HTTP/1.1\nContent-Type: image/jpeg\nContent-Length: 94328\nHost: awsexamplebucket1.s3.us-west-1.amazonaws.com\nDate: Tue, 27 Mar 2007 21:15:45 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:iqRzw+ileNPu1fhspnRs8nOjjIA=\n",
			AuthV2Header},
		{"fetch acl, regional host", "2007-03-27T19:44:46Z",
			"GET /?acl HTTP/1.1\nHost: awsexamplebucket1.s3.us-west-1.amazonaws.com\nDate: Tue, 27 Mar 2007 19:44:46 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:82ZHiFIjc+WbcwFKGUVEQspPn+0=\n",
			AuthV2Header},
		// The documentation's own DELETE example signs the x-amz-date value
		// in the Date position, against its rule; S3 follows the rule (Date
		// empty, x-amz-date among the amz headers), and so does this.
		{"delete with x-amz-date, path style", "2007-03-27T21:20:26Z",
			"DELETE /johnsmith/photos/puppy.jpg HTTP/1.1\nUser-Agent: dotnet\nHost: s3.amazonaws.com\nDate: Tue, 27 Mar 2007 21:20:27 +0000\nx-amz-date: Tue, 27 Mar 2007 21:20:26 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:R4dJ53KECjStyBO5iTBJZ4XVOaI=\n",
			AuthV2Header},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := &Verifier{Keys: StaticKeyring{docAccessKey: docSecretKey}, Now: at(c.now), BucketFromHost: docBucketFromHost}
			a, err := v.Verify(readRequest(t, c.req))
			if err != nil {
				var se *SignatureError
				if errors.As(err, &se) {
					t.Logf("string to sign:\n%q", se.StringToSign)
				}
				t.Fatal(err)
			}
			if a.Method != c.method || a.AccessKey != docAccessKey || a.Service != "s3" || a.PayloadHash != "" {
				t.Fatalf("auth %+v", a)
			}
		})
	}
}

func TestV2QueryExpiry(t *testing.T) {
	const req = "GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n"
	for _, c := range []struct {
		now  int64
		want error
	}{
		{1175139620 - 7*24*3600, nil}, // no skew check on a presigned URL
		{1175139620, nil},
		{1175139621, ErrExpired},
	} {
		v := &Verifier{Keys: StaticKeyring{docAccessKey: docSecretKey}, Now: func() time.Time { return time.Unix(c.now, 0) }, BucketFromHost: docBucketFromHost}
		_, err := v.Verify(readRequest(t, req))
		wantErr(t, err, c.want)
	}
}

func TestV2Failures(t *testing.T) {
	const get = "GET /photos/puppy.jpg HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n"
	for _, c := range []struct {
		name, now, req string
		want           error
	}{
		{"skew", "2007-03-27T19:52:43Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n", ErrRequestTimeTooSkewed},
		{"skew backwards", "2007-03-27T19:20:41Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n", ErrRequestTimeTooSkewed},
		{"within skew", "2007-03-27T19:51:41Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n", nil},
		{"no date", "2007-03-27T19:36:42Z", get + "Authorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n", ErrMissingDate},
		{"bad date", "2007-03-27T19:36:42Z", get + "Date: yesterday\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n", ErrMissingDate},
		{"wrong signature", "2007-03-27T19:36:42Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=\n", ErrSignatureDoesNotMatch},
		{"unknown key", "2007-03-27T19:36:42Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIDNOBODY:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n", ErrInvalidAccessKeyID},
		{"no colon", "2007-03-27T19:36:42Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE\n", ErrAuthorizationHeaderMalformed},
		{"not base64", "2007-03-27T19:36:42Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:!!!\n", ErrAuthorizationHeaderMalformed},
		{"header changed after signing", "2007-03-27T19:36:42Z", get + "Date: Tue, 27 Mar 2007 19:36:42 +0000\nx-amz-acl: public-read\nAuthorization: AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=\n", ErrSignatureDoesNotMatch},
		{"query: no Expires", "2007-03-27T19:36:42Z", "GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n", ErrQueryParametersError},
		{"query: bad Expires", "2007-03-27T19:36:42Z", "GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=soon HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n", ErrQueryParametersError},
		{"query: other object", "2007-03-27T19:36:42Z", "GET /photos/kitten.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n", ErrSignatureDoesNotMatch},
		{"query: subresource added", "2007-03-27T19:36:42Z", "GET /photos/puppy.jpg?acl&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1\nHost: johnsmith.s3.amazonaws.com\n", ErrSignatureDoesNotMatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := &Verifier{Keys: StaticKeyring{docAccessKey: docSecretKey}, Now: at(c.now), BucketFromHost: docBucketFromHost}
			_, err := v.Verify(readRequest(t, c.req))
			wantErr(t, err, c.want)
		})
	}
}

func TestCanonicalResourceV2(t *testing.T) {
	for _, c := range []struct {
		bucket, path, query, want string
	}{
		{"", "/", "", "/"},
		{"", "", "", "/"},
		{"b", "/", "", "/b/"},
		{"b", "/k", "", "/b/k"},
		{"", "/b/a%20b/c%2Bd", "", "/b/a%20b/c%2Bd"},
		{"", "/b/%c3%a9", "", "/b/%c3%a9"}, // taken literally, case and all
		{"", "/b/", "prefix=x&max-keys=5&marker=m", "/b/"},
		{"", "/b/", "acl", "/b/?acl"},
		{"", "/b/", "acl=", "/b/?acl"},
		{"", "/b/k", "uploadId=abc&partNumber=3", "/b/k?partNumber=3&uploadId=abc"},
		{"", "/b/k", "versionId=3%2B4&foo=bar", "/b/k?versionId=3+4"},
		{"", "/b/k", "response-content-type=text%2Fplain&response-expires=x", "/b/k?response-content-type=text/plain&response-expires=x"},
		{"", "/b/", "versioning&delete&lifecycle", "/b/?delete&lifecycle&versioning"},
		{"", "/b/", "tagging&cors&website&policy&location&logging&notification&requestPayment&torrent&uploads&versions&restore",
			"/b/?cors&location&logging&notification&policy&requestPayment&restore&tagging&torrent&uploads&versions&website"},
		{"", "/b/k", "AWSAccessKeyId=a&Signature=s&Expires=1", "/b/k"},
	} {
		if got := canonicalResourceV2(c.bucket, c.path, parseQuery(c.query)); got != c.want {
			t.Errorf("canonicalResourceV2(%q, %q, %q) = %q, want %q", c.bucket, c.path, c.query, got, c.want)
		}
	}
}

func TestCanonicalAmzHeadersV2(t *testing.T) {
	h := http.Header{
		"X-Amz-Meta-Reviewedby": {" joe@example.com ", "jane@example.com"},
		"X-Amz-Acl":             {"public-read"},
		"Content-Type":          {"text/plain"},
		"x-amz-meta-Lower":      {"v"}, // not canonical: a hand-built header
		"X-Amz-Date":            {"Tue, 27 Mar 2007 21:20:26 +0000"},
		"X-Amz-":                {"too short"},
	}
	want := "x-amz-acl:public-read\n" +
		"x-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n" +
		"x-amz-meta-lower:v\n" +
		"x-amz-meta-reviewedby:joe@example.com,jane@example.com\n"
	if got := canonicalAmzHeadersV2(h); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
