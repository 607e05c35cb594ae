package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
)

const (
	testAccessKey = "AKIAZONES3TEST"
	testSecretKey = "zones3/test+secret+key"
	testRegion    = "us-east-1"
)

// testEnv is a gateway over a fake layer behind a loopback HTTP server,
// with an aws-sdk-go-v2 client pointed at it.
type testEnv struct {
	t      *testing.T
	layer  *fakeLayer
	srv    *httptest.Server
	client *s3.Client
	ready  error
}

type envOption func(*envConfig)

type envConfig struct {
	tls     bool
	domains []string
}

func withTLS() envOption { return func(c *envConfig) { c.tls = true } }

func newEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	var cfg envConfig
	for _, o := range opts {
		o(&cfg)
	}
	e := &testEnv{t: t, layer: newFakeLayer()}
	h := New(Config{
		Layer: e.layer,
		Verifier: &iam.Verifier{
			Keys:           iam.StaticKeyring{testAccessKey: testSecretKey},
			Region:         testRegion,
			BucketFromHost: func(host string) string { return VirtualHostBucket(host, cfg.domains) },
		},
		Region:  testRegion,
		Domains: cfg.domains,
		Logger:  slog.New(slog.DiscardHandler),
		Ready:   func() error { return e.ready },
	})
	if cfg.tls {
		e.srv = httptest.NewTLSServer(h)
	} else {
		e.srv = httptest.NewServer(h)
	}
	t.Cleanup(e.srv.Close)
	e.client = e.newClient(testAccessKey, testSecretKey)
	return e
}

func (e *testEnv) newClient(access, secret string, optFns ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(e.srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(access, secret, ""),
		HTTPClient:   e.srv.Client(),
		Retryer:      aws.NopRetryer{},
		// What config.LoadDefaultConfig and the aws CLI default to.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}, optFns...)
}

func (e *testEnv) mkbucket(name string) {
	e.t.Helper()
	if _, err := e.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func (e *testEnv) put(bucket, key string, body []byte) *s3.PutObjectOutput {
	e.t.Helper()
	out, err := e.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		e.t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return out
}

func (e *testEnv) get(bucket, key string) []byte {
	e.t.Helper()
	out, err := e.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		e.t.Fatalf("GetObject %s/%s body: %v", bucket, key, err)
	}
	return b
}

// signed builds a SigV4-signed request with the given payload hash (also
// sent as x-amz-content-sha256).
func (e *testEnv) signed(method, path string, body io.Reader, payloadHash string, hdr http.Header) *http.Request {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		SignHTTP(context.Background(), creds, req, payloadHash, "s3", testRegion, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return req
}

func (e *testEnv) do(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: body: %v", req.Method, req.URL, err)
	}
	return resp, b
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// errCode returns the S3 error code of an SDK error.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func errStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func wantErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%d)", code, status)
	}
	if c, s := errCode(err), errStatus(err); c != code || s != status {
		t.Fatalf("got %s (%d), want %s (%d): %v", c, s, code, status, err)
	}
}

// xmlCode extracts <Code> from an error document.
func xmlCode(body []byte) string {
	s := string(body)
	i := strings.Index(s, "<Code>")
	j := strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return ""
	}
	return s[i+len("<Code>") : j]
}

var ctx = context.Background()

func TestBuckets(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("alpha")
	e.mkbucket("beta")

	_, err := e.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alpha")})
	wantErr(t, err, "BucketAlreadyOwnedByYou", 409)

	_, err = e.client.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket:                    aws.String("gamma"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1},
	})
	wantErr(t, err, "IllegalLocationConstraintException", 400)

	lb, err := e.client.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lb.Buckets) != 2 || *lb.Buckets[0].Name != "alpha" || *lb.Buckets[1].Name != "beta" {
		t.Fatalf("ListBuckets: %+v", lb.Buckets)
	}
	if lb.Owner == nil || len(aws.ToString(lb.Owner.ID)) != 64 || lb.Buckets[0].CreationDate == nil || aws.ToString(lb.Buckets[0].BucketRegion) != testRegion {
		t.Fatalf("ListBuckets owner/date/region: %+v %+v", lb.Owner, lb.Buckets[0])
	}

	hb, err := e.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("alpha")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(hb.BucketRegion) != testRegion {
		t.Fatalf("HeadBucket region %q", aws.ToString(hb.BucketRegion))
	}
	_, err = e.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("nope")})
	wantErr(t, err, "NotFound", 404)

	loc, err := e.client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("alpha")})
	if err != nil {
		t.Fatal(err)
	}
	if loc.LocationConstraint != "" {
		t.Fatalf("location %q, want empty for us-east-1", loc.LocationConstraint)
	}
	ver, err := e.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("alpha")})
	if err != nil || ver.Status != "" {
		t.Fatalf("GetBucketVersioning: %+v %v", ver, err)
	}
	acl, err := e.client.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("alpha")})
	if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != s3types.PermissionFullControl {
		t.Fatalf("GetBucketAcl: %+v %v", acl, err)
	}
	if _, err := e.client.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("alpha"), ACL: s3types.BucketCannedACLPrivate}); err != nil {
		t.Fatalf("PutBucketAcl private: %v", err)
	}
	_, err = e.client.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("alpha"), ACL: s3types.BucketCannedACLPublicRead})
	wantErr(t, err, "NotImplemented", 501)

	e.put("alpha", "k", []byte("x"))
	_, err = e.client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
	wantErr(t, err, "BucketNotEmpty", 409)
	if _, err := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestCreateBucketLocationConstraint(t *testing.T) {
	e := newEnv(t)
	body := `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`
	resp, b := e.do(e.signed("PUT", "/loc-ok", strings.NewReader(body), sha256Hex([]byte(body)), nil))
	if resp.StatusCode != 200 {
		t.Fatalf("matching constraint: %d %s", resp.StatusCode, b)
	}
	body = `<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint>`
	resp, b = e.do(e.signed("PUT", "/loc-bad", strings.NewReader(body), sha256Hex([]byte(body)), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "MalformedXML" {
		t.Fatalf("malformed: %d %s", resp.StatusCode, b)
	}
}

func TestObjectRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("bkt")
	body := []byte("hello, zones3")
	out, err := e.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:             aws.String("bkt"),
		Key:                aws.String("dir/hello world.txt"),
		Body:               bytes.NewReader(body),
		ContentType:        aws.String("text/plain"),
		ContentDisposition: aws.String(`attachment; filename="h.txt"`),
		ContentLanguage:    aws.String("en"),
		CacheControl:       aws.String("max-age=60"),
		Metadata:           map[string]string{"color": "blue", "Mixed-Case": "v"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(body)
	wantETag := `"` + hex.EncodeToString(sum[:]) + `"`
	if aws.ToString(out.ETag) != wantETag {
		t.Fatalf("ETag %s, want %s", aws.ToString(out.ETag), wantETag)
	}

	got, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/hello world.txt")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(data, body) {
		t.Fatalf("body %q", data)
	}
	if aws.ToString(got.ETag) != wantETag || aws.ToString(got.ContentType) != "text/plain" ||
		aws.ToString(got.ContentDisposition) != `attachment; filename="h.txt"` || aws.ToString(got.ContentLanguage) != "en" ||
		aws.ToString(got.CacheControl) != "max-age=60" || aws.ToInt64(got.ContentLength) != int64(len(body)) ||
		aws.ToString(got.AcceptRanges) != "bytes" || got.LastModified == nil {
		t.Fatalf("GetObject headers: %+v", got)
	}
	if got.Metadata["color"] != "blue" || got.Metadata["mixed-case"] != "v" {
		t.Fatalf("metadata %v", got.Metadata)
	}

	head, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/hello world.txt")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(head.ContentLength) != int64(len(body)) || aws.ToString(head.ETag) != wantETag || head.Metadata["color"] != "blue" {
		t.Fatalf("HeadObject: %+v", head)
	}

	// Default content type (the SDK always sends one).
	resp, b := e.do(e.signed("PUT", "/bkt/plain", strings.NewReader("x"), sha256Hex([]byte("x")), nil))
	if resp.StatusCode != 200 {
		t.Fatalf("raw PUT: %d %s", resp.StatusCode, b)
	}
	h2, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("plain")})
	if err != nil || aws.ToString(h2.ContentType) != "binary/octet-stream" {
		t.Fatalf("default content type: %v %v", aws.ToString(h2.ContentType), err)
	}

	// Empty object.
	e.put("bkt", "empty", nil)
	if b := e.get("bkt", "empty"); len(b) != 0 {
		t.Fatalf("empty object: %q", b)
	}

	if _, err := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/hello world.txt")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/hello world.txt")})
	wantErr(t, err, "NoSuchKey", 404)
	_, err = e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/hello world.txt")})
	wantErr(t, err, "NotFound", 404)
	// Deleting what is not there succeeds, as in S3.
	if _, err := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/hello world.txt")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestResponseOverridesAndChecksumMode(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("bkt")
	body := []byte("0123456789")
	e.put("bkt", "k", body)
	got, err := e.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket:                     aws.String("bkt"),
		Key:                        aws.String("k"),
		ResponseContentType:        aws.String("application/json"),
		ResponseContentDisposition: aws.String("inline"),
		ResponseCacheControl:       aws.String("no-cache"),
		ResponseContentLanguage:    aws.String("de"),
		ResponseContentEncoding:    aws.String("identity"),
		ResponseExpires:            aws.Time(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)),
		ChecksumMode:               s3types.ChecksumModeEnabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, got.Body)
	got.Body.Close()
	if aws.ToString(got.ContentType) != "application/json" || aws.ToString(got.ContentDisposition) != "inline" ||
		aws.ToString(got.CacheControl) != "no-cache" || aws.ToString(got.ContentLanguage) != "de" || aws.ToString(got.ContentEncoding) != "identity" {
		t.Fatalf("overrides: %+v", got)
	}
	crc := make([]byte, 4)
	v := crc32.ChecksumIEEE(body)
	crc[0], crc[1], crc[2], crc[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	if aws.ToString(got.ChecksumCRC32) != base64.StdEncoding.EncodeToString(crc) || got.ChecksumType != s3types.ChecksumTypeFullObject {
		t.Fatalf("checksum mode: crc32 %q type %q", aws.ToString(got.ChecksumCRC32), got.ChecksumType)
	}
	// No checksum for a range, nor without checksum mode.
	rg, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=0-1"), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	rg.Body.Close()
	if rg.ChecksumCRC32 != nil {
		t.Fatalf("range read returned a checksum")
	}
	req := e.signed("GET", "/bkt/k", nil, sha256Hex(nil), nil)
	resp, _ := e.do(req)
	if resp.Header.Get("X-Amz-Checksum-Crc32") != "" {
		t.Fatalf("checksum without checksum mode")
	}
}

func TestRanges(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("bkt")
	body := []byte("0123456789")
	e.put("bkt", "k", body)
	e.put("bkt", "empty", nil)
	for _, tc := range []struct {
		key, rng  string
		status    int
		body      string
		contRange string
	}{
		{"k", "bytes=0-4", 206, "01234", "bytes 0-4/10"},
		{"k", "bytes=5-", 206, "56789", "bytes 5-9/10"},
		{"k", "bytes=-3", 206, "789", "bytes 7-9/10"},
		{"k", "bytes=-30", 206, "0123456789", "bytes 0-9/10"},
		{"k", "bytes=8-100", 206, "89", "bytes 8-9/10"},
		{"k", "bytes=9-9", 206, "9", "bytes 9-9/10"},
		{"k", "bytes=0-1,3-4", 200, "0123456789", ""},
		{"k", "bytes=5-2", 200, "0123456789", ""},
		{"k", "items=0-1", 200, "0123456789", ""},
		{"k", "bytes=10-", 416, "", "bytes */10"},
		{"k", "bytes=10-20", 416, "", "bytes */10"},
		{"k", "bytes=-0", 416, "", "bytes */10"},
		{"empty", "bytes=0-", 416, "", "bytes */0"},
		{"empty", "bytes=-5", 200, "", ""},
	} {
		req := e.signed("GET", "/bkt/"+tc.key, nil, sha256Hex(nil), http.Header{"Range": {tc.rng}})
		before := e.layer.gets.Load()
		resp, b := e.do(req)
		if n := e.layer.gets.Load() - before; n != 1 {
			t.Errorf("%s %s: %d reads of the object, want 1", tc.key, tc.rng, n)
		}
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Range") != tc.contRange {
			t.Errorf("%s %s: status %d content-range %q, want %d %q", tc.key, tc.rng, resp.StatusCode, resp.Header.Get("Content-Range"), tc.status, tc.contRange)
			continue
		}
		if tc.status == 416 {
			if xmlCode(b) != "InvalidRange" {
				t.Errorf("%s: code %q", tc.rng, xmlCode(b))
			}
			continue
		}
		if string(b) != tc.body || resp.Header.Get("Content-Length") != strconv.Itoa(len(tc.body)) {
			t.Errorf("%s %s: body %q length %s, want %q", tc.key, tc.rng, b, resp.Header.Get("Content-Length"), tc.body)
		}
	}
	// And through the SDK.
	out, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=2-3")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "23" || aws.ToString(out.ContentRange) != "bytes 2-3/10" {
		t.Fatalf("SDK range: %q %q", b, aws.ToString(out.ContentRange))
	}
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=20-")})
	wantErr(t, err, "InvalidRange", 416)
	// HEAD with a range.
	hd, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=1-2")})
	if err != nil || aws.ToInt64(hd.ContentLength) != 2 || aws.ToString(hd.ContentRange) != "bytes 1-2/10" {
		t.Fatalf("HEAD range: %+v %v", hd, err)
	}
}

// offsetFirstLayer refuses an offset past the end before calling Check,
// as a layer may.
type offsetFirstLayer struct{ *fakeLayer }

func (l offsetFirstLayer) GetObject(ctx context.Context, bucket, key string, opts objectlayer.GetOptions, w io.Writer) (objectlayer.ObjectInfo, error) {
	info, err := l.StatObject(ctx, bucket, key)
	if err != nil {
		return info, err
	}
	if opts.Offset >= info.Size && info.Size > 0 {
		return objectlayer.ObjectInfo{}, fmt.Errorf("offset %d: %w", opts.Offset, objectlayer.ErrInvalidRange)
	}
	return l.fakeLayer.GetObject(ctx, bucket, key, opts, w)
}

func TestRangeRefusedBeforeCheck(t *testing.T) {
	fake := newFakeLayer()
	fake.MakeBucket(ctx, "bkt", testRegion)
	fake.PutObject(ctx, "bkt", "k", strings.NewReader("0123456789"), objectlayer.PutOptions{Size: 10, Seal: func() (string, map[string]string, error) { return "etag", nil, nil }})
	srv := httptest.NewServer(New(Config{Layer: offsetFirstLayer{fake}, Verifier: &iam.Verifier{Keys: iam.StaticKeyring{testAccessKey: testSecretKey}}, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	e := &testEnv{t: t, layer: fake, srv: srv}
	resp, b := e.do(e.signed("GET", "/bkt/k", nil, sha256Hex(nil), http.Header{"Range": {"bytes=50-60"}}))
	if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != "bytes */10" || xmlCode(b) != "InvalidRange" {
		t.Fatalf("status %d content-range %q %s", resp.StatusCode, resp.Header.Get("Content-Range"), b)
	}
	// A failed precondition still wins over the range.
	resp, _ = e.do(e.signed("GET", "/bkt/k", nil, sha256Hex(nil), http.Header{"Range": {"bytes=50-60"}, "If-Match": {`"other"`}}))
	if resp.StatusCode != 412 {
		t.Fatalf("precondition with a bad range: %d", resp.StatusCode)
	}
	resp, b = e.do(e.signed("GET", "/bkt/k", nil, sha256Hex(nil), http.Header{"Range": {"bytes=-4"}}))
	if resp.StatusCode != 206 || string(b) != "6789" {
		t.Fatalf("suffix: %d %q", resp.StatusCode, b)
	}
}

func TestConditionals(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("bkt")
	put := e.put("bkt", "k", []byte("conditional"))
	etag := aws.ToString(put.ETag)
	head, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	mod := *head.LastModified
	past, future := mod.Add(-time.Hour).UTC().Format(http.TimeFormat), mod.Add(time.Hour).UTC().Format(http.TimeFormat)
	modStr := mod.UTC().Format(http.TimeFormat)

	for _, tc := range []struct {
		name   string
		hdr    http.Header
		status int
	}{
		{"if-match ok", http.Header{"If-Match": {etag}}, 200},
		{"if-match star", http.Header{"If-Match": {"*"}}, 200},
		{"if-match list", http.Header{"If-Match": {`"nope", ` + etag}}, 200},
		{"if-match fail", http.Header{"If-Match": {`"nope"`}}, 412},
		{"if-none-match hit", http.Header{"If-None-Match": {etag}}, 304},
		{"if-none-match miss", http.Header{"If-None-Match": {`"nope"`}}, 200},
		{"if-modified-since past", http.Header{"If-Modified-Since": {past}}, 200},
		{"if-modified-since same", http.Header{"If-Modified-Since": {modStr}}, 304},
		{"if-modified-since future", http.Header{"If-Modified-Since": {future}}, 304},
		{"if-unmodified-since past", http.Header{"If-Unmodified-Since": {past}}, 412},
		{"if-unmodified-since future", http.Header{"If-Unmodified-Since": {future}}, 200},
		{"bad date ignored", http.Header{"If-Unmodified-Since": {"yesterday"}}, 200},
		// S3's precedence: If-Match true wins over If-Unmodified-Since false.
		{"if-match beats unmodified-since", http.Header{"If-Match": {etag}, "If-Unmodified-Since": {past}}, 200},
		// If-None-Match false (etag matches) and If-Modified-Since true: 304.
		{"if-none-match beats modified-since", http.Header{"If-None-Match": {etag}, "If-Modified-Since": {past}}, 304},
		{"412 before 304", http.Header{"If-Match": {`"nope"`}, "If-None-Match": {etag}}, 412},
	} {
		for _, method := range []string{"GET", "HEAD"} {
			resp, b := e.do(e.signed(method, "/bkt/k", nil, sha256Hex(nil), tc.hdr))
			if resp.StatusCode != tc.status {
				t.Errorf("%s %s: status %d, want %d", method, tc.name, resp.StatusCode, tc.status)
				continue
			}
			switch tc.status {
			case 304:
				if len(b) != 0 || resp.Header.Get("Etag") != etag || resp.Header.Get("Last-Modified") == "" {
					t.Errorf("%s %s: 304 with body %q etag %q", method, tc.name, b, resp.Header.Get("Etag"))
				}
			case 412:
				if method == "GET" && xmlCode(b) != "PreconditionFailed" {
					t.Errorf("%s: code %q", tc.name, xmlCode(b))
				}
				if method == "HEAD" && len(b) != 0 {
					t.Errorf("HEAD error with body")
				}
			}
		}
	}
	// The SDK sees 412 and 304 as errors.
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfMatch: aws.String(`"x"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfNoneMatch: aws.String(etag)})
	if errStatus(err) != 304 {
		t.Fatalf("If-None-Match via SDK: %v", err)
	}

	// Conditional writes.
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("new"), IfNoneMatch: aws.String("*")})
	wantErr(t, err, "PreconditionFailed", 412)
	if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("fresh"), Body: strings.NewReader("new"), IfNoneMatch: aws.String("*")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("new"), IfMatch: aws.String(`"0000"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("new"), IfMatch: aws.String(etag)}); err != nil {
		t.Fatal(err)
	}
}

func TestCopyObject(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("src")
	e.mkbucket("dst")
	body := bytes.Repeat([]byte("copy me "), 1000)
	_, err := e.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("src"), Key: aws.String("a b+c"), Body: bytes.NewReader(body),
		ContentType: aws.String("text/x-src"), Metadata: map[string]string{"origin": "src"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`

	// COPY (default): metadata travels with the data.
	out, err := e.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String("dst"), Key: aws.String("copy1"), CopySource: aws.String("src/a%20b%2Bc"),
		ContentType: aws.String("ignored/without-replace"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopyObjectResult.ETag) != etag || out.CopyObjectResult.LastModified == nil {
		t.Fatalf("CopyObjectResult %+v", out.CopyObjectResult)
	}
	h, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy1")})
	if err != nil || aws.ToString(h.ContentType) != "text/x-src" || h.Metadata["origin"] != "src" || aws.ToString(h.ETag) != etag {
		t.Fatalf("copied head: %+v %v", h, err)
	}
	if !bytes.Equal(e.get("dst", "copy1"), body) {
		t.Fatal("copied body differs")
	}

	// REPLACE: metadata from the request.
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String("dst"), Key: aws.String("copy2"), CopySource: aws.String("/src/a%20b%2Bc"),
		MetadataDirective: s3types.MetadataDirectiveReplace, ContentType: aws.String("text/x-new"),
		Metadata: map[string]string{"origin": "replaced"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err = e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy2")})
	if err != nil || aws.ToString(h.ContentType) != "text/x-new" || h.Metadata["origin"] != "replaced" {
		t.Fatalf("replaced head: %+v %v", h, err)
	}

	// Onto itself: only with REPLACE.
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy1"), CopySource: aws.String("dst/copy1")})
	wantErr(t, err, "InvalidRequest", 400)
	if !strings.Contains(err.Error(), "copy an object to itself") {
		t.Fatalf("message: %v", err)
	}
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String("dst"), Key: aws.String("copy1"), CopySource: aws.String("dst/copy1"),
		MetadataDirective: s3types.MetadataDirectiveReplace, Metadata: map[string]string{"v": "2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h, _ = e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("copy1")})
	if h.Metadata["v"] != "2" || h.Metadata["origin"] != "" {
		t.Fatalf("self-copy metadata %v", h.Metadata)
	}

	// Copy-source conditions.
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c3"), CopySource: aws.String("src/a%20b%2Bc"), CopySourceIfMatch: aws.String(`"nope"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c3"), CopySource: aws.String("src/a%20b%2Bc"), CopySourceIfNoneMatch: aws.String(etag)})
	wantErr(t, err, "PreconditionFailed", 412)
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c3"), CopySource: aws.String("src/a%20b%2Bc"), CopySourceIfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))})
	wantErr(t, err, "PreconditionFailed", 412)
	if _, err := e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c3"), CopySource: aws.String("src/a%20b%2Bc"), CopySourceIfMatch: aws.String(etag)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c4"), CopySource: aws.String("src/missing")})
	wantErr(t, err, "NoSuchKey", 404)
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c4"), CopySource: aws.String("src")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("c4"), CopySource: aws.String("src/a%20b%2Bc"), MetadataDirective: "MOVE"})
	wantErr(t, err, "InvalidArgument", 400)
}

func TestListing(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("bkt")
	keys := []string{"a.txt", "b/1", "b/2", "b/c/3", "c d/e", "d+e", "photos/2024/x.jpg", "photos/2025/y.jpg", "z~"}
	for _, k := range keys {
		e.put("bkt", k, []byte(k))
	}

	// V2 over pages of two.
	var got []string
	p := s3.NewListObjectsV2Paginator(e.client, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if aws.ToInt32(page.KeyCount) != int32(len(page.Contents)) {
			t.Fatalf("KeyCount %d for %d", aws.ToInt32(page.KeyCount), len(page.Contents))
		}
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
			if aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) || !strings.HasPrefix(aws.ToString(o.ETag), `"`) || o.StorageClass != "STANDARD" {
				t.Fatalf("object %+v", o)
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(keys, ",") || pages != 5 {
		t.Fatalf("V2 pages %d keys %v", pages, got)
	}

	// V2 with delimiter and prefix.
	out, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	var cps []string
	for _, cp := range out.CommonPrefixes {
		cps = append(cps, aws.ToString(cp.Prefix))
	}
	if strings.Join(cps, ",") != "b/,c d/,photos/" || len(out.Contents) != 3 || aws.ToInt32(out.KeyCount) != 6 {
		t.Fatalf("delimiter: prefixes %v contents %d keycount %d", cps, len(out.Contents), aws.ToInt32(out.KeyCount))
	}
	out, err = e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("b/"), Delimiter: aws.String("/"), StartAfter: aws.String("b/1"), FetchOwner: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "b/2" || out.Contents[0].Owner == nil || len(out.CommonPrefixes) != 1 ||
		aws.ToString(out.StartAfter) != "b/1" || aws.ToString(out.Prefix) != "b/" || aws.ToString(out.Delimiter) != "/" {
		t.Fatalf("prefix+start-after: %+v", out)
	}
	// V2 delimiter paging does not repeat a common prefix.
	got = nil
	p = s3.NewListObjectsV2Paginator(e.client, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		for _, cp := range page.CommonPrefixes {
			got = append(got, aws.ToString(cp.Prefix))
		}
	}
	if strings.Join(got, ",") != "a.txt,b/,c d/,d+e,photos/,z~" {
		t.Fatalf("delimiter pages: %v", got)
	}

	// encoding-type=url: the SDK hands back what S3 encoded.
	out, err = e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("c d"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "c+d/e" || aws.ToString(out.Prefix) != "c+d" || out.EncodingType != s3types.EncodingTypeUrl {
		t.Fatalf("url encoding: %+v %+v", out, out.Contents)
	}
	resp, b := e.do(e.signed("GET", "/bkt?list-type=2&encoding-type=url&prefix=d", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<Key>d%2Be</Key>") {
		t.Fatalf("url encoding of +: %s", b)
	}
	resp, b = e.do(e.signed("GET", "/bkt?list-type=2&encoding-type=url&prefix=z", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<Key>z%7E</Key>") {
		t.Fatalf("url encoding of ~: %s", b)
	}

	// V1: NextMarker only with a delimiter.
	v1, err := e.client.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(v1.IsTruncated) || v1.NextMarker != nil || len(v1.Contents) != 3 || v1.Contents[0].Owner == nil {
		t.Fatalf("V1 no delimiter: %+v", v1)
	}
	v1, err = e.client.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("bkt"), Marker: aws.String("b/c/3")})
	if err != nil || len(v1.Contents) != 5 || aws.ToString(v1.Contents[0].Key) != "c d/e" || aws.ToString(v1.Marker) != "b/c/3" {
		t.Fatalf("V1 marker: %+v %v", v1, err)
	}
	v1, err = e.client.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("bkt"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	if err != nil || !aws.ToBool(v1.IsTruncated) || aws.ToString(v1.NextMarker) != "b/" {
		t.Fatalf("V1 delimiter: %+v %v", v1, err)
	}

	// Bad parameters.
	for _, q := range []string{"list-type=2&max-keys=-1", "list-type=2&max-keys=abc", "list-type=2&continuation-token=%25%25", "list-type=2&encoding-type=base64", "list-type=3"} {
		resp, b := e.do(e.signed("GET", "/bkt?"+q, nil, sha256Hex(nil), nil))
		if resp.StatusCode != 400 || xmlCode(b) != "InvalidArgument" {
			t.Errorf("%s: %d %s", q, resp.StatusCode, xmlCode(b))
		}
	}
	// max-keys=0 and above 1000.
	out, err = e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(0)})
	if err != nil || len(out.Contents) != 0 || aws.ToBool(out.IsTruncated) {
		t.Fatalf("max-keys 0: %+v %v", out, err)
	}
	out, err = e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(5000)})
	if err != nil || aws.ToInt32(out.MaxKeys) != 1000 || len(out.Contents) != len(keys) {
		t.Fatalf("max-keys 5000: %+v %v", out, err)
	}

	// ListObjectVersions shows the null versions.
	vs, err := e.client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("bkt"), Prefix: aws.String("b/")})
	if err != nil || len(vs.Versions) != 3 || aws.ToString(vs.Versions[0].VersionId) != "null" || !aws.ToBool(vs.Versions[0].IsLatest) {
		t.Fatalf("versions: %+v %v", vs, err)
	}
}

func TestMultipartSDK(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			var opts []envOption
			if tls {
				opts = append(opts, withTLS())
			}
			e := newEnv(t, opts...)
			e.mkbucket("mpu")
			body := make([]byte, 5<<20+100<<10)
			for i := range body {
				body[i] = byte(i * 7)
			}
			up := manager.NewUploader(e.client, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 2 })
			res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), Body: bytes.NewReader(body), ContentType: aws.String("application/x-big")})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(aws.ToString(res.ETag), `-2"`) || res.UploadID == "" {
				t.Fatalf("upload result ETag %s", aws.ToString(res.ETag))
			}
			if !bytes.Equal(e.get("mpu", "big"), body) {
				t.Fatal("multipart body differs")
			}
			h, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big"), ChecksumMode: s3types.ChecksumModeEnabled})
			if err != nil || aws.ToString(h.ContentType) != "application/x-big" || aws.ToInt64(h.ContentLength) != int64(len(body)) ||
				!strings.HasSuffix(aws.ToString(h.ChecksumCRC32), "-2") || h.ChecksumType != s3types.ChecksumTypeComposite {
				t.Fatalf("head: %+v %v", h, err)
			}
			// Ranged download through the manager.
			dl := manager.NewDownloader(e.client, func(d *manager.Downloader) { d.PartSize = 4 << 20; d.Concurrency = 2 })
			buf := manager.NewWriteAtBuffer(nil)
			if _, err := dl.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big")}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), body) {
				t.Fatal("downloaded body differs")
			}
		})
	}
}

func TestMultipartAPI(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("mpu")
	cr, err := e.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("mpu"), Key: aws.String("obj"), Metadata: map[string]string{"m": "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := cr.UploadId
	if aws.ToString(cr.Bucket) != "mpu" || aws.ToString(cr.Key) != "obj" {
		t.Fatalf("create: %+v", cr)
	}
	part1 := bytes.Repeat([]byte{1}, 5<<20)
	p1, err := e.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(1), Body: bytes.NewReader(part1)})
	if err != nil {
		t.Fatal(err)
	}
	// Part 2 copied from an object range.
	e.put("mpu", "source", []byte("0123456789"))
	p2, err := e.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(2),
		CopySource: aws.String("mpu/source"), CopySourceRange: aws.String("bytes=2-5"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(3),
		CopySource: aws.String("mpu/source"), CopySourceRange: aws.String("bytes=5-20"),
	})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(10001), Body: strings.NewReader("x")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: aws.String("nope"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	wantErr(t, err, "NoSuchUpload", 404)

	lp, err := e.client.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: id})
	if err != nil || len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[1].Size) != 4 || aws.ToString(lp.Parts[0].ETag) != aws.ToString(p1.ETag) {
		t.Fatalf("ListParts: %+v %v", lp, err)
	}
	lu, err := e.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
	if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(id) {
		t.Fatalf("ListMultipartUploads: %+v %v", lu, err)
	}

	complete := func(parts ...s3types.CompletedPart) error {
		_, err := e.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: id,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
		})
		return err
	}
	wantErr(t, complete(s3types.CompletedPart{PartNumber: aws.Int32(1), ETag: aws.String(`"00000000000000000000000000000000"`)}), "InvalidPart", 400)
	wantErr(t, complete(
		s3types.CompletedPart{PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag},
		s3types.CompletedPart{PartNumber: aws.Int32(1), ETag: p1.ETag}), "InvalidPartOrder", 400)
	wantErr(t, complete(), "MalformedXML", 400)

	// A too-small first part.
	cr2, _ := e.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small")})
	s1, _ := e.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: cr2.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("tiny")})
	s2, _ := e.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: cr2.UploadId, PartNumber: aws.Int32(2), Body: strings.NewReader("tiny")})
	_, err = e.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: cr2.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: s1.ETag}, {PartNumber: aws.Int32(2), ETag: s2.ETag}}},
	})
	wantErr(t, err, "EntityTooSmall", 400)
	if _, err := e.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: cr2.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("small"), UploadId: cr2.UploadId})
	wantErr(t, err, "NoSuchUpload", 404)

	out, err := e.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("mpu"), Key: aws.String("obj"), UploadId: id,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: p1.ETag}, {PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(out.ETag), `-2"`) || aws.ToString(out.Key) != "obj" || !strings.HasSuffix(aws.ToString(out.Location), "/mpu/obj") {
		t.Fatalf("complete: %+v", out)
	}
	got := e.get("mpu", "obj")
	if len(got) != 5<<20+4 || string(got[5<<20:]) != "2345" {
		t.Fatalf("completed body: %d bytes", len(got))
	}
	h, _ := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpu"), Key: aws.String("obj")})
	if h.Metadata["m"] != "1" {
		t.Fatalf("metadata from create: %v", h.Metadata)
	}
	pg, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("obj"), PartNumber: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(pg.Body)
	pg.Body.Close()
	if string(got) != "2345" || aws.ToInt32(pg.PartsCount) != 2 {
		t.Fatalf("part 2 of the completed object: %q, %d parts", got, aws.ToInt32(pg.PartsCount))
	}

	// Malformed Complete body.
	body := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
	resp, b := e.do(e.signed("POST", "/mpu/obj?uploadId=x", strings.NewReader(body), sha256Hex([]byte(body)), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "MalformedXML" {
		t.Fatalf("malformed complete: %d %s", resp.StatusCode, b)
	}
}

func TestPresignedURLs(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("pre")
	ps := s3.NewPresignClient(e.client)
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("p q")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("presigned body"))
	for k, vs := range put.SignedHeader {
		if k != "Host" {
			req.Header[k] = vs
		}
	}
	resp, b := e.do(req)
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d %s", resp.StatusCode, b)
	}
	get, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("p q")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, b = e.do(mustRequest(t, "GET", get.URL))
	if resp.StatusCode != 200 || string(b) != "presigned body" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, b)
	}
	// Tampering with the URL breaks the signature.
	resp, b = e.do(mustRequest(t, "GET", strings.Replace(get.URL, "p%20q", "p%20r", 1)))
	if resp.StatusCode != 403 || xmlCode(b) != "SignatureDoesNotMatch" {
		t.Fatalf("tampered: %d %s", resp.StatusCode, b)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAuthErrors(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("auth")
	bad := e.newClient(testAccessKey, "wrong secret")
	_, err := bad.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("auth")})
	wantErr(t, err, "SignatureDoesNotMatch", 403)
	_, err = bad.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("auth"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantErr(t, err, "SignatureDoesNotMatch", 403)
	if e.layer.count("auth") != 0 {
		t.Fatal("object stored with a wrong signature")
	}
	unknown := e.newClient("AKIAUNKNOWN", testSecretKey)
	_, err = unknown.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantErr(t, err, "InvalidAccessKeyId", 403)

	resp, b := e.do(mustRequest(t, "GET", e.srv.URL+"/auth/k"))
	if resp.StatusCode != 403 || xmlCode(b) != "AccessDenied" {
		t.Fatalf("anonymous: %d %s", resp.StatusCode, b)
	}
	// Anonymous requests learn nothing else, not even about subresources.
	resp, b = e.do(mustRequest(t, "GET", e.srv.URL+"/auth?lifecycle"))
	if resp.StatusCode != 403 || xmlCode(b) != "AccessDenied" {
		t.Fatalf("anonymous subresource: %d %s", resp.StatusCode, b)
	}
	resp, _ = e.do(mustRequest(t, "HEAD", e.srv.URL+"/auth/k"))
	if resp.StatusCode != 403 {
		t.Fatalf("anonymous HEAD: %d", resp.StatusCode)
	}
	// A skewed clock.
	req, _ := http.NewRequest("GET", e.srv.URL+"/auth", nil)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
	v4.NewSigner().SignHTTP(ctx, creds, req, sha256Hex(nil), "s3", testRegion, time.Now().Add(-time.Hour))
	resp, b = e.do(req)
	if resp.StatusCode != 403 || xmlCode(b) != "RequestTimeTooSkewed" {
		t.Fatalf("skewed: %d %s", resp.StatusCode, b)
	}
}

func TestNamesAndSubresources(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("names")
	_, err := e.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
	wantErr(t, err, "InvalidBucketName", 400)
	for _, name := range []string{"ab", "192.168.1.1", "xn--abc", "a..b", "-ab", "abc-s3alias"} {
		resp, b := e.do(e.signed("PUT", "/"+name, nil, sha256Hex(nil), nil))
		if resp.StatusCode != 400 || xmlCode(b) != "InvalidBucketName" {
			t.Errorf("bucket %q: %d %s", name, resp.StatusCode, xmlCode(b))
		}
	}
	long := strings.Repeat("k", 1025)
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("names"), Key: aws.String(long), Body: strings.NewReader("x")})
	wantErr(t, err, "KeyTooLongError", 400)
	e.put("names", strings.Repeat("k", 1024), []byte("max"))

	_, err = e.client.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("names")})
	wantErr(t, err, "NotImplemented", 501)
	_, err = e.client.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: aws.String("names"), Key: aws.String("k"), Retention: &s3types.ObjectLockRetention{Mode: s3types.ObjectLockRetentionModeGovernance}})
	wantErr(t, err, "NotImplemented", 501)
	// An unknown subresource on an object PUT must not store the body.
	resp, b := e.do(e.signed("PUT", "/names/sub?retention", strings.NewReader("<Retention/>"), sha256Hex([]byte("<Retention/>")), nil))
	if resp.StatusCode != 501 || xmlCode(b) != "NotImplemented" || e.layer.count("names") != 1 {
		t.Fatalf("PUT ?retention: %d %s, %d objects", resp.StatusCode, b, e.layer.count("names"))
	}
	resp, b = e.do(e.signed("PATCH", "/names/k", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 405 || xmlCode(b) != "MethodNotAllowed" {
		t.Fatalf("PATCH: %d %s", resp.StatusCode, b)
	}
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("names"), Key: aws.String("meta"), Body: strings.NewReader("x"),
		Metadata: map[string]string{"big": strings.Repeat("v", 2100)}})
	wantErr(t, err, "MetadataTooLarge", 400)
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("names"), Key: aws.String("sse"), Body: strings.NewReader("x"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	wantErr(t, err, "NotImplemented", 501)
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("names"), Key: aws.String("k"), VersionId: aws.String("3HL4kqtJlcpXroDTDmJ")})
	wantErr(t, err, "InvalidArgument", 400)
}

func TestBodyVerification(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("digest")
	// Wrong Content-MD5.
	wrongMD5 := md5.Sum([]byte("something else"))
	_, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("digest"), Key: aws.String("md5"), Body: strings.NewReader("payload"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(wrongMD5[:]))})
	wantErr(t, err, "BadDigest", 400)
	// A malformed Content-MD5.
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("digest"), Key: aws.String("md5"), Body: strings.NewReader("payload"), ContentMD5: aws.String("nope")})
	wantErr(t, err, "InvalidDigest", 400)
	// Wrong x-amz-checksum-crc32 (well-formed).
	_, err = e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("digest"), Key: aws.String("crc"), Body: strings.NewReader("payload"),
		ChecksumCRC32: aws.String("AAAAAA==")})
	wantErr(t, err, "BadDigest", 400)
	// A correct Content-MD5 goes through.
	good := md5.Sum([]byte("payload"))
	if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("digest"), Key: aws.String("ok"), Body: strings.NewReader("payload"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(good[:]))}); err != nil {
		t.Fatal(err)
	}
	if e.layer.count("digest") != 1 {
		t.Fatalf("%d objects stored, want 1", e.layer.count("digest"))
	}
	// A body that does not match the signed x-amz-content-sha256.
	resp, b := e.do(e.signed("PUT", "/digest/sha", strings.NewReader("actual"), sha256Hex([]byte("claimed")), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "XAmzContentSHA256Mismatch" {
		t.Fatalf("sha mismatch: %d %s", resp.StatusCode, b)
	}
	// No Content-Length.
	req := e.signed("PUT", "/digest/nolen", io.NopCloser(strings.NewReader("abc")), "UNSIGNED-PAYLOAD", nil)
	req.ContentLength = -1
	resp, b = e.do(req)
	if resp.StatusCode != 411 || xmlCode(b) != "MissingContentLength" {
		t.Fatalf("no length: %d %s", resp.StatusCode, b)
	}
	// aws-chunked without x-amz-decoded-content-length.
	req = e.signed("PUT", "/digest/nodecoded", strings.NewReader("3\r\nabc\r\n0\r\n\r\n"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", http.Header{"Content-Encoding": {"aws-chunked"}})
	resp, b = e.do(req)
	if resp.StatusCode != 411 || xmlCode(b) != "MissingContentLength" {
		t.Fatalf("no decoded length: %d %s", resp.StatusCode, b)
	}
	// Larger than a single PUT may be.
	req = e.signed("PUT", "/digest/huge", strings.NewReader("0\r\n\r\n"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
		http.Header{"Content-Encoding": {"aws-chunked"}, "X-Amz-Decoded-Content-Length": {strconv.FormatInt(5<<30+1, 10)}})
	resp, b = e.do(req)
	if resp.StatusCode != 400 || xmlCode(b) != "EntityTooLarge" {
		t.Fatalf("huge: %d %s", resp.StatusCode, b)
	}
	if e.layer.count("digest") != 1 {
		t.Fatalf("%d objects stored, want 1", e.layer.count("digest"))
	}
}

// chunkedBody encodes data as unsigned aws-chunked with a CRC32 trailer.
func chunkedBody(data []byte, crc string) string {
	var b strings.Builder
	for len(data) > 0 {
		n := min(len(data), 4)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, data[:n])
		data = data[n:]
	}
	fmt.Fprintf(&b, "0\r\nx-amz-checksum-crc32:%s\r\n\r\n", crc)
	return b.String()
}

func crc32Base64(data []byte) string {
	v := crc32.ChecksumIEEE(data)
	return base64.StdEncoding.EncodeToString([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func TestAWSChunkedBodies(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("chunk")
	data := []byte("aws-chunked payload")
	hdr := func() http.Header {
		return http.Header{
			"Content-Encoding":             {"aws-chunked,gzip"},
			"X-Amz-Decoded-Content-Length": {strconv.Itoa(len(data))},
			"X-Amz-Trailer":                {"x-amz-checksum-crc32"},
		}
	}
	body := chunkedBody(data, crc32Base64(data))
	resp, b := e.do(e.signed("PUT", "/chunk/ok", strings.NewReader(body), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", hdr()))
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Checksum-Crc32") != crc32Base64(data) {
		t.Fatalf("chunked PUT: %d %s %v", resp.StatusCode, b, resp.Header)
	}
	if got := e.get("chunk", "ok"); !bytes.Equal(got, data) {
		t.Fatalf("stored %q", got)
	}
	h, _ := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("chunk"), Key: aws.String("ok")})
	if aws.ToString(h.ContentEncoding) != "gzip" {
		t.Fatalf("stored Content-Encoding %q, want gzip", aws.ToString(h.ContentEncoding))
	}

	// Wrong trailer checksum.
	resp, b = e.do(e.signed("PUT", "/chunk/badcrc", strings.NewReader(chunkedBody(data, "AAAAAA==")), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", hdr()))
	if resp.StatusCode != 400 || xmlCode(b) != "BadDigest" {
		t.Fatalf("bad trailer crc: %d %s", resp.StatusCode, b)
	}
	// Truncated: the HTTP body is complete, the aws-chunked one is not.
	cut := body[:len(body)/2]
	resp, b = e.do(e.signed("PUT", "/chunk/cut", strings.NewReader(cut), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", hdr()))
	if resp.StatusCode != 400 || xmlCode(b) != "IncompleteBody" {
		t.Fatalf("truncated: %d %s", resp.StatusCode, b)
	}
	// Decoded length larger than the data.
	h2 := hdr()
	h2.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)+10))
	resp, b = e.do(e.signed("PUT", "/chunk/short", strings.NewReader(body), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", h2))
	if resp.StatusCode != 400 || xmlCode(b) != "IncompleteBody" {
		t.Fatalf("short: %d %s", resp.StatusCode, b)
	}
	if e.layer.count("chunk") != 1 {
		t.Fatalf("%d objects stored, want 1", e.layer.count("chunk"))
	}
}

func TestSignedChunkedBody(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("signed")
	data := bytes.Repeat([]byte("signed chunk data "), 5000) // 90,000 bytes: two chunks
	now := time.Now().UTC()
	amzDate := now.Format("20060102T150405Z")
	scope := now.Format("20060102") + "/" + testRegion + "/s3/aws4_request"
	key := iam.SigningKey(testSecretKey, now.Format("20060102"), testRegion, "s3")

	build := func(tamper bool) *http.Request {
		req, _ := http.NewRequest("PUT", e.srv.URL+"/signed/obj", nil)
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
		creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "s3", testRegion, now); err != nil {
			t.Fatal(err)
		}
		auth := req.Header.Get("Authorization")
		prev := auth[strings.LastIndex(auth, "Signature=")+len("Signature="):]
		var body bytes.Buffer
		rest := data
		for {
			n := min(len(rest), 64<<10)
			chunk := rest[:n]
			sig := iam.SignHex(key, iam.ChunkStringToSign(amzDate, scope, prev, sha256Sum(chunk)))
			if tamper && n == 0 {
				sig = strings.Repeat("0", 64)
			}
			fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", n, sig)
			body.Write(chunk)
			body.WriteString("\r\n")
			prev = sig
			rest = rest[n:]
			if n == 0 {
				break
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
		req.ContentLength = int64(body.Len())
		return req
	}
	resp, b := e.do(build(false))
	if resp.StatusCode != 200 {
		t.Fatalf("signed chunked PUT: %d %s", resp.StatusCode, b)
	}
	if !bytes.Equal(e.get("signed", "obj"), data) {
		t.Fatal("stored body differs")
	}
	e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("signed"), Key: aws.String("obj")})
	resp, b = e.do(build(true))
	if resp.StatusCode != 403 || xmlCode(b) != "SignatureDoesNotMatch" {
		t.Fatalf("tampered chunk: %d %s", resp.StatusCode, b)
	}
	if e.layer.count("signed") != 0 {
		t.Fatal("tampered body stored")
	}
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

func TestTLSChecksumTrailers(t *testing.T) {
	e := newEnv(t, withTLS())
	e.mkbucket("tls")
	data := bytes.Repeat([]byte("trailer "), 10000)
	out, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ChecksumCRC32) != crc32Base64(data) {
		t.Fatalf("PutObject CRC32 %q, want %q", aws.ToString(out.ChecksumCRC32), crc32Base64(data))
	}
	got, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(b, data) || aws.ToString(got.ChecksumCRC32) != crc32Base64(data) {
		t.Fatalf("GetObject over TLS: %v, crc %q", err, aws.ToString(got.ChecksumCRC32))
	}
	info, _ := e.layer.StatObject(ctx, "tls", "k")
	if info.Header["Content-Encoding"] != "" {
		t.Fatalf("aws-chunked kept in Content-Encoding: %q", info.Header["Content-Encoding"])
	}
	// Other algorithms through the trailer.
	for _, alg := range []s3types.ChecksumAlgorithm{s3types.ChecksumAlgorithmCrc32c, s3types.ChecksumAlgorithmSha256, s3types.ChecksumAlgorithmCrc64nvme} {
		if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String(string(alg)), Body: bytes.NewReader(data), ChecksumAlgorithm: alg}); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
	}
}

func TestDeleteObjects(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("del")
	for _, k := range []string{"a", "b", "c"} {
		e.put("del", k, []byte(k))
	}
	out, err := e.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("a")}, {Key: aws.String("missing")}, {Key: aws.String("b"), VersionId: aws.String("v123")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 2 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Key) != "b" || aws.ToString(out.Errors[0].Code) != "NoSuchVersion" {
		t.Fatalf("DeleteObjects: deleted %+v errors %+v", out.Deleted, out.Errors)
	}
	out, err = e.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("del"), Delete: &s3types.Delete{Quiet: aws.Bool(true), Objects: []s3types.ObjectIdentifier{{Key: aws.String("b")}}}})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 0 || e.layer.count("del") != 1 {
		t.Fatalf("quiet: %+v %v", out, err)
	}
	// Without Content-MD5 or a checksum.
	body := `<Delete><Object><Key>c</Key></Object></Delete>`
	resp, b := e.do(e.signed("POST", "/del?delete", strings.NewReader(body), sha256Hex([]byte(body)), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidRequest" {
		t.Fatalf("no md5: %d %s", resp.StatusCode, b)
	}
	// With a wrong Content-MD5.
	sum := md5.Sum([]byte("other"))
	resp, b = e.do(e.signed("POST", "/del?delete", strings.NewReader(body), sha256Hex([]byte(body)), http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}}))
	if resp.StatusCode != 400 || xmlCode(b) != "BadDigest" {
		t.Fatalf("bad md5: %d %s", resp.StatusCode, b)
	}
	// Too many keys.
	var many strings.Builder
	many.WriteString("<Delete>")
	for i := range 1001 {
		fmt.Fprintf(&many, "<Object><Key>k%d</Key></Object>", i)
	}
	many.WriteString("</Delete>")
	sum = md5.Sum([]byte(many.String()))
	resp, b = e.do(e.signed("POST", "/del?delete", strings.NewReader(many.String()), sha256Hex([]byte(many.String())), http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}}))
	if resp.StatusCode != 400 || xmlCode(b) != "MalformedXML" {
		t.Fatalf("1001 keys: %d %s", resp.StatusCode, b)
	}
	if e.layer.count("del") != 1 {
		t.Fatal("c was deleted by a refused request")
	}
}

func TestResponseBasics(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(e.signed("GET", "/nosuchbucket/k", nil, sha256Hex(nil), nil))
	id := resp.Header.Get("X-Amz-Request-Id")
	if len(id) != 16 || strings.ToUpper(id) != id || resp.Header.Get("X-Amz-Id-2") == "" || resp.Header.Get("Server") != "zones3" {
		t.Fatalf("headers %v", resp.Header)
	}
	if resp.StatusCode != 404 || !strings.Contains(string(b), "<RequestId>"+id+"</RequestId>") || !strings.Contains(string(b), "<Resource>/nosuchbucket/k</Resource>") ||
		!strings.HasPrefix(string(b), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Fatalf("error body %s", b)
	}
	resp, b = e.do(e.signed("HEAD", "/nosuchbucket/k", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 404 || len(b) != 0 {
		t.Fatalf("HEAD error: %d %q", resp.StatusCode, b)
	}
}

func TestMidStreamFailureAbortsConnection(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("cut")
	data := bytes.Repeat([]byte("x"), 1<<20)
	e.put("cut", "k", data)
	e.layer.getFailAfter = 100 << 10
	resp, err := e.srv.Client().Do(e.signed("GET", "/cut/k", nil, sha256Hex(nil), nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("read %d of %d bytes without an error", len(b), len(data))
	}
	// An error before the first byte is a proper S3 error.
	e.layer.getFailAfter = 0
	failing := &failingLayer{fakeLayer: e.layer}
	srv := httptest.NewServer(New(Config{Layer: failing, Verifier: &iam.Verifier{Keys: iam.StaticKeyring{testAccessKey: testSecretKey}}, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	c := s3.New(s3.Options{Region: testRegion, BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, "")})
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cut"), Key: aws.String("k")})
	wantErr(t, err, "ServiceUnavailable", 503)
	_, err = c.ListBuckets(ctx, &s3.ListBucketsInput{})
	wantErr(t, err, "InternalError", 500)
}

// failingLayer fails reads with a quorum error before any byte, and
// bucket listings with an unknown error.
type failingLayer struct{ *fakeLayer }

func (f *failingLayer) GetObject(ctx context.Context, bucket, key string, opts objectlayer.GetOptions, w io.Writer) (objectlayer.ObjectInfo, error) {
	return objectlayer.ObjectInfo{}, fmt.Errorf("read %s/%s: %w", bucket, key, objectlayer.ErrQuorum)
}

func (f *failingLayer) ListBuckets(ctx context.Context) ([]objectlayer.BucketInfo, error) {
	return nil, errFake
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do(mustRequest(t, "GET", e.srv.URL+"/health/live"))
	if resp.StatusCode != 200 || string(b) != "OK\n" {
		t.Fatalf("live: %d %q", resp.StatusCode, b)
	}
	resp, _ = e.do(mustRequest(t, "GET", e.srv.URL+"/health/ready"))
	if resp.StatusCode != 200 {
		t.Fatalf("ready: %d", resp.StatusCode)
	}
	e.ready = errors.New("no quorum")
	resp, b = e.do(mustRequest(t, "GET", e.srv.URL+"/health/ready"))
	if resp.StatusCode != 503 || !strings.Contains(string(b), "no quorum") {
		t.Fatalf("not ready: %d %q", resp.StatusCode, b)
	}
	e.mkbucket("health")
	e.put("health", "live", []byte("an object"))
	if got := e.get("health", "live"); string(got) != "an object" {
		t.Fatalf("signed GET /health/live: %q", got)
	}
	resp, b = e.do(mustRequest(t, "GET", e.srv.URL+"/metrics"))
	text := string(b)
	for _, want := range []string{
		`zones3_s3_requests_total{api="PutObject",status="200"} 1`,
		`zones3_s3_requests_total{api="CreateBucket",status="200"} 1`,
		`zones3_s3_request_duration_seconds_bucket{api="GetObject",le="+Inf"} 1`,
		`zones3_s3_received_bytes_total{api="PutObject"} 9`,
		`zones3_s3_sent_bytes_total{api="GetObject"} 9`,
		"# TYPE zones3_s3_request_duration_seconds histogram",
		"zones3_s3_requests_in_flight 0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	if resp.Header.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("metrics content type %q", resp.Header.Get("Content-Type"))
	}
}

func TestVirtualHostStyle(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.domains = []string{"s3.zones3.test"} })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(e.srv.URL, "http://"))
	addr := e.srv.Listener.Addr().String()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	c := s3.New(s3.Options{
		Region:                     testRegion,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		BaseEndpoint:               aws.String("http://s3.zones3.test:" + port),
		Credentials:                credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
		HTTPClient:                 &http.Client{Transport: tr},
		Retryer:                    aws.NopRetryer{},
	})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("a/b"), Body: strings.NewReader("virtual")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost")})
	if err != nil || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "a/b" {
		t.Fatalf("vhost list: %+v %v", out, err)
	}
	// The same object path style.
	if got := e.get("vhost", "a/b"); string(got) != "virtual" {
		t.Fatalf("path-style read: %q", got)
	}
}

func TestRequestLogAndBucketPages(t *testing.T) {
	var logs bytes.Buffer
	fake := newFakeLayer()
	h := New(Config{
		Layer:    fake,
		Verifier: &iam.Verifier{Keys: iam.StaticKeyring{testAccessKey: testSecretKey}},
		Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	e := &testEnv{t: t, layer: fake, srv: srv}
	e.client = e.newClient(testAccessKey, testSecretKey)
	for _, b := range []string{"b-one", "b-two", "b-three"} {
		e.mkbucket(b)
	}
	var names []string
	p := s3.NewListBucketsPaginator(e.client, &s3.ListBucketsInput{MaxBuckets: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
	}
	if strings.Join(names, ",") != "b-one,b-three,b-two" {
		t.Fatalf("bucket pages: %v", names)
	}
	lb, err := e.client.ListBuckets(ctx, &s3.ListBucketsInput{Prefix: aws.String("b-t")})
	if err != nil || len(lb.Buckets) != 2 {
		t.Fatalf("prefix: %+v %v", lb, err)
	}
	out := logs.String()
	for _, want := range []string{"msg=\"s3 request\"", "method=PUT", "path=/b-one", "api=CreateBucket", "status=200", "api=ListBuckets", "request_id=", "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "s3 request"); n != 6 {
		t.Errorf("%d request lines for 6 requests", n)
	}
}
