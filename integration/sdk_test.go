package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestSDKServerHTTP drives `zones3 server` over plain HTTP, where the SDK
// sends a SHA-256 payload hash and an x-amz-checksum-crc32 header.
func TestSDKServerHTTP(t *testing.T) {
	testSDKServer(t, false)
}

// TestSDKServerHTTPS drives `zones3 server` over HTTPS, where the SDK sends
// aws-chunked bodies with checksum trailers.
func TestSDKServerHTTPS(t *testing.T) {
	testSDKServer(t, true)
}

func testSDKServer(t *testing.T, useTLS bool) {
	srv := startServer(t, useTLS)
	client := newS3Client(t, srv.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "sdk-objects"
	createBucket(ctx, t, client, bucket)

	t.Run("PutGetSizes", func(t *testing.T) { sdkPutGetSizes(ctx, t, client, bucket) })
	t.Run("SpecialKeys", func(t *testing.T) { sdkSpecialKeys(ctx, t, client, bucket) })
	t.Run("HeadMetadata", func(t *testing.T) { sdkHeadMetadata(ctx, t, client, bucket) })
	t.Run("Ranges", func(t *testing.T) { sdkRanges(ctx, t, client, bucket) })
	t.Run("Conditionals", func(t *testing.T) { sdkConditionals(ctx, t, client, bucket) })
	t.Run("Copy", func(t *testing.T) { sdkCopy(ctx, t, client, bucket) })
	t.Run("Delete", func(t *testing.T) { sdkDelete(ctx, t, client, bucket) })
	t.Run("ListV2", func(t *testing.T) { sdkListV2(ctx, t, client) })
	t.Run("UploadManager", func(t *testing.T) { sdkUploadManager(ctx, t, client, bucket) })
	t.Run("MultipartAPI", func(t *testing.T) { sdkMultipartAPI(ctx, t, client, bucket) })
	t.Run("Checksums", func(t *testing.T) { sdkChecksums(ctx, t, client, bucket) })
	t.Run("Presigned", func(t *testing.T) { sdkPresigned(ctx, t, client, bucket) })
	t.Run("WrongCredentials", func(t *testing.T) { sdkWrongCredentials(ctx, t, srv.endpoint, bucket) })
	t.Run("ErrorCodes", func(t *testing.T) { sdkErrorCodes(ctx, t, client, bucket) })
}

func sdkPutGetSizes(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	for i, size := range []int{0, 1, 4 << 10, 200 << 10, 3 << 20, 17 << 20} {
		key := fmt.Sprintf("sizes/object-%d", size)
		data := randomBytes(uint64(100+i), size)
		put, err := putObject(ctx, client, bucket, key, data)
		if err != nil {
			t.Errorf("put %s (%d bytes): %v", key, size, err)
			continue
		}
		if got, want := aws.ToString(put.ETag), etagOf(data); got != want {
			t.Errorf("put %s: ETag %s, want %s", key, got, want)
		}
		got, out, err := getObject(ctx, client, bucket, key)
		if err != nil {
			t.Errorf("get %s: %v", key, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("get %s: %d bytes (sha256 %s), want %d bytes (sha256 %s)",
				key, len(got), sha256Hex(got)[:16], size, sha256Hex(data)[:16])
		}
		if aws.ToInt64(out.ContentLength) != int64(size) {
			t.Errorf("get %s: Content-Length %d, want %d", key, aws.ToInt64(out.ContentLength), size)
		}
		if got, want := aws.ToString(out.ETag), etagOf(data); got != want {
			t.Errorf("get %s: ETag %s, want %s", key, got, want)
		}
	}
}

// sdkSpecialKeys stores keys that need escaping in paths and signatures.
func sdkSpecialKeys(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	keys := []string{
		"special/with space",
		"special/plus+sign",
		"special/ü-ñ-日本",
		"special/percent%20literal",
		"special/question?mark",
		"special/hash#tag",
		"special/semi;colon,comma",
		"special/star*tilde~",
		"special/quote'paren(x)",
		"special/amp&equals=",
		"special/dir/",
		"special//double-slash",
	}
	for i, key := range keys {
		data := randomBytes(uint64(200+i), 100+i)
		if _, err := putObject(ctx, client, bucket, key, data); err != nil {
			t.Errorf("put %q: %v", key, err)
			continue
		}
		checkObject(ctx, t, client, bucket, key, data)
	}
	out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("special/")})
	if err != nil {
		t.Fatalf("list special/: %v", err)
	}
	var got []string
	for _, o := range out.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("list special/:\n got %q\nwant %q", got, want)
	}
}

func sdkHeadMetadata(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	const key = "meta/object"
	data := randomBytes(300, 5000)
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:             aws.String(bucket),
		Key:                aws.String(key),
		Body:               bytes.NewReader(data),
		ContentType:        aws.String("text/plain; charset=utf-8"),
		CacheControl:       aws.String("max-age=60, public"),
		ContentDisposition: aws.String(`attachment; filename="report.txt"`),
		ContentEncoding:    aws.String("identity"),
		ContentLanguage:    aws.String("en-GB"),
		Expires:            aws.Time(expires),
		Metadata:           map[string]string{"color": "blue", "Mixed-Case": "Value With Spaces", "empty": ""},
	})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	wantMeta := map[string]string{"color": "blue", "mixed-case": "Value With Spaces", "empty": ""}
	check := func(op string, length *int64, etag, ctype, cache, disp, enc, lang, exp *string, meta map[string]string, lastMod *time.Time) {
		t.Helper()
		eq := func(field, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s %s: %s = %q, want %q", op, key, field, got, want)
			}
		}
		eq("Content-Length", fmt.Sprint(aws.ToInt64(length)), fmt.Sprint(len(data)))
		eq("ETag", aws.ToString(etag), etagOf(data))
		eq("Content-Type", aws.ToString(ctype), "text/plain; charset=utf-8")
		eq("Cache-Control", aws.ToString(cache), "max-age=60, public")
		eq("Content-Disposition", aws.ToString(disp), `attachment; filename="report.txt"`)
		eq("Content-Encoding", aws.ToString(enc), "identity")
		eq("Content-Language", aws.ToString(lang), "en-GB")
		if e, err := http.ParseTime(aws.ToString(exp)); err != nil || !e.Equal(expires) {
			t.Errorf("%s %s: Expires = %q, want %s", op, key, aws.ToString(exp), expires.Format(http.TimeFormat))
		}
		for k, v := range wantMeta {
			got, ok := meta[k]
			if !ok || got != v {
				t.Errorf("%s %s: x-amz-meta-%s = %q (present %v), want %q; all metadata %q", op, key, k, got, ok, v, meta)
			}
		}
		if len(meta) != len(wantMeta) {
			t.Errorf("%s %s: metadata %q, want %q", op, key, meta, wantMeta)
		}
		if lastMod == nil || time.Since(*lastMod).Abs() > time.Hour {
			t.Errorf("%s %s: Last-Modified %v, want about now", op, key, lastMod)
		}
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("head %s: %v", key, err)
	}
	check("head", head.ContentLength, head.ETag, head.ContentType, head.CacheControl, head.ContentDisposition,
		head.ContentEncoding, head.ContentLanguage, head.ExpiresString, head.Metadata, head.LastModified)

	got, out, err := getObject(ctx, client, bucket, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("get %s: body differs", key)
	}
	check("get", out.ContentLength, out.ETag, out.ContentType, out.CacheControl, out.ContentDisposition,
		out.ContentEncoding, out.ContentLanguage, out.ExpiresString, out.Metadata, out.LastModified)

	// Response header overrides of GetObject.
	over, err := client.GetObject(ctx, &s3.GetObjectInput{
		Bucket:               aws.String(bucket),
		Key:                  aws.String(key),
		ResponseContentType:  aws.String("application/x-override"),
		ResponseCacheControl: aws.String("no-store"),
	})
	if err != nil {
		t.Fatalf("get %s with response-content-type: %v", key, err)
	}
	over.Body.Close()
	if aws.ToString(over.ContentType) != "application/x-override" || aws.ToString(over.CacheControl) != "no-store" {
		t.Errorf("get %s with response overrides: Content-Type %q, Cache-Control %q", key,
			aws.ToString(over.ContentType), aws.ToString(over.CacheControl))
	}

	// An object put without a Content-Type reads back with a default one.
	if _, err := putObject(ctx, client, bucket, "meta/no-type", data[:10]); err != nil {
		t.Fatalf("put meta/no-type: %v", err)
	}
	head, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("meta/no-type")})
	if err != nil {
		t.Fatalf("head meta/no-type: %v", err)
	}
	if aws.ToString(head.ContentType) == "" {
		t.Errorf("head meta/no-type: no Content-Type, want a default such as binary/octet-stream")
	}
}

func sdkRanges(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	type rangeCase struct {
		rng        string
		start, end int // inclusive
	}
	objects := []struct {
		key   string
		size  int
		cases func(n int) []rangeCase
	}{
		{"ranges/small", 4096, func(n int) []rangeCase {
			return []rangeCase{
				{"bytes=0-9", 0, 9},
				{"bytes=10-20", 10, 20},
				{"bytes=-100", n - 100, n - 1},
				{"bytes=100-", 100, n - 1},
				{"bytes=4000-99999", 4000, n - 1},
			}
		}},
		{"ranges/large", 3<<20 + 12345, func(n int) []rangeCase {
			return []rangeCase{
				{"bytes=0-0", 0, 0},
				{"bytes=0-9", 0, 9},
				{"bytes=1000000-2100000", 1000000, 2100000},
				{"bytes=1048570-1048585", 1048570, 1048585},
				{"bytes=-100", n - 100, n - 1},
				{"bytes=100-", 100, n - 1},
				{fmt.Sprintf("bytes=%d-", n-1), n - 1, n - 1},
				{"bytes=-" + fmt.Sprint(n+10), 0, n - 1},
			}
		}},
	}
	for i, obj := range objects {
		data := randomBytes(uint64(400+i), obj.size)
		if _, err := putObject(ctx, client, bucket, obj.key, data); err != nil {
			t.Fatalf("put %s: %v", obj.key, err)
		}
		n := len(data)
		for _, c := range obj.cases(n) {
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(obj.key), Range: aws.String(c.rng)})
			if err != nil {
				t.Errorf("get %s %s: %v", obj.key, c.rng, err)
				continue
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				t.Errorf("get %s %s: read: %v", obj.key, c.rng, err)
				continue
			}
			want := data[c.start : c.end+1]
			if !bytes.Equal(got, want) {
				t.Errorf("get %s %s: %d bytes, want %d bytes [%d, %d]", obj.key, c.rng, len(got), len(want), c.start, c.end)
			}
			if got, want := aws.ToString(out.ContentRange), fmt.Sprintf("bytes %d-%d/%d", c.start, c.end, n); got != want {
				t.Errorf("get %s %s: Content-Range %q, want %q", obj.key, c.rng, got, want)
			}
			if aws.ToInt64(out.ContentLength) != int64(len(want)) {
				t.Errorf("get %s %s: Content-Length %d, want %d", obj.key, c.rng, aws.ToInt64(out.ContentLength), len(want))
			}
		}
		_, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(obj.key), Range: aws.String(fmt.Sprintf("bytes=%d-", n))})
		expectErrorCode(t, fmt.Sprintf("get %s range starting at its size", obj.key), err, "InvalidRange")
	}
}

func sdkConditionals(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	const key = "cond/object"
	data := randomBytes(500, 10000)
	put, err := putObject(ctx, client, bucket, key, data)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	etag := aws.ToString(put.ETag)
	get := func(in *s3.GetObjectInput) error {
		in.Bucket, in.Key = aws.String(bucket), aws.String(key)
		out, err := client.GetObject(ctx, in)
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := get(&s3.GetObjectInput{IfNoneMatch: aws.String(etag)}); httpStatus(err) != http.StatusNotModified {
		t.Errorf("get If-None-Match: current ETag: got %v (HTTP %d), want 304 Not Modified", err, httpStatus(err))
	}
	if err := get(&s3.GetObjectInput{IfNoneMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}); err != nil {
		t.Errorf("get If-None-Match: other ETag: %v", err)
	}
	if err := get(&s3.GetObjectInput{IfMatch: aws.String(etag)}); err != nil {
		t.Errorf("get If-Match: current ETag: %v", err)
	}
	err = get(&s3.GetObjectInput{IfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)})
	expectErrorCode(t, "get If-Match: wrong ETag", err, "PreconditionFailed")
	if httpStatus(err) != http.StatusPreconditionFailed {
		t.Errorf("get If-Match: wrong ETag: HTTP %d, want 412", httpStatus(err))
	}
	err = get(&s3.GetObjectInput{IfUnmodifiedSince: aws.Time(time.Now().Add(-24 * time.Hour))})
	if httpStatus(err) != http.StatusPreconditionFailed {
		t.Errorf("get If-Unmodified-Since yesterday: got %v (HTTP %d), want 412", err, httpStatus(err))
	}
	err = get(&s3.GetObjectInput{IfModifiedSince: aws.Time(time.Now().Add(24 * time.Hour))})
	if httpStatus(err) != http.StatusNotModified {
		t.Errorf("get If-Modified-Since tomorrow: got %v (HTTP %d), want 304", err, httpStatus(err))
	}
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), IfNoneMatch: aws.String(etag)})
	if httpStatus(err) != http.StatusNotModified {
		t.Errorf("head If-None-Match: current ETag: got %v (HTTP %d), want 304", err, httpStatus(err))
	}
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), IfMatch: aws.String(`"nope"`)})
	if httpStatus(err) != http.StatusPreconditionFailed {
		t.Errorf("head If-Match: wrong ETag: got %v (HTTP %d), want 412", err, httpStatus(err))
	}
	// Conditional write: If-None-Match: * refuses to overwrite.
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte("other")), IfNoneMatch: aws.String("*"),
	})
	expectErrorCode(t, "put If-None-Match: * over an existing key", err, "PreconditionFailed")
	checkObject(ctx, t, client, bucket, key, data)
}

// copySource is the x-amz-copy-source value for bucket/key, escaped.
func copySource(bucket, key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return bucket + "/" + strings.Join(parts, "/")
}

func sdkCopy(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	const src = "copy/source object ü"
	data := randomBytes(600, 3<<20+7)
	_, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(src),
		Body:        bytes.NewReader(data),
		ContentType: aws.String("text/plain"),
		Metadata:    map[string]string{"origin": "source"},
	})
	if err != nil {
		t.Fatalf("put %s: %v", src, err)
	}

	head := func(key string) *s3.HeadObjectOutput {
		t.Helper()
		h, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("head %s: %v", key, err)
		}
		return h
	}

	// COPY (the default) keeps the metadata.
	out, err := client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     aws.String(bucket),
		Key:        aws.String("copy/dst-copy"),
		CopySource: aws.String(copySource(bucket, src)),
	})
	if err != nil {
		t.Fatalf("copy (COPY): %v", err)
	}
	if out.CopyObjectResult == nil || aws.ToString(out.CopyObjectResult.ETag) != etagOf(data) {
		t.Errorf("copy (COPY): result %+v, want ETag %s", out.CopyObjectResult, etagOf(data))
	}
	checkObject(ctx, t, client, bucket, "copy/dst-copy", data)
	h := head("copy/dst-copy")
	if aws.ToString(h.ContentType) != "text/plain" || h.Metadata["origin"] != "source" {
		t.Errorf("copy (COPY): Content-Type %q metadata %q, want text/plain and origin=source", aws.ToString(h.ContentType), h.Metadata)
	}

	// REPLACE takes the metadata of the request.
	_, err = client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:            aws.String(bucket),
		Key:               aws.String("copy/dst-replace"),
		CopySource:        aws.String(copySource(bucket, src)),
		MetadataDirective: types.MetadataDirectiveReplace,
		ContentType:       aws.String("application/json"),
		Metadata:          map[string]string{"origin": "replaced", "extra": "1"},
	})
	if err != nil {
		t.Fatalf("copy (REPLACE): %v", err)
	}
	checkObject(ctx, t, client, bucket, "copy/dst-replace", data)
	h = head("copy/dst-replace")
	if aws.ToString(h.ContentType) != "application/json" || h.Metadata["origin"] != "replaced" || h.Metadata["extra"] != "1" || len(h.Metadata) != 2 {
		t.Errorf("copy (REPLACE): Content-Type %q metadata %q, want application/json and origin=replaced extra=1", aws.ToString(h.ContentType), h.Metadata)
	}

	// Copying an object onto itself is how users change metadata.
	_, err = client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:            aws.String(bucket),
		Key:               aws.String(src),
		CopySource:        aws.String(copySource(bucket, src)),
		MetadataDirective: types.MetadataDirectiveReplace,
		Metadata:          map[string]string{"origin": "self"},
	})
	if err != nil {
		t.Fatalf("copy onto itself (REPLACE): %v", err)
	}
	checkObject(ctx, t, client, bucket, src, data)
	if h := head(src); h.Metadata["origin"] != "self" {
		t.Errorf("copy onto itself: metadata %q, want origin=self", h.Metadata)
	}
	_, err = client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     aws.String(bucket),
		Key:        aws.String(src),
		CopySource: aws.String(copySource(bucket, src)),
	})
	expectErrorCode(t, "copy onto itself without changes", err, "InvalidRequest")

	_, err = client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     aws.String(bucket),
		Key:        aws.String("copy/from-missing"),
		CopySource: aws.String(copySource(bucket, "copy/does-not-exist")),
	})
	expectErrorCode(t, "copy from a missing key", err, "NoSuchKey")
}

func sdkDelete(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	keys := []string{"del/a", "del/b", "del/c", "del/d"}
	for i, k := range keys {
		if _, err := putObject(ctx, client, bucket, k, randomBytes(uint64(700+i), 1000)); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("del/a")}); err != nil {
		t.Fatalf("delete del/a: %v", err)
	}
	_, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("del/a")})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("head of deleted del/a: got %v, want 404", err)
	}
	_, _, err = getObject(ctx, client, bucket, "del/a")
	expectErrorCode(t, "get of deleted del/a", err, "NoSuchKey")
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("del/never-existed")}); err != nil {
		t.Errorf("delete of a missing key: %v, want success (204)", err)
	}

	out, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(bucket),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{
			{Key: aws.String("del/b")}, {Key: aws.String("del/c")}, {Key: aws.String("del/missing")},
		}},
	})
	if err != nil {
		t.Fatalf("delete objects: %v", err)
	}
	var deleted []string
	for _, d := range out.Deleted {
		deleted = append(deleted, aws.ToString(d.Key))
	}
	slices.Sort(deleted)
	if want := []string{"del/b", "del/c", "del/missing"}; !slices.Equal(deleted, want) || len(out.Errors) != 0 {
		t.Errorf("delete objects: deleted %q errors %+v, want deleted %q and no errors", deleted, out.Errors, want)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("del/")})
	if err != nil {
		t.Fatalf("list del/: %v", err)
	}
	var left []string
	for _, o := range list.Contents {
		left = append(left, aws.ToString(o.Key))
	}
	if !slices.Equal(left, []string{"del/d"}) {
		t.Errorf("list del/ after deletes: %q, want [del/d]", left)
	}
}

const (
	listDirs        = 20
	listFilesPerDir = 100
)

func listKey(i int) string { return fmt.Sprintf("dir%02d/file%04d", i/listFilesPerDir, i) }

func sdkListV2(ctx context.Context, t *testing.T, client *s3.Client) {
	const bucket = "sdk-list"
	createBucket(ctx, t, client, bucket)
	total := listDirs * listFilesPerDir
	err := runParallel(total, 8, func(i int) error {
		_, err := putObject(ctx, client, bucket, listKey(i), []byte(listKey(i)))
		if err != nil {
			return fmt.Errorf("put %s: %w", listKey(i), err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fill %s: %v", bucket, err)
	}
	allKeys := make([]string, total)
	for i := range allKeys {
		allKeys[i] = listKey(i)
	}

	t.Run("FlatMaxKeys100", func(t *testing.T) {
		var got []string
		var token *string
		for page := 0; ; page++ {
			out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket: aws.String(bucket), MaxKeys: aws.Int32(100), ContinuationToken: token,
			})
			if err != nil {
				t.Fatalf("list page %d: %v", page, err)
			}
			if len(out.Contents) > 100 || aws.ToInt32(out.KeyCount) != int32(len(out.Contents)) {
				t.Errorf("page %d: %d keys, KeyCount %d, want at most 100 and equal", page, len(out.Contents), aws.ToInt32(out.KeyCount))
			}
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
				if aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) {
					t.Errorf("key %s: Size %d, want %d", aws.ToString(o.Key), aws.ToInt64(o.Size), len(aws.ToString(o.Key)))
				}
				if o.ETag == nil || o.LastModified == nil {
					t.Errorf("key %s: no ETag or LastModified", aws.ToString(o.Key))
				}
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if out.NextContinuationToken == nil {
				t.Fatalf("page %d: truncated without NextContinuationToken", page)
			}
			if page > total/100+2 {
				t.Fatalf("listing does not end after %d pages", page)
			}
			token = out.NextContinuationToken
		}
		compareKeyLists(t, "flat listing", got, allKeys)
	})

	t.Run("Delimiter", func(t *testing.T) {
		var prefixes []string
		var token *string
		for page := 0; ; page++ {
			out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket: aws.String(bucket), Delimiter: aws.String("/"), MaxKeys: aws.Int32(7), ContinuationToken: token,
			})
			if err != nil {
				t.Fatalf("list page %d: %v", page, err)
			}
			if len(out.Contents) != 0 {
				t.Errorf("page %d: %d keys at the top level, want none", page, len(out.Contents))
			}
			for _, p := range out.CommonPrefixes {
				prefixes = append(prefixes, aws.ToString(p.Prefix))
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if page > listDirs {
				t.Fatalf("listing does not end after %d pages", page)
			}
			token = out.NextContinuationToken
		}
		var want []string
		for d := 0; d < listDirs; d++ {
			want = append(want, fmt.Sprintf("dir%02d/", d))
		}
		compareKeyLists(t, "common prefixes", prefixes, want)
	})

	t.Run("PrefixDelimiterPaginator", func(t *testing.T) {
		var got []string
		pages := 0
		p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{
			Bucket: aws.String(bucket), Prefix: aws.String("dir05/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(100),
		})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("list dir05/: %v", err)
			}
			pages++
			if len(out.CommonPrefixes) != 0 {
				t.Errorf("list dir05/: common prefixes %v, want none", out.CommonPrefixes)
			}
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
			}
		}
		compareKeyLists(t, "dir05/", got, allKeys[500:600])
		if pages != 1 {
			t.Errorf("list dir05/ (exactly 100 keys, MaxKeys 100): %d pages, want 1 (IsTruncated false on the only page)", pages)
		}
	})

	t.Run("StartAfter", func(t *testing.T) {
		out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String(bucket), StartAfter: aws.String("dir10/file1049"), MaxKeys: aws.Int32(3),
		})
		if err != nil {
			t.Fatalf("list start-after: %v", err)
		}
		var got []string
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		compareKeyLists(t, "start-after dir10/file1049", got, allKeys[1050:1053])
	})

	t.Run("ListObjectsV1Marker", func(t *testing.T) {
		// Without a delimiter S3 sends no NextMarker: the last key is the marker.
		var got []string
		var marker *string
		for page := 0; ; page++ {
			out, err := client.ListObjects(ctx, &s3.ListObjectsInput{
				Bucket: aws.String(bucket), MaxKeys: aws.Int32(250), Marker: marker,
			})
			if err != nil {
				t.Fatalf("list v1 page %d: %v", page, err)
			}
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
			}
			if !aws.ToBool(out.IsTruncated) || len(out.Contents) == 0 {
				break
			}
			if page > total/250+2 {
				t.Fatalf("v1 listing does not end after %d pages", page)
			}
			marker = out.Contents[len(out.Contents)-1].Key
		}
		compareKeyLists(t, "v1 flat listing", got, allKeys)

		// With a delimiter, NextMarker leads through the common prefixes.
		var prefixes []string
		marker = nil
		for page := 0; ; page++ {
			out, err := client.ListObjects(ctx, &s3.ListObjectsInput{
				Bucket: aws.String(bucket), Delimiter: aws.String("/"), MaxKeys: aws.Int32(6), Marker: marker,
			})
			if err != nil {
				t.Fatalf("list v1 delimiter page %d: %v", page, err)
			}
			for _, p := range out.CommonPrefixes {
				prefixes = append(prefixes, aws.ToString(p.Prefix))
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if out.NextMarker == nil {
				t.Fatalf("list v1 delimiter page %d: truncated without NextMarker", page)
			}
			if page > listDirs {
				t.Fatalf("v1 delimiter listing does not end after %d pages", page)
			}
			marker = out.NextMarker
		}
		var want []string
		for d := 0; d < listDirs; d++ {
			want = append(want, fmt.Sprintf("dir%02d/", d))
		}
		compareKeyLists(t, "v1 common prefixes", prefixes, want)

		out, err := client.ListObjects(ctx, &s3.ListObjectsInput{
			Bucket: aws.String(bucket), Marker: aws.String("dir19/file1997"),
		})
		if err != nil {
			t.Fatalf("list v1 marker near the end: %v", err)
		}
		var tail []string
		for _, o := range out.Contents {
			tail = append(tail, aws.ToString(o.Key))
		}
		compareKeyLists(t, "v1 marker dir19/file1997", tail, allKeys[1998:])
	})
}

// compareKeyLists fails the test unless got is want: complete, in order,
// without duplicates.
func compareKeyLists(t testing.TB, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	seen := map[string]int{}
	var dups []string
	for _, k := range got {
		seen[k]++
		if seen[k] == 2 {
			dups = append(dups, k)
		}
	}
	var missing []string
	for _, k := range want {
		if seen[k] == 0 {
			missing = append(missing, k)
		}
	}
	sorted := slices.IsSorted(got)
	t.Errorf("%s: %d keys, want %d; sorted %v; duplicates %d %q; missing %d %q",
		what, len(got), len(want), sorted, len(dups), first(dups, 5), len(missing), first(missing, 5))
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func sdkUploadManager(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	const key = "mpu/manager-40MiB"
	const partSize = 5 << 20
	data := randomBytes(800, 40<<20)
	up := manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = partSize })
	out, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("upload %s: %v", key, err)
	}
	if got, want := aws.ToString(out.ETag), multipartETagOf(data, partSize); got != want {
		t.Errorf("upload %s: ETag %s, want %s", key, got, want)
	}
	got, get, err := getObject(ctx, client, bucket, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Errorf("get %s: %d bytes with another sha256, want the %d uploaded", key, len(got), len(data))
	}
	if got, want := aws.ToString(get.ETag), multipartETagOf(data, partSize); got != want {
		t.Errorf("get %s: ETag %s, want %s", key, got, want)
	}
	rng, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Range: aws.String("bytes=5242870-5242889")})
	if err != nil {
		t.Fatalf("get %s across the first part boundary: %v", key, err)
	}
	part, _ := io.ReadAll(rng.Body)
	rng.Body.Close()
	if !bytes.Equal(part, data[5242870:5242890]) {
		t.Errorf("get %s bytes=5242870-5242889: wrong bytes", key)
	}

	// The manager downloads in ranged parts, in parallel.
	dl := manager.NewDownloader(client, func(d *manager.Downloader) { d.PartSize = 4 << 20 })
	buf := manager.NewWriteAtBuffer(make([]byte, 0, len(data)))
	n, err := dl.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("download %s: %v", key, err)
	}
	if n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("download %s: %d bytes, differ from the upload", key, n)
	}
}

func sdkMultipartAPI(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	const key = "mpu/raw"
	sizes := []int{5 << 20, 5 << 20, 1<<20 + 7}
	var parts [][]byte
	for i, s := range sizes {
		parts = append(parts, randomBytes(uint64(900+i), s))
	}
	whole := bytes.Join(parts, nil)

	create, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ContentType: aws.String("application/x-parts"),
		Metadata: map[string]string{"kind": "multipart"},
	})
	if err != nil {
		t.Fatalf("create multipart upload: %v", err)
	}
	uploadID := create.UploadId
	var completed []types.CompletedPart
	for i, p := range parts {
		out, err := client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: uploadID,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p),
		})
		if err != nil {
			t.Fatalf("upload part %d: %v", i+1, err)
		}
		if aws.ToString(out.ETag) != etagOf(p) {
			t.Errorf("upload part %d: ETag %s, want %s", i+1, aws.ToString(out.ETag), etagOf(p))
		}
		completed = append(completed, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}

	lp, err := client.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: uploadID})
	if err != nil {
		t.Fatalf("list parts: %v", err)
	}
	if len(lp.Parts) != len(parts) {
		t.Errorf("list parts: %d parts, want %d", len(lp.Parts), len(parts))
	}
	for i, p := range lp.Parts {
		if i >= len(parts) {
			break
		}
		if aws.ToInt32(p.PartNumber) != int32(i+1) || aws.ToInt64(p.Size) != int64(len(parts[i])) || aws.ToString(p.ETag) != etagOf(parts[i]) {
			t.Errorf("list parts: part %d = number %d size %d ETag %s, want number %d size %d ETag %s", i,
				aws.ToInt32(p.PartNumber), aws.ToInt64(p.Size), aws.ToString(p.ETag), i+1, len(parts[i]), etagOf(parts[i]))
		}
	}
	lp2, err := client.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: uploadID, MaxParts: aws.Int32(2)})
	if err != nil {
		t.Fatalf("list parts max 2: %v", err)
	}
	if len(lp2.Parts) != 2 || !aws.ToBool(lp2.IsTruncated) || aws.ToString(lp2.NextPartNumberMarker) != "2" {
		t.Errorf("list parts max 2: %d parts, truncated %v, next marker %q; want 2, true, \"2\"",
			len(lp2.Parts), aws.ToBool(lp2.IsTruncated), aws.ToString(lp2.NextPartNumberMarker))
	}

	if !listsUpload(ctx, t, client, bucket, key, aws.ToString(uploadID)) {
		t.Errorf("list multipart uploads: upload %s of %s not listed", aws.ToString(uploadID), key)
	}

	// Parts out of order and unknown ETags are refused.
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{completed[1], completed[0], completed[2]}},
	})
	expectErrorCode(t, "complete with parts out of order", err, "InvalidPartOrder")
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			completed[0], {ETag: aws.String(`"00000000000000000000000000000000"`), PartNumber: aws.Int32(2)}, completed[2],
		}},
	})
	expectErrorCode(t, "complete with a wrong part ETag", err, "InvalidPart")

	done, err := client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		t.Fatalf("complete multipart upload: %v", err)
	}
	wantETag := multipartETagOf(whole, 5<<20)
	if aws.ToString(done.ETag) != wantETag {
		t.Errorf("complete: ETag %s, want %s", aws.ToString(done.ETag), wantETag)
	}
	got, out, err := getObject(ctx, client, bucket, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if !bytes.Equal(got, whole) {
		t.Errorf("get %s: %d bytes, differ from the %d uploaded", key, len(got), len(whole))
	}
	if aws.ToString(out.ContentType) != "application/x-parts" || out.Metadata["kind"] != "multipart" {
		t.Errorf("get %s: Content-Type %q metadata %q, want those given at create", key, aws.ToString(out.ContentType), out.Metadata)
	}
	if listsUpload(ctx, t, client, bucket, key, aws.ToString(uploadID)) {
		t.Errorf("list multipart uploads: completed upload still listed")
	}

	// A part other than the last under 5 MiB makes the upload too small.
	small, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mpu/small")})
	if err != nil {
		t.Fatalf("create multipart upload mpu/small: %v", err)
	}
	var smallParts []types.CompletedPart
	for i := 0; i < 2; i++ {
		out, err := client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String("mpu/small"), UploadId: small.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(randomBytes(uint64(950+i), 1<<20)),
		})
		if err != nil {
			t.Fatalf("upload small part %d: %v", i+1, err)
		}
		smallParts = append(smallParts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String("mpu/small"), UploadId: small.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: smallParts},
	})
	expectErrorCode(t, "complete with a 1 MiB first part", err, "EntityTooSmall")

	if _, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String("mpu/small"), UploadId: small.UploadId,
	}); err != nil {
		t.Fatalf("abort mpu/small: %v", err)
	}
	if listsUpload(ctx, t, client, bucket, "mpu/small", aws.ToString(small.UploadId)) {
		t.Errorf("list multipart uploads: aborted upload still listed")
	}
	_, err = client.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String("mpu/small"), UploadId: small.UploadId})
	expectErrorCode(t, "list parts of an aborted upload", err, "NoSuchUpload")
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("mpu/small")})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("head mpu/small after abort: %v, want 404", err)
	}
	_, err = client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(bucket), Key: aws.String("mpu/small"), UploadId: aws.String("no-such-upload-id"),
		PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("x")),
	})
	expectErrorCode(t, "upload part to an unknown upload ID", err, "NoSuchUpload")
}

// listsUpload reports whether ListMultipartUploads shows uploadID for key.
func listsUpload(ctx context.Context, t testing.TB, client *s3.Client, bucket, key, uploadID string) bool {
	t.Helper()
	out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)})
	if err != nil {
		t.Fatalf("list multipart uploads: %v", err)
	}
	for _, u := range out.Uploads {
		if aws.ToString(u.Key) == key && aws.ToString(u.UploadId) == uploadID {
			return true
		}
	}
	return false
}

func sdkChecksums(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	for i, size := range []int{4 << 10, 3 << 20} {
		data := randomBytes(uint64(1000+i), size)

		// Default settings: the SDK sends CRC32 on its own.
		key := fmt.Sprintf("sum/crc32-%d", size)
		put, err := putObject(ctx, client, bucket, key, data)
		if err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		want := crc32Of(data)
		if got := aws.ToString(put.ChecksumCRC32); got != want {
			t.Errorf("put %s: response x-amz-checksum-crc32 %q, want %q", key, got, want)
		}
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("get %s with checksum mode: %v", key, err)
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Errorf("get %s with checksum mode: read: %v", key, err)
		}
		if !bytes.Equal(body, data) {
			t.Errorf("get %s with checksum mode: body differs", key)
		}
		if got := aws.ToString(out.ChecksumCRC32); got != want {
			t.Errorf("get %s with checksum mode: x-amz-checksum-crc32 %q, want %q", key, got, want)
		}
		head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("head %s with checksum mode: %v", key, err)
		}
		if got := aws.ToString(head.ChecksumCRC32); got != want {
			t.Errorf("head %s with checksum mode: x-amz-checksum-crc32 %q, want %q", key, got, want)
		}

		// Other algorithms chosen by the client.
		crcC := crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
		crcCBytes := []byte{byte(crcC >> 24), byte(crcC >> 16), byte(crcC >> 8), byte(crcC)}
		shaSum := sha256.Sum256(data)
		for _, alg := range []struct {
			alg  types.ChecksumAlgorithm
			want string
			got  func(*s3.GetObjectOutput) *string
		}{
			{types.ChecksumAlgorithmCrc32c, base64.StdEncoding.EncodeToString(crcCBytes), func(o *s3.GetObjectOutput) *string { return o.ChecksumCRC32C }},
			{types.ChecksumAlgorithmSha256, base64.StdEncoding.EncodeToString(shaSum[:]), func(o *s3.GetObjectOutput) *string { return o.ChecksumSHA256 }},
		} {
			key := fmt.Sprintf("sum/%s-%d", alg.alg, size)
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data), ChecksumAlgorithm: alg.alg,
			}); err != nil {
				t.Errorf("put %s: %v", key, err)
				continue
			}
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Errorf("get %s with checksum mode: %v", key, err)
				continue
			}
			body, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(body, data) {
				t.Errorf("get %s with checksum mode: body differs (err %v)", key, err)
			}
			if got := aws.ToString(alg.got(out)); got != alg.want {
				t.Errorf("get %s with checksum mode: %s checksum %q, want %q", key, alg.alg, got, alg.want)
			}
		}
	}
}

func sdkPresigned(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	presign := s3.NewPresignClient(client)
	hc := httpClient()
	const key = "presigned/object"
	data := randomBytes(1100, 200<<10)

	put, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)},
		s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatalf("presign put: %v", err)
	}
	req, err := http.NewRequest(put.Method, put.URL, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("presigned put request: %v", err)
	}
	for k, vs := range put.SignedHeader {
		if strings.EqualFold(k, "Host") {
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("presigned put: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned put: HTTP %d %s (URL %s)", resp.StatusCode, body, put.URL)
	}
	checkObject(ctx, t, client, bucket, key, data)

	get, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)},
		s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatalf("presign get: %v", err)
	}
	resp, err = hc.Get(get.URL)
	if err != nil {
		t.Fatalf("presigned get: %v", err)
	}
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned get: HTTP %d, err %v, body %.300q", resp.StatusCode, err, body)
	}
	if !bytes.Equal(body, data) {
		t.Errorf("presigned get: %d bytes differ from the %d put", len(body), len(data))
	}

	// A presigned URL with one byte of its signature changed is refused.
	u, _ := url.Parse(get.URL)
	q := u.Query()
	sig := []byte(q.Get("X-Amz-Signature"))
	if len(sig) > 0 {
		if sig[0] == '0' { // another hex digit
			sig[0] = '1'
		} else {
			sig[0] = '0'
		}
		q.Set("X-Amz-Signature", string(sig))
		u.RawQuery = q.Encode()
		resp, err = hc.Get(u.String())
		if err != nil {
			t.Fatalf("tampered presigned get: %v", err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("SignatureDoesNotMatch")) {
			t.Errorf("tampered presigned get: HTTP %d %.300q, want 403 SignatureDoesNotMatch", resp.StatusCode, body)
		}
	}
}

func sdkWrongCredentials(ctx context.Context, t *testing.T, endpoint, bucket string) {
	wrong := newS3Client(t, endpoint, rootSecretKey+"x")
	_, err := wrong.ListBuckets(ctx, &s3.ListBucketsInput{})
	expectErrorCode(t, "list buckets with a wrong secret", err, "SignatureDoesNotMatch")
	_, err = putObject(ctx, wrong, bucket, "wrong-secret/object", []byte("must not be stored"))
	expectErrorCode(t, "put with a wrong secret", err, "SignatureDoesNotMatch")
	_, _, err = getObject(ctx, wrong, bucket, "sizes/object-1")
	expectErrorCode(t, "get with a wrong secret", err, "SignatureDoesNotMatch")

	right := newS3Client(t, endpoint, rootSecretKey)
	_, err = right.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("wrong-secret/object")})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("head of the object put with a wrong secret: %v, want 404", err)
	}

	_, err = right.ListBuckets(ctx, &s3.ListBucketsInput{}, func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWNUNKNOWN00", rootSecretKey, "")
	})
	expectErrorCode(t, "list buckets with an unknown access key", err, "InvalidAccessKeyId")
}

func sdkErrorCodes(ctx context.Context, t *testing.T, client *s3.Client, bucket string) {
	_, _, err := getObject(ctx, client, bucket, "errors/no-such-key")
	expectErrorCode(t, "get a missing key", err, "NoSuchKey")
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("get a missing key: HTTP %d, want 404", httpStatus(err))
	}
	_, _, err = getObject(ctx, client, "no-such-bucket-zones3", "key")
	expectErrorCode(t, "get from a missing bucket", err, "NoSuchBucket")
	_, err = client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("no-such-bucket-zones3")})
	expectErrorCode(t, "list a missing bucket", err, "NoSuchBucket")
	_, err = putObject(ctx, client, "no-such-bucket-zones3", "key", []byte("x"))
	expectErrorCode(t, "put into a missing bucket", err, "NoSuchBucket")
	_, err = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("no-such-bucket-zones3")})
	expectErrorCode(t, "delete a missing bucket", err, "NoSuchBucket")
	_, err = client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("no-such-bucket-zones3")})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("head a missing bucket: %v, want 404", err)
	}

	_, err = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	expectErrorCode(t, "delete a bucket with objects", err, "BucketNotEmpty")
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	expectErrorCode(t, "create an existing bucket", err, "BucketAlreadyOwnedByYou")
	for _, name := range []string{"Invalid_Bucket_Name", "ab", "bucket..name", "-leading-dash", "192.168.1.1"} {
		_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		expectErrorCode(t, fmt.Sprintf("create bucket %q", name), err, "InvalidBucketName")
	}

	// An empty bucket comes and goes.
	const empty = "sdk-empty-bucket"
	createBucket(ctx, t, client, empty)
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(empty)}); err != nil {
		t.Errorf("head %s: %v", empty, err)
	}
	lb, err := client.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("list buckets: %v", err)
	}
	var names []string
	for _, b := range lb.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	for _, want := range []string{bucket, empty, "sdk-list"} {
		if !slices.Contains(names, want) {
			t.Errorf("list buckets: %q lacks %s", names, want)
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(empty)}); err != nil {
		t.Errorf("delete empty bucket %s: %v", empty, err)
	}
	_, err = client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(empty)})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("head %s after delete: %v, want 404", empty, err)
	}
}
