package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBadInput sends hand-made requests that no SDK would send to
// `zones3 server` and checks the S3 errors, and that nothing half-made is
// ever stored.
func TestBadInput(t *testing.T) {
	srv := startServer(t, false)
	raw := newRawS3(srv.endpoint)
	const bucket = "bad-input"
	if resp := raw.send(t, http.MethodPut, "/"+bucket, nil, nil); resp.status != http.StatusOK {
		t.Fatalf("create bucket: %v", resp)
	}
	existing := randomBytes(5000, 1000)
	if resp := raw.send(t, http.MethodPut, "/"+bucket+"/existing", existing, nil); resp.status != http.StatusOK {
		t.Fatalf("put existing: %v", resp)
	}

	// absent fails the test if key exists.
	absent := func(t *testing.T, key string) {
		t.Helper()
		resp := raw.send(t, http.MethodHead, "/"+bucket+"/"+key, nil, nil)
		if resp.status != http.StatusNotFound {
			t.Errorf("head %s after a refused write: %v, want 404", key, resp)
		}
	}

	t.Run("WrongContentMD5", func(t *testing.T) {
		resp := raw.send(t, http.MethodPut, "/"+bucket+"/bad-md5", []byte("hello world"),
			map[string]string{"Content-MD5": md5Base64([]byte("something else"))})
		expectRawError(t, "PUT with a wrong Content-MD5", resp, http.StatusBadRequest, "BadDigest")
		absent(t, "bad-md5")

		resp = raw.send(t, http.MethodPut, "/"+bucket+"/bad-md5", []byte("hello world"),
			map[string]string{"Content-MD5": "not-base64!"})
		expectRawError(t, "PUT with a malformed Content-MD5", resp, http.StatusBadRequest, "InvalidDigest")
		absent(t, "bad-md5")

		resp = raw.send(t, http.MethodPut, "/"+bucket+"/good-md5", []byte("hello world"),
			map[string]string{"Content-MD5": md5Base64([]byte("hello world"))})
		if resp.status != http.StatusOK {
			t.Errorf("PUT with the right Content-MD5: %v, want 200", resp)
		}
	})

	t.Run("WrongChecksumCRC32", func(t *testing.T) {
		resp := raw.send(t, http.MethodPut, "/"+bucket+"/bad-crc", []byte("hello world"), map[string]string{
			"X-Amz-Checksum-Crc32":         crc32Of([]byte("something else")),
			"X-Amz-Sdk-Checksum-Algorithm": "CRC32",
		})
		expectRawError(t, "PUT with a wrong x-amz-checksum-crc32", resp, http.StatusBadRequest, "BadDigest", "InvalidRequest")
		absent(t, "bad-crc")

		resp = raw.send(t, http.MethodPut, "/"+bucket+"/good-crc", []byte("hello world"), map[string]string{
			"X-Amz-Checksum-Crc32": crc32Of([]byte("hello world")),
		})
		if resp.status != http.StatusOK || resp.header.Get("X-Amz-Checksum-Crc32") != crc32Of([]byte("hello world")) {
			t.Errorf("PUT with the right x-amz-checksum-crc32: %v, checksum header %q, want 200 echoing %q",
				resp, resp.header.Get("X-Amz-Checksum-Crc32"), crc32Of([]byte("hello world")))
		}
	})

	t.Run("WrongPayloadSHA256", func(t *testing.T) {
		body := []byte("hello world")
		req := raw.request(t, http.MethodPut, "/"+bucket+"/bad-sha", body, nil, sha256Hex([]byte("something else")), time.Now())
		resp := raw.do(t, req)
		expectRawError(t, "PUT whose body does not match x-amz-content-sha256", resp, http.StatusBadRequest, "XAmzContentSHA256Mismatch", "BadDigest")
		absent(t, "bad-sha")
	})

	t.Run("KeyTooLong", func(t *testing.T) {
		resp := raw.send(t, http.MethodPut, "/"+bucket+"/"+strings.Repeat("k", 1025), []byte("x"), nil)
		expectRawError(t, "PUT with a 1,025-byte key", resp, http.StatusBadRequest, "KeyTooLongError")
		resp = raw.send(t, http.MethodPut, "/"+bucket+"/"+strings.Repeat("k", 1024), []byte("x"), nil)
		if resp.status != http.StatusOK {
			t.Errorf("PUT with a 1,024-byte key: %v, want 200", resp)
		}
	})

	t.Run("InvalidBucketName", func(t *testing.T) {
		for _, name := range []string{"Bad_Bucket", "ab", "bad..dots", strings.Repeat("b", 64)} {
			resp := raw.send(t, http.MethodPut, "/"+name, nil, nil)
			expectRawError(t, fmt.Sprintf("create bucket %q", name), resp, http.StatusBadRequest, "InvalidBucketName")
		}
	})

	t.Run("MalformedXML", func(t *testing.T) {
		resp := raw.send(t, http.MethodPost, "/"+bucket+"/mpu-malformed?uploads", nil, nil)
		if resp.status != http.StatusOK {
			t.Fatalf("create multipart upload: %v", resp)
		}
		m := regexp.MustCompile(`<UploadId>([^<]+)</UploadId>`).FindSubmatch(resp.body)
		if m == nil {
			t.Fatalf("create multipart upload: no UploadId in %q", resp.body)
		}
		uploadID := url.QueryEscape(string(m[1]))
		resp = raw.send(t, http.MethodPut, "/"+bucket+"/mpu-malformed?partNumber=1&uploadId="+uploadID, []byte("part one"), nil)
		if resp.status != http.StatusOK {
			t.Fatalf("upload part: %v", resp)
		}
		for _, body := range []string{
			"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>",
			"this is not xml at all",
			`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>one</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`,
		} {
			resp = raw.send(t, http.MethodPost, "/"+bucket+"/mpu-malformed?uploadId="+uploadID, []byte(body), nil)
			expectRawError(t, fmt.Sprintf("complete multipart upload with %q", body), resp, http.StatusBadRequest, "MalformedXML", "InvalidArgument", "InvalidPart")
		}
		absent(t, "mpu-malformed")

		del := []byte("<Delete><Object><Key>existing</Key>")
		resp = raw.send(t, http.MethodPost, "/"+bucket+"?delete", del, map[string]string{"Content-MD5": md5Base64(del)})
		expectRawError(t, "delete objects with malformed XML", resp, http.StatusBadRequest, "MalformedXML")
		if resp := raw.send(t, http.MethodHead, "/"+bucket+"/existing", nil, nil); resp.status != http.StatusOK {
			t.Errorf("head existing after a malformed delete: %v, want 200", resp)
		}
	})

	// In S3 a query sub-resource selects another operation: PUT
	// /b/k?tagging sets tags and must never replace the object's bytes, and
	// DELETE /b/k?tagging must never delete it. A sub-resource zones3 does
	// not know must fail closed rather than run as the plain operation.
	t.Run("UnknownSubresource", func(t *testing.T) {
		resp := raw.send(t, http.MethodGet, "/"+bucket+"?lifecycle", nil, nil)
		if resp.status == http.StatusOK {
			t.Errorf("GET ?lifecycle on a bucket without a configuration: %v, want an error (NoSuchLifecycleConfiguration or NotImplemented)", resp)
		} else {
			expectRawError(t, "GET ?lifecycle without a configuration", resp, resp.status, "NoSuchLifecycleConfiguration", "NotImplemented")
		}
		for _, sub := range []string{"replication", "website", "notification", "analytics", "bogus"} {
			resp := raw.send(t, http.MethodGet, "/"+bucket+"?"+sub, nil, nil)
			if resp.status == http.StatusOK && bytes.Contains(resp.body, []byte("<ListBucketResult")) {
				t.Errorf("GET bucket ?%s: answered with an object listing (%v), want its own answer or NotImplemented", sub, resp)
			}
		}
		resp = raw.send(t, http.MethodPut, "/"+bucket+"?bogus", []byte("<x/>"), nil)
		if resp.status == http.StatusOK {
			t.Errorf("PUT bucket ?bogus: %v, want NotImplemented or InvalidArgument, never 200", resp)
		} else {
			expectRawError(t, "PUT bucket ?bogus", resp, resp.status, "NotImplemented", "InvalidArgument", "InvalidRequest")
		}

		target := randomBytes(5002, 2000)
		if resp := raw.send(t, http.MethodPut, "/"+bucket+"/sub-target", target, nil); resp.status != http.StatusOK {
			t.Fatalf("put sub-target: %v", resp)
		}
		for _, sub := range []string{"bogus", "tagging", "acl", "retention", "legal-hold", "analytics"} {
			resp := raw.send(t, http.MethodPut, "/"+bucket+"/sub-target?"+sub, []byte("<x/>"), nil)
			if sub == "bogus" && resp.status == http.StatusOK {
				t.Errorf("PUT object ?bogus: %v, want NotImplemented or InvalidArgument, never 200", resp)
			} else if resp.status != http.StatusOK {
				expectRawError(t, "PUT object ?"+sub, resp, resp.status, "NotImplemented", "InvalidArgument", "InvalidRequest", "MalformedXML")
			}
			if get := raw.send(t, http.MethodGet, "/"+bucket+"/sub-target", nil, nil); get.status != http.StatusOK || !bytes.Equal(get.body, target) {
				t.Errorf("GET sub-target after PUT ?%s (answered %v): %v, want the object unchanged", sub, resp, get)
				raw.send(t, http.MethodPut, "/"+bucket+"/sub-target", target, nil)
			}
		}
		for _, sub := range []string{"tagging", "bogus"} {
			resp := raw.send(t, http.MethodDelete, "/"+bucket+"/sub-target?"+sub, nil, nil)
			if get := raw.send(t, http.MethodGet, "/"+bucket+"/sub-target", nil, nil); get.status != http.StatusOK || !bytes.Equal(get.body, target) {
				t.Errorf("GET sub-target after DELETE ?%s (answered %v): %v, want the object unchanged", sub, resp, get)
				raw.send(t, http.MethodPut, "/"+bucket+"/sub-target", target, nil)
			}
		}
		for _, sub := range []string{"bogus", "analytics"} {
			resp = raw.send(t, http.MethodPut, "/"+bucket+"/sub-new-"+sub+"?"+sub, []byte("<x/>"), nil)
			if resp.status == http.StatusOK && sub == "bogus" {
				t.Errorf("PUT new object ?%s: %v, want NotImplemented or InvalidArgument, never 200", sub, resp)
			}
			absent(t, "sub-new-"+sub)
		}
	})

	t.Run("ExpiredPresignedURL", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, srv.endpoint+"/"+bucket+"/existing?X-Amz-Expires=60", nil)
		if err != nil {
			t.Fatal(err)
		}
		signed, _, err := raw.signer.PresignHTTP(context.Background(), raw.creds, req, "UNSIGNED-PAYLOAD", "s3", testRegion, time.Now().Add(-10*time.Minute))
		if err != nil {
			t.Fatalf("presign: %v", err)
		}
		get, _ := http.NewRequest(http.MethodGet, signed, nil)
		resp := raw.do(t, get)
		expectRawError(t, "GET with a presigned URL that expired 9 minutes ago", resp, http.StatusForbidden, "AccessDenied")

		// The same URL signed now works, so the refusal above was the expiry.
		signed, _, err = raw.signer.PresignHTTP(context.Background(), raw.creds, req, "UNSIGNED-PAYLOAD", "s3", testRegion, time.Now())
		if err != nil {
			t.Fatalf("presign: %v", err)
		}
		get, _ = http.NewRequest(http.MethodGet, signed, nil)
		if resp := raw.do(t, get); resp.status != http.StatusOK || string(resp.body) != string(existing) {
			t.Errorf("GET with a fresh presigned URL: %v, want 200 with the object", resp)
		}
	})

	t.Run("SkewedDate", func(t *testing.T) {
		for _, skew := range []time.Duration{-time.Hour, time.Hour} {
			req := raw.request(t, http.MethodGet, "/"+bucket+"/existing", nil, nil, "", time.Now().Add(skew))
			resp := raw.do(t, req)
			expectRawError(t, fmt.Sprintf("GET signed with X-Amz-Date %v off", skew), resp, http.StatusForbidden, "RequestTimeTooSkewed")
		}
	})

	t.Run("Anonymous", func(t *testing.T) {
		hc := httpClient()
		for _, c := range []struct{ method, path, body string }{
			{http.MethodGet, "/" + bucket + "/existing", ""},
			{http.MethodGet, "/" + bucket, ""},
			{http.MethodGet, "/", ""},
			{http.MethodPut, "/" + bucket + "/anonymous", "anonymous data"},
		} {
			req, _ := http.NewRequest(c.method, srv.endpoint+c.path, strings.NewReader(c.body))
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatalf("anonymous %s %s: %v", c.method, c.path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			expectRawError(t, fmt.Sprintf("anonymous %s %s", c.method, c.path),
				rawResponse{status: resp.StatusCode, header: resp.Header, body: body}, http.StatusForbidden, "AccessDenied")
		}
		absent(t, "anonymous")
	})

	t.Run("HeadErrorHasNoBody", func(t *testing.T) {
		resp := raw.send(t, http.MethodHead, "/"+bucket+"/missing", nil, nil)
		if resp.status != http.StatusNotFound || len(resp.body) != 0 {
			t.Errorf("HEAD of a missing key: %v, want 404 with no body", resp)
		}
		if resp.header.Get("X-Amz-Request-Id") == "" {
			t.Errorf("HEAD of a missing key: no x-amz-request-id")
		}
	})

	t.Run("TruncatedBody", func(t *testing.T) {
		const declared = 300 << 10
		body := randomBytes(5001, declared)
		for _, c := range []struct{ key, payloadHash string }{
			{"truncated-unsigned", "UNSIGNED-PAYLOAD"},
			{"truncated-signed", sha256Hex(body)},
		} {
			req := raw.request(t, http.MethodPut, "/"+bucket+"/"+c.key, nil, nil, c.payloadHash, time.Now())
			status, answer := sendTruncated(t, srv.listen, req, declared, body[:declared/2])
			t.Logf("%s: the server answered %q to a body cut short", c.key, answer)
			// The client broke the request: an answer, if any, is a 4xx
			// (S3 sends 400 IncompleteBody or RequestTimeout), never a 5xx
			// that SDKs would retry.
			if status != 0 && (status < 400 || status >= 500) {
				t.Errorf("%s: answer to a body cut short: %s, want a 4xx such as 400 IncompleteBody", c.key, answer)
			}
			absent(t, c.key)
		}
	})
}

// sendTruncated writes req by hand over a new connection to addr, declaring
// a Content-Length of declared but sending only part, then closes its side
// and returns the server's answer (status 0 and how the connection ended
// when there was none).
func sendTruncated(t testing.TB, addr string, req *http.Request, declared int, part []byte) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	writeRequestHead(w, req, declared)
	w.Write(part)
	if err := w.Flush(); err != nil {
		t.Fatalf("send truncated request: %v", err)
	}
	conn.(*net.TCPConn).CloseWrite()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return 0, "no response: " + err.Error()
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, fmt.Sprintf("HTTP %d %s", resp.StatusCode, b)
}

// writeRequestHead writes the request line and headers of req by hand,
// with the given Content-Length, so that the body can be sent (or not) as
// a test needs.
func writeRequestHead(w io.Writer, req *http.Request, contentLength int) {
	fmt.Fprintf(w, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	req.Header.Del("Content-Length")
	req.Header.Write(w)
	fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", contentLength)
}
