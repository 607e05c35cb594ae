package iam

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// The AWS Signature Version 4 test suite: credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1,
// service "service". Each case is the request as sent, the canonical request
// and the signature AWS publishes. The suite's normalize-path cases are left
// out: S3 does not normalise paths. get-space and get-utf8 put the path on
// the wire encoded, as an HTTP client must.
var sigV4Suite = []struct {
	name, req, creq, sig string
}{
	{"get-vanilla",
		"GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	{"get-vanilla-empty-query-key",
		"GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
	{"get-vanilla-query-order-key-case",
		"GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	{"get-vanilla-query-order-key",
		"GET /?Param1=value2&Param1=Value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
	{"get-vanilla-query-order-value",
		"GET /?Param1=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
	{"get-vanilla-query-order-encoded",
		"GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"},
	{"get-vanilla-query-unreserved",
		"GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
	{"get-vanilla-utf8-query",
		"GET /?ሴ=bar HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
	{"get-unreserved",
		"GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
	{"get-utf8",
		"GET /%E1%88%B4 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
	{"get-utf8-raw-on-the-wire",
		"GET /ሴ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
	{"get-space",
		"GET /example%20space/ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
	{"get-header-key-duplicate",
		"GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EmptySHA256,
		"c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
	{"get-header-value-multiline",
		"GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1 value2 value3\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EmptySHA256,
		"cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd"},
	{"get-header-value-order",
		"GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EmptySHA256,
		"08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
	{"get-header-value-trim",
		"GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\nX-Amz-Date:20150830T123600Z\n",
		"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" + EmptySHA256,
		"acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
	{"get-vanilla-with-session-token",
		"GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n",
		"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\nhost;x-amz-date;x-amz-security-token\n" + EmptySHA256,
		"07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
	{"post-vanilla",
		"POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	{"post-vanilla-query",
		"POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		"POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptySHA256,
		"28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
	{"post-header-key-sort",
		"POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z\n",
		"POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EmptySHA256,
		"c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
	{"post-header-value-case",
		"POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\nX-Amz-Date:20150830T123600Z\n",
		"POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + EmptySHA256,
		"cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
	{"post-x-www-form-urlencoded",
		"POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
		"POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
		"ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
	{"post-x-www-form-urlencoded-parameters",
		"POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf8\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
		"POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
		"1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
}

func TestSigV4Suite(t *testing.T) {
	key := SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service")
	const scope = "20150830/us-east-1/service/aws4_request"
	for _, c := range sigV4Suite {
		t.Run(c.name, func(t *testing.T) {
			r := readRequest(t, c.req)
			// The suite's requests sign every header they carry.
			lines := strings.Split(c.creq, "\n")
			signedHeaders := lines[len(lines)-2]
			_, body, _ := strings.Cut(c.req, "\n\n")
			sum := sha256.Sum256([]byte(body))
			got := viewOf(r).canonicalV4(signedHeaders, hex.EncodeToString(sum[:]), "")
			if s := got[0].String(); s != c.creq {
				t.Fatalf("canonical request\n got %q\nwant %q", s, c.creq)
			}
			sts := stringToSignV4("20150830T123600Z", scope, c.creq)
			if sig := SignHex(key, sts); sig != c.sig {
				t.Fatalf("signature %s, want %s", sig, c.sig)
			}
		})
	}
}

// The examples of the S3 API reference, "Signature Calculations for the
// Authorization Header" and "Transferring Payload in Multiple Chunks",
// verified end to end.
func TestS3DocumentedV4Examples(t *testing.T) {
	v := &Verifier{Keys: StaticKeyring{docAccessKey: docSecretKey}, Region: "us-east-1", Now: at("2013-05-24T00:05:00Z")}
	const cred = "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
	for _, c := range []struct {
		name, req, payload string
	}{
		{"GET object with Range", "GET /test.txt HTTP/1.1\n" +
			"Host: examplebucket.s3.amazonaws.com\n" +
			"Authorization: AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\n" +
			"Range: bytes=0-9\n" +
			"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
			"x-amz-date: 20130524T000000Z\n", EmptySHA256},
		{"PUT object", "PUT /test%24file.text HTTP/1.1\n" +
			"Host: examplebucket.s3.amazonaws.com\n" +
			"Date: Fri, 24 May 2013 00:00:00 GMT\n" +
			"Authorization: AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd\n" +
			"x-amz-date: 20130524T000000Z\n" +
			"x-amz-storage-class: REDUCED_REDUNDANCY\n" +
			"x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n" +
			"Content-Length: 21\n\nWelcome to Amazon S3.", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
		{"GET bucket lifecycle", "GET /?lifecycle HTTP/1.1\n" +
			"Host: examplebucket.s3.amazonaws.com\n" +
			"Authorization: AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543\n" +
			"x-amz-date: 20130524T000000Z\n" +
			"x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n", EmptySHA256},
		{"GET bucket (list objects)", "GET /?max-keys=2&prefix=J HTTP/1.1\n" +
			"Host: examplebucket.s3.amazonaws.com\n" +
			"Authorization: AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7\n" +
			"x-amz-date: 20130524T000000Z\n" +
			"x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n", EmptySHA256},
		{"presigned GET object", "GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1\n" +
			"Host: examplebucket.s3.amazonaws.com\n", UnsignedPayload},
		{"seed of a chunked upload", "PUT /examplebucket/chunkObject.txt HTTP/1.1\n" +
			"Host: s3.amazonaws.com\n" +
			"x-amz-date: 20130524T000000Z\n" +
			"x-amz-storage-class: REDUCED_REDUNDANCY\n" +
			"Authorization: AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\n" +
			"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\n" +
			"Content-Encoding: aws-chunked\n" +
			"x-amz-decoded-content-length: 66560\n" +
			"Content-Length: 66824\n", StreamingSignedPayload},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := v.Verify(readRequest(t, c.req))
			if err != nil {
				var se *SignatureError
				if errors.As(err, &se) {
					t.Logf("canonical request:\n%s\nstring to sign:\n%s", se.CanonicalRequest, se.StringToSign)
				}
				t.Fatal(err)
			}
			if a.AccessKey != docAccessKey || a.PayloadHash != c.payload || a.Service != "s3" ||
				a.AmzDate != "20130524T000000Z" || a.Scope != "20130524/us-east-1/s3/aws4_request" {
				t.Fatalf("auth %+v", a)
			}
		})
	}
}

// The chunk signatures of the documented chunked upload follow from what
// Verify hands the aws-chunked decoder.
func TestS3DocumentedChunkSignatures(t *testing.T) {
	v := &Verifier{Keys: StaticKeyring{docAccessKey: docSecretKey}, Now: at("2013-05-24T00:00:00Z")}
	a, err := v.Verify(readRequest(t, "PUT /examplebucket/chunkObject.txt HTTP/1.1\n"+
		"Host: s3.amazonaws.com\n"+
		"x-amz-date: 20130524T000000Z\n"+
		"x-amz-storage-class: REDUCED_REDUNDANCY\n"+
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\n"+
		"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\n"+
		"Content-Encoding: aws-chunked\n"+
		"x-amz-decoded-content-length: 66560\n"+
		"Content-Length: 66824\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Method != AuthV4Header || a.Signature != "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9" {
		t.Fatalf("auth %+v", a)
	}
	prev := a.Signature
	for i, c := range []struct {
		size int
		sig  string
	}{
		{65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"},
		{1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"},
		{0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
	} {
		sum := sha256.Sum256(bytes.Repeat([]byte{'a'}, c.size))
		sig := SignHex(a.SigningKey, ChunkStringToSign(a.AmzDate, a.Scope, prev, sum[:]))
		if sig != c.sig {
			t.Fatalf("chunk %d: signature %s, want %s", i, sig, c.sig)
		}
		prev = sig
	}
}

func TestTrailerStringToSign(t *testing.T) {
	sum := sha256.Sum256([]byte("x-amz-checksum-crc32c:sOO8/Q==\n"))
	got := TrailerStringToSign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", "abc", sum[:])
	want := "AWS4-HMAC-SHA256-TRAILER\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\nabc\n" + hex.EncodeToString(sum[:])
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// The signing key of the IAM example in "Signing AWS requests" (AWS General
// Reference).
func TestSigningKey(t *testing.T) {
	got := hex.EncodeToString(SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"))
	if want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"; got != want {
		t.Fatalf("signing key %s, want %s", got, want)
	}
}

func TestParseAuthorizationV4(t *testing.T) {
	const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	for _, c := range []struct {
		name, h string
		err     error
		cred    credentialV4
		signed  string
	}{
		{"no spaces", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature=" + sig,
			nil, credentialV4{"AK", "20130524", "us-east-1", "s3"}, "host;x-amz-date"},
		{"comma and space", "AWS4-HMAC-SHA256 Credential=AK/20130524/eu-west-1/iam/aws4_request, SignedHeaders=host, Signature=" + sig,
			nil, credentialV4{"AK", "20130524", "eu-west-1", "iam"}, "host"},
		{"other order", "AWS4-HMAC-SHA256 Signature=" + sig + ", SignedHeaders=host, Credential=AK/20130524/us-east-1/s3/aws4_request",
			nil, credentialV4{"AK", "20130524", "us-east-1", "s3"}, "host"},
		{"slash in key", "AWS4-HMAC-SHA256 Credential=a/b/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig,
			nil, credentialV4{"a/b", "20130524", "us-east-1", "s3"}, "host"},
		{"sigv4a", "AWS4-ECDSA-P256-SHA256 Credential=AK/20130524/s3/aws4_request,SignedHeaders=host,Signature=" + sig, ErrUnsupportedAlgorithm, credentialV4{}, ""},
		{"algorithm only", "AWS4-HMAC-SHA256", ErrUnsupportedAlgorithm, credentialV4{}, ""},
		{"missing signature", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=host", ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"missing credential", "AWS4-HMAC-SHA256 SignedHeaders=host,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"twice", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,SignedHeaders=host,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3,SignedHeaders=host,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"bad date", "AWS4-HMAC-SHA256 Credential=AK/2013-05-24/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"bad terminator", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws5_request,SignedHeaders=host,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"empty key", "AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"host not signed", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=x-amz-date,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"uppercase header", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=Host,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"empty header name", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;;x,Signature=" + sig, ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"short signature", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abcd", ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"unknown component", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=" + sig + ",Extra=1", ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
		{"no equals", "AWS4-HMAC-SHA256 Credential", ErrAuthorizationHeaderMalformed, credentialV4{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := parseAuthorizationV4(c.h)
			wantErr(t, err, c.err)
			if c.err != nil {
				return
			}
			if a.Credential != c.cred || a.SignedHeaders != c.signed || hex.EncodeToString(a.Signature) != sig {
				t.Fatalf("parsed %+v", a)
			}
		})
	}
}

func TestCanonicalHeaderValue(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"value"}, "value"},
		{[]string{"  value  "}, "value"},
		{[]string{"a   b \t c"}, "a b \t c"},
		{[]string{" a  b ", "c", "  d"}, "a b,c,d"},
		{[]string{""}, ""},
		{nil, ""},
		{[]string{"bytes=0-9"}, "bytes=0-9"},
	} {
		if got := canonicalHeaderValue(c.in); got != c.want {
			t.Errorf("canonicalHeaderValue(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestValidPayloadHash(t *testing.T) {
	for s, want := range map[string]bool{
		EmptySHA256:                                true,
		strings.ToUpper(EmptySHA256):               true,
		UnsignedPayload:                            true,
		StreamingSignedPayload:                     true,
		StreamingSignedPayloadTrailer:              true,
		StreamingUnsignedPayloadTrailer:            true,
		"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD": false,
		"":                     false,
		EmptySHA256[:63] + "g": false,
		EmptySHA256 + "0":      false,
	} {
		if got := validPayloadHash(s); got != want {
			t.Errorf("validPayloadHash(%q) = %v", s, got)
		}
	}
}
