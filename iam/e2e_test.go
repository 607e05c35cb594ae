package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// e2eKeys are object keys that trip up canonicalisation.
var e2eKeys = []string{
	"plain.txt",
	"a b/c+d=e~f",
	"unicode/ключ/日本語 ☃.txt",
	"dir/",
	"a//b",
	"sp!$&'()*,;:@[]{}^|`\"<>%#?x",
	"100%25 literal",
	"tilde~and.dots..",
}

// verified is what the test server saw of one request.
type verified struct {
	method, path, host, query string
	auth                      Auth
	err                       error
	bodyHashOK                bool // the body matched a hex PayloadHash (true when there was none to check)
}

// verifyServer is an S3 endpoint that only authenticates: it records what
// Verify said and answers with the least a client accepts.
type verifyServer struct {
	*httptest.Server
	v *Verifier

	mu   sync.Mutex
	seen []verified
}

func newVerifyServer(t *testing.T, useTLS bool) *verifyServer {
	s := &verifyServer{v: &Verifier{
		Keys:   StaticKeyring{testAccessKey: testSecretKey},
		Region: "us-east-1",
		BucketFromHost: func(host string) string {
			b, _, _ := strings.Cut(host, ".s3.zones3.test")
			if b == host {
				return ""
			}
			return b
		},
	}}
	h := http.HandlerFunc(s.serve)
	if useTLS {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *verifyServer) serve(w http.ResponseWriter, r *http.Request) {
	a, err := s.v.Verify(r)
	h := sha256.New()
	io.Copy(h, r.Body) // drain, as a gateway would stream it
	ok := true
	if err == nil && validPayloadHash(a.PayloadHash) && len(a.PayloadHash) == 64 {
		ok = hex.EncodeToString(h.Sum(nil)) == strings.ToLower(a.PayloadHash)
	}
	s.mu.Lock()
	s.seen = append(s.seen, verified{r.Method, r.URL.Path, r.Host, r.URL.RawQuery, a, err, ok})
	s.mu.Unlock()

	w.Header().Set("x-amz-request-id", "test")
	switch {
	case err != nil:
		var se *SignatureError
		msg := err.Error()
		if errors.As(err, &se) {
			msg += "\n" + se.CanonicalRequest
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<Error><Code>SignatureDoesNotMatch</Code><Message>%s</Message></Error>", xmlEscape(msg))
	case r.Method == http.MethodPut:
		w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
	case r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2":
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`)
	default:
		w.Header().Set("Content-Length", "0")
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// take returns the requests seen since the last call.
func (s *verifyServer) take() []verified {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.seen
	s.seen = nil
	return seen
}

// httpClient reaches the server whatever host a URL names, so that
// virtual-host-style names need no resolver.
func (s *verifyServer) httpClient() *http.Client {
	tr := s.Client().Transport.(*http.Transport).Clone()
	addr := s.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	if tr.TLSClientConfig != nil {
		tr.TLSClientConfig = tr.TLSClientConfig.Clone()
		tr.TLSClientConfig.ServerName = "example.com" // a name the test certificate holds
	}
	return &http.Client{Transport: tr}
}

func (s *verifyServer) s3Client(pathStyle bool) *s3.Client {
	endpoint := s.URL
	if !pathStyle {
		scheme, _, _ := strings.Cut(s.URL, "://")
		_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
		endpoint = scheme + "://s3.zones3.test:" + port
	}
	return s3.New(s3.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
		BaseEndpoint:     aws.String(endpoint),
		UsePathStyle:     pathStyle,
		HTTPClient:       s.httpClient(),
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig gives when nothing overrides it,
		// without reading this machine's environment and files.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// TestSDKEndToEnd drives a real aws-sdk-go-v2 S3 client, path style and
// virtual-host style, over HTTP (SHA-256 payload hash, checksum header) and
// HTTPS (aws-chunked with a checksum trailer), against a server that only
// calls Verify.
func TestSDKEndToEnd(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		for _, pathStyle := range []bool{true, false} {
			name := map[bool]string{false: "http", true: "https"}[useTLS] + "/" + map[bool]string{true: "path", false: "virtual-host"}[pathStyle]
			t.Run(name, func(t *testing.T) { testSDK(t, useTLS, pathStyle) })
		}
	}
}

func testSDK(t *testing.T, useTLS, pathStyle bool) {
	srv := newVerifyServer(t, useTLS)
	client := srv.s3Client(pathStyle)
	presigner := s3.NewPresignClient(client, s3.WithPresignExpires(10*time.Minute))
	ctx := context.Background()
	const bucket = "zones3-bucket"
	objectPath := func(key string) string {
		if pathStyle {
			return "/" + bucket + "/" + key
		}
		return "/" + key
	}
	bucketPath := "/" + bucket
	if !pathStyle {
		bucketPath = "/"
	}

	// expect checks the requests one SDK call made: all verified, by the
	// method wanted, addressed to path.
	expect := func(op string, method AuthMethod, path string) []verified {
		t.Helper()
		seen := srv.take()
		if len(seen) == 0 {
			t.Fatalf("%s: no request reached the server", op)
		}
		for _, s := range seen {
			if s.err != nil {
				t.Fatalf("%s %s %s: %v", op, s.method, s.path, s.err)
			}
			if s.auth.Method != method || s.auth.AccessKey != testAccessKey {
				t.Fatalf("%s: auth %+v, want %v", op, s.auth, method)
			}
			if s.path != path {
				t.Fatalf("%s: path %q, want %q", op, s.path, path)
			}
			if !s.bodyHashOK {
				t.Fatalf("%s: body does not match payload hash %s", op, s.auth.PayloadHash)
			}
			if !pathStyle && !strings.HasPrefix(s.host, bucket+".") {
				t.Fatalf("%s: host %q is not virtual-host style", op, s.host)
			}
		}
		return seen
	}

	for _, key := range e2eKeys {
		body := "content of " + key
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatalf("PutObject %q: %v", key, err)
		}
		put := expect("PutObject "+key, AuthV4Header, objectPath(key))
		// Over HTTP the SDK signs the body's SHA-256 and sends its CRC32 in
		// a header; over TLS it sends aws-chunked with a checksum trailer.
		if p := put[0].auth.PayloadHash; useTLS && p != StreamingUnsignedPayloadTrailer || !useTLS && len(p) != 64 {
			t.Errorf("PutObject: payload hash %s", p)
		}

		// So it does with a body it cannot rewind.
		if useTLS {
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
				Body: io.NopCloser(strings.NewReader(body)), ContentLength: aws.Int64(int64(len(body)))}); err != nil {
				t.Fatalf("PutObject %q, streamed: %v", key, err)
			}
			put := expect("PutObject streamed "+key, AuthV4Header, objectPath(key))
			if p := put[0].auth.PayloadHash; p != StreamingUnsignedPayloadTrailer {
				t.Errorf("PutObject streamed: payload hash %s, want %s", p, StreamingUnsignedPayloadTrailer)
			}
		}

		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Range: aws.String("bytes=0-9")})
		if err != nil {
			t.Fatalf("GetObject %q: %v", key, err)
		}
		out.Body.Close()
		expect("GetObject "+key, AuthV4Header, objectPath(key))

		if _, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String(bucket), Prefix: aws.String(key), Delimiter: aws.String("/"),
			StartAfter: aws.String(key + " ~é"), MaxKeys: aws.Int32(7),
		}); err != nil {
			t.Fatalf("ListObjectsV2 %q: %v", key, err)
		}
		list := expect("ListObjectsV2 "+key, AuthV4Header, bucketPath)
		if !strings.Contains(list[0].query, "prefix=") {
			t.Fatalf("ListObjectsV2: query %q", list[0].query)
		}

		// Presigned URLs, used by a plain HTTP client.
		get, err := presigner.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			ResponseContentDisposition: aws.String(`attachment; filename="x y.txt"`)})
		if err != nil {
			t.Fatal(err)
		}
		srv.do(t, get.Method, get.URL, get.SignedHeader, "")
		expect("presigned GET "+key, AuthV4Query, objectPath(key))

		putURL, err := presigner.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String("text/plain")})
		if err != nil {
			t.Fatal(err)
		}
		srv.do(t, putURL.Method, putURL.URL, putURL.SignedHeader, body)
		expect("presigned PUT "+key, AuthV4Query, objectPath(key))
	}

	// The same client with the wrong secret is refused, and says why.
	bad := s3.New(s3.Options{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(testAccessKey, "wrong", ""),
		BaseEndpoint: client.Options().BaseEndpoint, UsePathStyle: pathStyle, HTTPClient: srv.httpClient(), RetryMaxAttempts: 1,
	})
	_, err := bad.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err == nil {
		t.Fatal("GetObject with a wrong secret succeeded")
	}
	if seen := srv.take(); len(seen) != 1 || !errors.Is(seen[0].err, ErrSignatureDoesNotMatch) {
		t.Fatalf("wrong secret: %+v", seen)
	}
}

// do sends a presigned request the way a browser or curl would.
func (s *verifyServer) do(t *testing.T, method, url string, h http.Header, body string) {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		r.Body = http.NoBody
	}
	for k, vs := range h {
		if !strings.EqualFold(k, "Host") {
			r.Header[k] = vs
		}
	}
	resp, err := s.httpClient().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %s", method, url, resp.Status, msg)
	}
}
