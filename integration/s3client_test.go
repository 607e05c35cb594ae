package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// newS3Client returns an aws-sdk-go-v2 S3 client for endpoint as a user
// configures one: the default config with static credentials, a base
// endpoint and path-style addressing; checksums stay at their defaults. The
// HTTP client trusts the test CA.
func newS3Client(t testing.TB, endpoint, secretKey string) *s3.Client {
	t.Helper()
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = certs.clientTLS()
	})
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(testRegion),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(rootAccessKey, secretKey, "")),
		config.WithHTTPClient(httpClient),
	)
	if err != nil {
		t.Fatalf("load aws config: %v", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		// The tests check checksums themselves; the SDK's note that a
		// response (such as a range) carries none is noise.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// randomBytes returns n pseudo-random bytes determined by seed.
func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	fillRandom(rand.NewChaCha8(seedBytes(seed)), b)
	return b
}

func seedBytes(seed uint64) [32]byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	copy(s[8:], "zones3-integration-test-seed")
	return s
}

func fillRandom(r *rand.ChaCha8, b []byte) {
	r.Read(b)
}

// writeRandomFile writes n pseudo-random bytes determined by seed to path,
// 1 MiB at a time, and returns their SHA-256.
func writeRandomFile(t testing.TB, path string, seed uint64, n int64) [32]byte {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
	defer f.Close()
	r := rand.NewChaCha8(seedBytes(seed))
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for n > 0 {
		chunk := buf[:min(int64(len(buf)), n)]
		fillRandom(r, chunk)
		h.Write(chunk)
		if _, err := f.Write(chunk); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
		n -= int64(len(chunk))
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close %s: %v", path, err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// fileSHA256 is the SHA-256 of a file's content.
func fileSHA256(t testing.TB, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// etagOf is the ETag S3 gives a single-PUT object: the quoted hex MD5.
func etagOf(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// multipartETagOf is the ETag of an object uploaded in parts of partSize:
// the MD5 of the concatenated part MD5s, a dash and the part count.
func multipartETagOf(data []byte, partSize int) string {
	var sums []byte
	parts := 0
	for off := 0; off < len(data); off += partSize {
		sum := md5.Sum(data[off:min(off+partSize, len(data))])
		sums = append(sums, sum[:]...)
		parts++
	}
	sum := md5.Sum(sums)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sum[:]), parts)
}

// crc32Of is the base64 big-endian CRC32 (IEEE) S3 uses in
// x-amz-checksum-crc32.
func crc32Of(data []byte) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.ChecksumIEEE(data))
	return base64.StdEncoding.EncodeToString(b[:])
}

func md5Base64(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// errorCode is the S3 error code of an SDK error, or "" when err is not an
// API error.
func errorCode(err error) string {
	if apiErr, ok := errorsAs[smithy.APIError](err); ok {
		return apiErr.ErrorCode()
	}
	return ""
}

// httpStatus is the HTTP status of an SDK error's response, or 0.
func httpStatus(err error) int {
	if respErr, ok := errorsAs[*awshttp.ResponseError](err); ok {
		return respErr.HTTPStatusCode()
	}
	return 0
}

// expectErrorCode fails the test unless err is an S3 error with code.
func expectErrorCode(t testing.TB, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want error %s", what, code)
		return
	}
	if got := errorCode(err); got != code {
		t.Errorf("%s: error code %q (HTTP %d), want %s; error: %v", what, got, httpStatus(err), code, err)
	}
}

// getObject reads a whole object with the SDK.
func getObject(ctx context.Context, client *s3.Client, bucket, key string) ([]byte, *s3.GetObjectOutput, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, out, fmt.Errorf("read body of %s/%s: %w", bucket, key, err)
	}
	return data, out, nil
}

// putObject writes data as bucket/key with the SDK.
func putObject(ctx context.Context, client *s3.Client, bucket, key string, data []byte) (*s3.PutObjectOutput, error) {
	return client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket),
		Key:    aws.String(key),
		Body:   bytes.NewReader(data),
	})
}

// checkObject fails the test unless bucket/key holds exactly want.
func checkObject(ctx context.Context, t testing.TB, client *s3.Client, bucket, key string, want []byte) {
	t.Helper()
	got, _, err := getObject(ctx, client, bucket, key)
	if err != nil {
		t.Errorf("get %s/%s: %v", bucket, key, err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("get %s/%s: %d bytes (sha256 %s), want %d bytes (sha256 %s)",
			bucket, key, len(got), sha256Hex(got)[:16], len(want), sha256Hex(want)[:16])
	}
}

// createBucket creates a bucket and fails the test if it cannot.
func createBucket(ctx context.Context, t testing.TB, client *s3.Client, bucket string) {
	t.Helper()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
}

// rawS3 sends hand-made requests signed with SigV4, for the inputs a
// well-behaved SDK would never send.
type rawS3 struct {
	endpoint string
	client   *http.Client
	signer   *v4.Signer
	creds    aws.Credentials
}

func newRawS3(endpoint string) *rawS3 {
	return &rawS3{
		endpoint: endpoint,
		client:   httpClient(),
		signer:   v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		creds:    aws.Credentials{AccessKeyID: rootAccessKey, SecretAccessKey: rootSecretKey},
	}
}

// request builds a request for path (which starts with "/" and may carry a
// query) with body and headers, signed at signTime with the body's SHA-256
// as payload hash (or payloadHash when not empty).
func (r *rawS3) request(t testing.TB, method, path string, body []byte, headers map[string]string, payloadHash string, signTime time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, r.endpoint+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build %s %s: %v", method, path, err)
	}
	if body == nil {
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if payloadHash == "" {
		payloadHash = sha256Hex(body)
	}
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if err := r.signer.SignHTTP(context.Background(), r.creds, req, payloadHash, "s3", testRegion, signTime); err != nil {
		t.Fatalf("sign %s %s: %v", method, path, err)
	}
	return req
}

// rawResponse is a response read whole.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// code is the <Code> of an S3 XML error body, or "".
func (r rawResponse) code() string {
	s := string(r.body)
	i := strings.Index(s, "<Code>")
	j := strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return ""
	}
	return s[i+len("<Code>") : j]
}

func (r rawResponse) String() string {
	body := r.body
	if len(body) > 512 {
		body = body[:512]
	}
	return fmt.Sprintf("HTTP %d, body %q", r.status, body)
}

// do sends req and reads the whole response.
func (r *rawS3) do(t testing.TB, req *http.Request) rawResponse {
	t.Helper()
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: body}
}

// send signs and sends a request now.
func (r *rawS3) send(t testing.TB, method, path string, body []byte, headers map[string]string) rawResponse {
	t.Helper()
	return r.do(t, r.request(t, method, path, body, headers, "", time.Now()))
}

// expectError fails the test unless resp is an S3 error with status and
// one of codes.
func expectRawError(t testing.TB, what string, resp rawResponse, status int, codes ...string) {
	t.Helper()
	okCode := false
	for _, c := range codes {
		if resp.code() == c {
			okCode = true
		}
	}
	if resp.status != status || !okCode {
		t.Errorf("%s: got %v, want HTTP %d with code %s", what, resp, status, strings.Join(codes, " or "))
	}
	if resp.header.Get("X-Amz-Request-Id") == "" {
		t.Errorf("%s: response has no x-amz-request-id header", what)
	}
}
