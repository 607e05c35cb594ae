package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestPartNumberReads reads a multipart object part by part, as the SDKs'
// transfer managers download one (GET ?partNumber=N with If-Match), from
// a cluster of three node processes and a gateway: each part's bytes,
// Content-Range, parts count, ETag and checksum; the errors S3 answers;
// an older version's parts; and the aws CLI's get-object --part-number.
func TestPartNumberReads(t *testing.T) {
	c := startCluster(t)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket, key = "part-reads", "parts/object"
	createBucket(ctx, t, client, bucket)

	parts := [][]byte{randomBytes(1201, 5<<20), randomBytes(1202, 5<<20), randomBytes(1203, 3<<20)}
	whole := bytes.Join(parts, nil)
	etag, _ := uploadInParts(ctx, t, client, bucket, key, parts)
	if etag != multipartETagOf(whole, 5<<20) {
		t.Fatalf("complete: ETag %s, want %s", etag, multipartETagOf(whole, 5<<20))
	}

	var off int
	for i, want := range parts {
		n := int32(i + 1)
		wantRange := fmt.Sprintf("bytes %d-%d/%d", off, off+len(want)-1, len(whole))
		off += len(want)
		// With checksum mode the SDK checks the body against the part's
		// CRC32 as it reads it.
		out, err := client.GetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(n), ChecksumMode: types.ChecksumModeEnabled,
		})
		if err != nil {
			t.Fatalf("get part %d: %v", n, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatalf("get part %d: body: %v", n, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("get part %d: %d bytes that differ from the %d of the part", n, len(got), len(want))
		}
		if aws.ToString(out.ContentRange) != wantRange || aws.ToInt64(out.ContentLength) != int64(len(want)) ||
			aws.ToInt32(out.PartsCount) != 3 || aws.ToString(out.ETag) != etag {
			t.Errorf("get part %d: Content-Range %q Content-Length %d PartsCount %d ETag %s, want %q %d 3 %s", n,
				aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength), aws.ToInt32(out.PartsCount), aws.ToString(out.ETag),
				wantRange, len(want), etag)
		}
		if aws.ToString(out.ChecksumCRC32) != crc32Of(want) || out.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("get part %d: CRC32 %q type %q, want the part's %q COMPOSITE", n, aws.ToString(out.ChecksumCRC32), out.ChecksumType, crc32Of(want))
		}

		head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(n)})
		if err != nil {
			t.Fatalf("head part %d: %v", n, err)
		}
		if aws.ToString(head.ContentRange) != wantRange || aws.ToInt64(head.ContentLength) != int64(len(want)) ||
			aws.ToInt32(head.PartsCount) != 3 || aws.ToString(head.ETag) != etag {
			t.Errorf("head part %d: Content-Range %q Content-Length %d PartsCount %d ETag %s, want %q %d 3 %s", n,
				aws.ToString(head.ContentRange), aws.ToInt64(head.ContentLength), aws.ToInt32(head.PartsCount), aws.ToString(head.ETag),
				wantRange, len(want), etag)
		}
	}

	_, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(4)})
	expectErrorCode(t, "get part 4 of 3", err, "InvalidPartNumber")
	if httpStatus(err) != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("get part 4 of 3: HTTP %d, want 416", httpStatus(err))
	}
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(4)})
	if httpStatus(err) != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("head part 4 of 3: %v, want HTTP 416", err)
	}
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(2), Range: aws.String("bytes=0-9")})
	expectErrorCode(t, "get part 2 with a Range", err, "InvalidRequest")
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(2), IfMatch: aws.String(`"0123"`)})
	expectErrorCode(t, "get part 2 with a failing If-Match", err, "PreconditionFailed")

	// A transfer manager's download: every part at once, each bound to the
	// ETag by If-Match, written at its offset.
	assembled := make([]byte, len(whole))
	offsets := []int{0, len(parts[0]), len(parts[0]) + len(parts[1])}
	err = runParallel(len(parts), len(parts), func(i int) error {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(int32(i + 1)), IfMatch: aws.String(etag),
		})
		if err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
		defer out.Body.Close()
		_, err = io.ReadFull(out.Body, assembled[offsets[i]:offsets[i]+int(aws.ToInt64(out.ContentLength))])
		return err
	})
	if err != nil || !bytes.Equal(assembled, whole) {
		t.Errorf("parallel part download: %v; bytes equal: %v", err, bytes.Equal(assembled, whole))
	}

	// With versioning, the parts of the version asked for.
	if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("enable versioning: %v", err)
	}
	vkey := "parts/versioned"
	vparts := [][]byte{randomBytes(1211, 5<<20), randomBytes(1212, 1<<20+5)}
	_, oldVersion := uploadInParts(ctx, t, client, bucket, vkey, vparts)
	if oldVersion == "" {
		t.Fatalf("complete in a bucket with versioning: no version ID")
	}
	if _, err := putObject(ctx, client, bucket, vkey, []byte("a newer single-part version")); err != nil {
		t.Fatalf("put over %s: %v", vkey, err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(vkey), VersionId: aws.String(oldVersion), PartNumber: aws.Int32(2)})
	if err != nil {
		t.Fatalf("get part 2 of the older version: %v", err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, vparts[1]) || aws.ToInt32(out.PartsCount) != 2 || aws.ToString(out.VersionId) != oldVersion {
		t.Errorf("get part 2 of the older version: %d bytes (equal: %v), PartsCount %d, version %s", len(got), bytes.Equal(got, vparts[1]),
			aws.ToInt32(out.PartsCount), aws.ToString(out.VersionId))
	}
	// The current version, from one PUT, is its own part 1 and has no 2.
	cur, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(vkey), PartNumber: aws.Int32(1)})
	if err != nil || aws.ToInt64(cur.ContentLength) != 27 || cur.PartsCount != nil {
		t.Errorf("head part 1 of a single-part version: %v, PartsCount %v", err, cur)
	}
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(vkey), PartNumber: aws.Int32(2)})
	expectErrorCode(t, "get part 2 of a single-part version", err, "InvalidPartNumber")

	t.Run("CLI", func(t *testing.T) {
		cli := newAWSCLI(t, c.endpoint, false)
		outFile := filepath.Join(t.TempDir(), "part2")
		stdout := cli.mustRun(t, "s3api", "get-object", "--bucket", bucket, "--key", key, "--part-number", "2", outFile)
		var res struct {
			ContentLength int64
			ContentRange  string
			PartsCount    int
			ETag          string
		}
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("get-object output %q: %v", stdout, err)
		}
		wantRange := "bytes " + strconv.Itoa(len(parts[0])) + "-" + strconv.Itoa(len(parts[0])+len(parts[1])-1) + "/" + strconv.Itoa(len(whole))
		if res.ContentLength != int64(len(parts[1])) || res.ContentRange != wantRange || res.PartsCount != 3 || res.ETag != etag {
			t.Errorf("get-object --part-number 2: %+v, want length %d range %q parts 3 ETag %s", res, len(parts[1]), wantRange, etag)
		}
		got, err := os.ReadFile(outFile)
		if err != nil || !bytes.Equal(got, parts[1]) {
			t.Errorf("get-object --part-number 2 wrote %d bytes (%v), want the %d of part 2", len(got), err, len(parts[1]))
		}
		_, stderr, err := cli.run(t, "s3api", "head-object", "--bucket", bucket, "--key", key, "--part-number", "4")
		if err == nil || !bytes.Contains([]byte(stderr), []byte("416")) {
			t.Errorf("head-object --part-number 4: %v, stderr %q; want a 416 error", err, stderr)
		}
	})
}

// uploadInParts uploads data as a multipart object, one part per element,
// as a user of the SDK does (the SDK adds a CRC32 to each part), and
// returns the object's ETag and version ID.
func uploadInParts(ctx context.Context, t *testing.T, client *s3.Client, bucket, key string, parts [][]byte) (etag, versionID string) {
	t.Helper()
	create, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("create multipart upload of %s: %v", key, err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		n := aws.Int32(int32(i + 1))
		out, err := client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: create.UploadId, PartNumber: n, Body: bytes.NewReader(p),
		})
		if err != nil {
			t.Fatalf("upload part %d of %s: %v", i+1, key, err)
		}
		done = append(done, types.CompletedPart{PartNumber: n, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	out, err := client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		t.Fatalf("complete multipart upload of %s: %v", key, err)
	}
	return aws.ToString(out.ETag), aws.ToString(out.VersionId)
}
