package awschunked

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/zones3/zones3/gateway/checksum"
)

// received is what the test server made of one PUT.
type received struct {
	header  http.Header
	body    []byte
	sums    map[string]string
	trailer string // value of the checksum trailer, "" if none
	err     error
}

// putServer is a TLS server that decodes PUT bodies the way the gateway
// does: aws-chunked when announced, then checksum verification against the
// trailer or header. It does not check the request's SigV4 signature.
type putServer struct {
	*httptest.Server
	mu   sync.Mutex
	puts map[string]received // by URL path
}

func newPutServer(t *testing.T) *putServer {
	s := &putServer{puts: map[string]received{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *putServer) handle(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPut {
		w.WriteHeader(http.StatusOK)
		return
	}
	rec := received{header: req.Header.Clone()}
	// net/http moves these out of the header; keep them for the log.
	rec.header.Set("Transfer-Encoding", strings.Join(req.TransferEncoding, ","))
	rec.header.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	defer func() {
		s.mu.Lock()
		s.puts[req.URL.Path] = rec
		s.mu.Unlock()
	}()
	fail := func(err error) {
		rec.err = err
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
	var body io.Reader = req.Body
	size := req.ContentLength
	var dec *Reader
	streaming, signed := IsStreaming(req.Header.Get("X-Amz-Content-Sha256"))
	if _, chunked := StripContentEncoding(req.Header.Get("Content-Encoding")); chunked || streaming {
		if signed {
			fail(fmt.Errorf("signed streaming not expected from this client"))
			return
		}
		dec = NewReader(req.Body, nil, TrailerNames(req.Header))
		body = dec
		size = -1
		if v := req.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				fail(err)
				return
			}
			size = n
		}
	}
	e := checksum.Expect{Size: size, ContentMD5: req.Header.Get("Content-MD5")}
	alg, value, ok, err := checksum.FromHeaders(req.Header)
	if err != nil {
		fail(err)
		return
	}
	if ok {
		e.Algorithm, e.Value = alg, value
	} else if dec != nil {
		for _, name := range TrailerNames(req.Header) {
			if a, ok := checksum.AlgorithmFromHeaderName(name); ok {
				e.Algorithm = a
				e.Trailer = func() (string, bool) {
					v, ok := dec.Trailer(name)
					rec.trailer = v
					return v, ok
				}
			}
		}
	}
	cr, err := checksum.NewReader(body, e)
	if err != nil {
		fail(err)
		return
	}
	data, err := io.ReadAll(cr)
	if err != nil {
		fail(err)
		return
	}
	rec.body, rec.sums = data, cr.Checksums()
	w.Header().Set("ETag", `"`+cr.ETag()+`"`)
	w.WriteHeader(http.StatusOK)
}

func (s *putServer) get(path string) (received, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.puts[path]
	return r, ok
}

func logHeaders(t *testing.T, key string, rec received) {
	t.Helper()
	var b strings.Builder
	for _, h := range []string{"Content-Encoding", "X-Amz-Content-Sha256", "X-Amz-Trailer", "X-Amz-Decoded-Content-Length",
		"Content-Length", "Transfer-Encoding", "X-Amz-Checksum-Crc32", "X-Amz-Sdk-Checksum-Algorithm"} {
		if v := rec.header.Get(h); v != "" {
			fmt.Fprintf(&b, " %s=%q", h, v)
		}
	}
	t.Logf("%s:%s", key, b.String())
}

// onlyReader hides every method but Read, so the SDK cannot seek.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func crc32Of(b []byte) string {
	h := checksum.CRC32.New()
	h.Write(b)
	return checksum.EncodeDigest(h.Sum(nil))
}

// aws-sdk-go-v2 over HTTPS with its default checksum settings sends
// STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies with a CRC32 trailer.
func TestSDKPutObject(t *testing.T) {
	srv := newPutServer(t)
	// The defaults a user gets, without reading this machine's aws files.
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_CA_BUNDLE", "") // the server's own client trusts its certificate
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")),
		config.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	})
	ctx := context.Background()
	for _, size := range []int{0, 1, 100 << 10, 5 << 20} {
		data := randomBytes(size, uint64(size))
		for _, kind := range []string{"bytes.Reader", "unseekable", "unseekable, no length"} {
			key := fmt.Sprintf("k-%d-%s", size, kind)
			in := &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key)}
			if kind == "bytes.Reader" {
				in.Body = bytes.NewReader(data)
			} else {
				in.Body = onlyReader{bytes.NewReader(data)}
				if kind == "unseekable" {
					in.ContentLength = aws.Int64(int64(size))
				}
			}
			out, err := client.PutObject(ctx, in)
			if err != nil {
				t.Fatalf("%s: PutObject: %v", key, err)
			}
			rec, ok := srv.get("/bucket/" + key)
			if !ok {
				t.Fatalf("%s: server saw no PUT", key)
			}
			if rec.err != nil {
				t.Fatalf("%s: server: %v", key, rec.err)
			}
			logHeaders(t, key, rec)
			if !bytes.Equal(rec.body, data) {
				t.Fatalf("%s: stored %d bytes, sent %d", key, len(rec.body), len(data))
			}
			want := crc32Of(data)
			if rec.sums["CRC32"] != want {
				t.Errorf("%s: computed crc32 %q, want %q", key, rec.sums["CRC32"], want)
			}
			// A body of known length 0 carries its CRC32 in a header, any
			// other in a trailer of an aws-chunked body.
			if size == 0 && kind != "unseekable, no length" {
				if got := rec.header.Get("X-Amz-Checksum-Crc32"); got != want {
					t.Errorf("%s: header crc32 %q, want %q", key, got, want)
				}
			} else {
				if got := rec.header.Get("X-Amz-Content-Sha256"); got != StreamingUnsignedTrailer {
					t.Errorf("%s: x-amz-content-sha256 %q, want %s", key, got, StreamingUnsignedTrailer)
				}
				if rec.trailer != want {
					t.Errorf("%s: trailer crc32 %q, want %q", key, rec.trailer, want)
				}
			}
			m := md5.Sum(data)
			if got := aws.ToString(out.ETag); got != `"`+hex.EncodeToString(m[:])+`"` {
				t.Errorf("%s: ETag %s", key, got)
			}
		}
	}
}

// The aws CLI (botocore) over HTTPS sends Transfer-Encoding: chunked with
// an aws-chunked body in 1 MiB chunks and a CRC32 trailer.
func TestAWSCLIPutObject(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the aws CLI")
	}
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not on PATH")
	}
	srv := newPutServer(t)
	dir := t.TempDir()
	for _, size := range []int{0, 2<<20 + 5} {
		data := randomBytes(size, uint64(size)+7)
		file := filepath.Join(dir, fmt.Sprintf("f%d", size))
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("cli-%d", size)
		cmd := exec.Command(aws, "--endpoint-url", srv.URL, "--no-verify-ssl",
			"s3api", "put-object", "--bucket", "bucket", "--key", key, "--body", file)
		cmd.Env = append(os.Environ(),
			"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
			"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "PYTHONWARNINGS=ignore")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws s3api put-object: %v\n%s", err, out)
		}
		rec, ok := srv.get("/bucket/" + key)
		if !ok {
			t.Fatalf("%s: server saw no PUT", key)
		}
		if rec.err != nil {
			t.Fatalf("%s: server: %v", key, rec.err)
		}
		logHeaders(t, key, rec)
		if !bytes.Equal(rec.body, data) {
			t.Fatalf("%s: stored %d bytes, sent %d", key, len(rec.body), len(data))
		}
		if want := crc32Of(data); rec.trailer != want {
			t.Errorf("%s: trailer crc32 %q, want %q", key, rec.trailer, want)
		}
		m := md5.Sum(data)
		if !strings.Contains(string(out), hex.EncodeToString(m[:])) {
			t.Errorf("%s: CLI output lacks the ETag: %s", key, out)
		}
	}
}

// Chunks signed by aws-sdk-go-v2's own SigV4 stream signer (its chunk string
// to sign equals the aws-chunked one when the event headers are empty)
// decode; one altered byte fails.
func TestSDKStreamSignerChunks(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	at := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	seed := bytes.Repeat([]byte{0x5a}, 32)
	signer := v4.NewStreamSigner(creds, "s3", "eu-west-1", seed)
	data := randomBytes(300_000, 11)
	var body bytes.Buffer
	for _, chunk := range [][]byte{data[:65536], data[65536:65537], data[65537:], nil} {
		sig, err := signer.GetSignature(context.Background(), nil, chunk, at)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&body, "%x;chunk-signature=%x\r\n", len(chunk), sig)
		if len(chunk) > 0 {
			body.Write(chunk)
			body.WriteString("\r\n")
		}
	}
	body.WriteString("\r\n")
	sig := &Signing{
		Key:           signingKey(creds.SecretAccessKey, "20250314", "eu-west-1", "s3"),
		AmzDate:       "20250314T150926Z",
		Scope:         "20250314/eu-west-1/s3/aws4_request",
		SeedSignature: hex.EncodeToString(seed),
	}
	got, err := io.ReadAll(NewReader(bytes.NewReader(body.Bytes()), sig, nil))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("decode: %v (%d of %d bytes)", err, len(got), len(data))
	}
	bad := bytes.Clone(body.Bytes())
	bad[len(bad)/2] ^= 1
	if _, err := io.ReadAll(NewReader(bytes.NewReader(bad), sig, nil)); !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("altered body: %v", err)
	}
}
