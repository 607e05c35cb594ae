package gateway

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/zones3/zones3/iam"
)

// benchWriter is a ResponseWriter that keeps nothing.
type benchWriter struct {
	h      http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(code int)        { w.status = code }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }

func benchHandler(b *testing.B) (http.Handler, *fakeLayer) {
	fake := newFakeLayer()
	fake.MakeBucket(ctx, "bench", testRegion)
	h := New(Config{
		Layer:    fake,
		Verifier: &iam.Verifier{Keys: iam.StaticKeyring{testAccessKey: testSecretKey}, Region: testRegion},
		Logger:   slog.New(slog.DiscardHandler),
	})
	return h, fake
}

func benchRequest(b *testing.B, method, path string, body []byte, hdr http.Header) *http.Request {
	req, err := http.NewRequest(method, "http://127.0.0.1:9000"+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	hash := sha256Hex(body)
	req.Header.Set("X-Amz-Content-Sha256", hash)
	req.ContentLength = int64(len(body))
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "s3", testRegion, time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

// BenchmarkGetObject4KiB measures the gateway's own cost of a small GET
// (routing, SigV4 verification, headers), the layer being in memory.
func BenchmarkGetObject4KiB(b *testing.B) {
	h, fake := benchHandler(b)
	data := bytes.Repeat([]byte("g"), 4<<10)
	fake.PutObject(ctx, "bench", "obj", bytes.NewReader(data), objectlayerPut(data))
	req := benchRequest(b, "GET", "/bench/obj", nil, nil)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := *req
		r.Body = http.NoBody
		w := &benchWriter{h: make(http.Header, 16)}
		h.ServeHTTP(w, &r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkPutObject4KiB measures a small PUT: verification, MD5 and
// SHA-256 of the body, CRC32 from the header.
func BenchmarkPutObject4KiB(b *testing.B) {
	h, _ := benchHandler(b)
	data := bytes.Repeat([]byte("p"), 4<<10)
	req := benchRequest(b, "PUT", "/bench/obj", data, http.Header{"X-Amz-Checksum-Crc32": {crc32Base64(data)}})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := *req
		r.Body = io.NopCloser(bytes.NewReader(data))
		w := &benchWriter{h: make(http.Header, 16)}
		h.ServeHTTP(w, &r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}
