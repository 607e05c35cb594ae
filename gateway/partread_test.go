package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/zones3/zones3/gateway/objectlayer"
)

// multipartInfo is the info of a multipart object with parts of sizes.
func multipartInfo(sizes ...int64) objectlayer.ObjectInfo {
	info := objectlayer.ObjectInfo{Bucket: "b", Key: "k", ETag: "abc-" + strconv.Itoa(len(sizes)), Parts: len(sizes)}
	for i, s := range sizes {
		info.Size += s
		info.PartList = append(info.PartList, objectlayer.ObjectPart{Number: i + 1, Size: s})
	}
	return info
}

func TestPartRange(t *testing.T) {
	single := objectlayer.ObjectInfo{Size: 10}
	three := multipartInfo(5, 7, 3)
	sparse := multipartInfo(5, 7)
	sparse.PartList[1].Number = 9 // uploaded as parts 1 and 9
	noSizes := multipartInfo(5, 7)
	noSizes.PartList = nil
	for _, tc := range []struct {
		name    string
		info    objectlayer.ObjectInfo
		part    int
		off, n  int64
		wantErr error
	}{
		{"single part 1", single, 1, 0, 10, nil},
		{"single part 2", single, 2, 0, 0, errInvalidPartNumber},
		{"empty single part 1", objectlayer.ObjectInfo{}, 1, 0, 0, nil},
		{"part 1", three, 1, 0, 5, nil},
		{"part 2", three, 2, 5, 7, nil},
		{"last part", three, 3, 12, 3, nil},
		{"past the last part", three, 4, 0, 0, errInvalidPartNumber},
		{"far past the last part", three, 10000, 0, 0, errInvalidPartNumber},
		{"second of parts 1 and 9", sparse, 2, 5, 7, nil},
		{"9 of parts 1 and 9", sparse, 9, 0, 0, errInvalidPartNumber},
		{"empty last part", multipartInfo(5, 0), 2, 5, 0, nil},
	} {
		off, n, err := partRange(tc.info, tc.part)
		if !errors.Is(err, tc.wantErr) || off != tc.off || n != tc.n {
			t.Errorf("%s: %d %d %v, want %d %d %v", tc.name, off, n, err, tc.off, tc.n, tc.wantErr)
		}
	}
	// Part sizes missing from the info is a fault, not the client's.
	if _, _, err := partRange(noSizes, 1); err == nil || errors.Is(err, errInvalidPartNumber) {
		t.Errorf("info without part sizes: %v, want an internal error", err)
	}
}

func TestPlanPartNumber(t *testing.T) {
	mod := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	three := multipartInfo(5, 7, 3)
	three.LastModified = mod
	for _, tc := range []struct {
		name    string
		info    objectlayer.ObjectInfo
		rr      readRequest
		status  int
		off, n  int64
		wantErr error
	}{
		{"part 2", three, readRequest{partNumber: 2}, 206, 5, 7, nil},
		{"part 1", three, readRequest{partNumber: 1}, 206, 0, 5, nil},
		{"single part 1", objectlayer.ObjectInfo{Size: 10}, readRequest{partNumber: 1}, 206, 0, 10, nil},
		{"empty object part 1", objectlayer.ObjectInfo{}, readRequest{partNumber: 1}, 200, 0, 0, nil},
		{"empty last part", multipartInfo(5, 0), readRequest{partNumber: 2}, 200, 0, 0, nil},
		{"part 4 of 3", three, readRequest{partNumber: 4}, 0, 0, 0, errInvalidPartNumber},
		{"If-Match holds", three, readRequest{partNumber: 3, conds: conditions{ifMatch: `"abc-3"`}}, 206, 12, 3, nil},
		// Conditions come first, as for a whole GET.
		{"If-Match fails", three, readRequest{partNumber: 2, conds: conditions{ifMatch: `"other"`}}, 0, 0, 0, errPreconditionFailed},
		{"If-None-Match matches", three, readRequest{partNumber: 2, conds: conditions{ifNoneMatch: `"abc-3"`}}, 0, 0, 0, errNotModified},
		{"precondition before part number", three, readRequest{partNumber: 9, conds: conditions{ifMatch: `"other"`}}, 0, 0, 0, errPreconditionFailed},
		{"If-Unmodified-Since fails", three, readRequest{partNumber: 1, conds: conditions{ifUnmodifiedSince: mod.Add(-time.Hour).Format(http.TimeFormat)}}, 0, 0, 0, errPreconditionFailed},
	} {
		p, err := tc.rr.plan(tc.info)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil && (p.status != tc.status || p.off != tc.off || p.n != tc.n) {
			t.Errorf("%s: status %d bytes %d+%d, want %d %d+%d", tc.name, p.status, p.off, p.n, tc.status, tc.off, tc.n)
		}
	}
}

func TestReadChecksums(t *testing.T) {
	composite := multipartInfo(5, 7, 3)
	composite.Checksums, composite.ChecksumType = map[string]string{"CRC32": "whole-3"}, "COMPOSITE"
	for i := range composite.PartList {
		composite.PartList[i].Checksums = map[string]string{"CRC32": fmt.Sprint("part", i+1), "SHA256": "other algorithm"}
	}
	full := multipartInfo(5, 7)
	full.Checksums, full.ChecksumType = map[string]string{"CRC64NVME": "whole"}, "FULL_OBJECT"
	full.PartList[0].Checksums = map[string]string{"CRC64NVME": "part1"}
	fullOne := multipartInfo(5)
	fullOne.Checksums, fullOne.ChecksumType = map[string]string{"CRC32C": "whole"}, "FULL_OBJECT"
	compositeOne := multipartInfo(5)
	compositeOne.Checksums, compositeOne.ChecksumType = map[string]string{"CRC32": "whole-1"}, "COMPOSITE"
	compositeOne.PartList[0].Checksums = map[string]string{"CRC32": "part1"}
	single := objectlayer.ObjectInfo{Size: 10, Checksums: map[string]string{"CRC32": "whole"}, ChecksumType: "FULL_OBJECT"}
	noSums := multipartInfo(5, 7)
	for _, tc := range []struct {
		name     string
		info     objectlayer.ObjectInfo
		status   int
		part     int
		want     string
		wantType string
	}{
		{"whole object", composite, 200, 0, "map[CRC32:whole-3]", "COMPOSITE"},
		{"range", composite, 206, 0, "map[]", ""},
		{"part 2 of a composite", composite, 206, 2, "map[CRC32:part2]", "COMPOSITE"},
		{"part 3 of a composite", composite, 206, 3, "map[CRC32:part3]", "COMPOSITE"},
		{"only part of a composite", compositeOne, 206, 1, "map[CRC32:part1]", "COMPOSITE"},
		{"part 1 of a full-object", full, 206, 1, "map[]", ""},
		{"only part of a full-object", fullOne, 206, 1, "map[CRC32C:whole]", "FULL_OBJECT"},
		{"part 1 of a single PUT", single, 206, 1, "map[CRC32:whole]", "FULL_OBJECT"},
		{"part of an object without checksums", noSums, 206, 1, "map[]", ""},
	} {
		p := readPlan{info: tc.info, status: tc.status}
		sums, typ := p.readChecksums(tc.part)
		if got := fmt.Sprint(sums); got != tc.want || (len(sums) > 0 && typ != tc.wantType) {
			t.Errorf("%s: %s %q, want %s %q", tc.name, got, typ, tc.want, tc.wantType)
		}
	}
}

// uploadParts completes a multipart upload of key with one part per
// element of parts, with CRC32 part checksums (COMPOSITE).
func (e *testEnv) uploadParts(bucket, key string, parts ...[]byte) *s3.CompleteMultipartUploadOutput {
	e.t.Helper()
	cr, err := e.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var done []s3types.CompletedPart
	for i, p := range parts {
		n := aws.Int32(int32(i + 1))
		up, err := e.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cr.UploadId, PartNumber: n,
			Body: bytes.NewReader(p), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			e.t.Fatalf("upload part %d: %v", i+1, err)
		}
		done = append(done, s3types.CompletedPart{PartNumber: n, ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32})
	}
	out, err := e.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cr.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestGetObjectPart(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("bkt")
	parts := [][]byte{bytes.Repeat([]byte{1}, 5<<20), bytes.Repeat([]byte{2}, 5<<20+1), []byte("the last part")}
	whole := bytes.Join(parts, nil)
	done := e.uploadParts("bkt", "mp", parts...)
	var off int64
	for i, want := range parts {
		n := aws.Int32(int32(i + 1))
		wantRange := fmt.Sprintf("bytes %d-%d/%d", off, off+int64(len(want))-1, len(whole))
		off += int64(len(want))
		out, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: n, ChecksumMode: s3types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("get part %d: %v", i+1, err)
		}
		got, err := io.ReadAll(out.Body) // the SDK checks the part's CRC32 as it reads
		out.Body.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("get part %d: %d bytes, %v; want the %d bytes of the part", i+1, len(got), err, len(want))
		}
		if aws.ToString(out.ContentRange) != wantRange || aws.ToInt64(out.ContentLength) != int64(len(want)) ||
			aws.ToInt32(out.PartsCount) != 3 || aws.ToString(out.ETag) != aws.ToString(done.ETag) {
			t.Errorf("get part %d: range %q length %d parts %d ETag %s, want %q %d 3 %s", i+1, aws.ToString(out.ContentRange),
				aws.ToInt64(out.ContentLength), aws.ToInt32(out.PartsCount), aws.ToString(out.ETag), wantRange, len(want), aws.ToString(done.ETag))
		}
		if aws.ToString(out.ChecksumCRC32) != crc32Base64(want) || out.ChecksumType != s3types.ChecksumTypeComposite {
			t.Errorf("get part %d: CRC32 %q type %q, want the part's %q COMPOSITE", i+1, aws.ToString(out.ChecksumCRC32), out.ChecksumType, crc32Base64(want))
		}
		hd, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: n})
		if err != nil {
			t.Fatalf("head part %d: %v", i+1, err)
		}
		if aws.ToString(hd.ContentRange) != wantRange || aws.ToInt64(hd.ContentLength) != int64(len(want)) || aws.ToInt32(hd.PartsCount) != 3 {
			t.Errorf("head part %d: range %q length %d parts %d", i+1, aws.ToString(hd.ContentRange), aws.ToInt64(hd.ContentLength), aws.ToInt32(hd.PartsCount))
		}
	}
	_, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: aws.Int32(4)})
	wantErr(t, err, "InvalidPartNumber", 416)
	_, err = e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: aws.Int32(4)})
	if errStatus(err) != 416 {
		t.Errorf("head part 4 of 3: %v, want 416", err)
	}
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: aws.Int32(2), Range: aws.String("bytes=0-1")})
	wantErr(t, err, "InvalidRequest", 400)
	for _, bad := range []string{"0", "10001", "x"} {
		resp, b := e.do(e.signed("GET", "/bkt/mp?partNumber="+bad, nil, sha256Hex(nil), nil))
		if resp.StatusCode != 400 || xmlCode(b) != "InvalidArgument" {
			t.Errorf("partNumber=%s: %d %s, want 400 InvalidArgument", bad, resp.StatusCode, xmlCode(b))
		}
	}

	// Conditional headers apply as for a whole GET.
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: aws.Int32(2), IfMatch: aws.String(`"other"`)})
	wantErr(t, err, "PreconditionFailed", 412)
	resp, b := e.do(e.signed("GET", "/bkt/mp?partNumber=2", nil, sha256Hex(nil), http.Header{"If-None-Match": {aws.ToString(done.ETag)}}))
	if resp.StatusCode != 304 || len(b) != 0 {
		t.Errorf("part with a matching If-None-Match: %d, %d bytes", resp.StatusCode, len(b))
	}
	resp, b = e.do(e.signed("GET", "/bkt/mp?partNumber=2", nil, sha256Hex(nil), http.Header{"If-Match": {aws.ToString(done.ETag)}}))
	if resp.StatusCode != 206 || !bytes.Equal(b, parts[1]) || resp.Header.Get("X-Amz-Checksum-Crc32") != "" {
		t.Errorf("part with a matching If-Match: %d, %d bytes, checksum %q without checksum mode", resp.StatusCode, len(b), resp.Header.Get("X-Amz-Checksum-Crc32"))
	}

	// An object from one PUT is its own part 1, with no parts count.
	e.put("bkt", "single", []byte("0123456789"))
	out, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("single"), PartNumber: aws.Int32(1), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(got) != "0123456789" || aws.ToString(out.ContentRange) != "bytes 0-9/10" || out.PartsCount != nil ||
		aws.ToString(out.ChecksumCRC32) != crc32Base64(got) {
		t.Errorf("part 1 of a single PUT: %q range %q parts %v CRC32 %q", got, aws.ToString(out.ContentRange), out.PartsCount, aws.ToString(out.ChecksumCRC32))
	}
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("single"), PartNumber: aws.Int32(2)})
	wantErr(t, err, "InvalidPartNumber", 416)

	// An empty last part: no bytes and no range to show.
	e.uploadParts("bkt", "empty-last", parts[0], nil)
	resp, b = e.do(e.signed("GET", "/bkt/empty-last?partNumber=2", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("Content-Range") != "" || resp.Header.Get("X-Amz-Mp-Parts-Count") != "2" {
		t.Errorf("empty last part: %d, %d bytes, Content-Range %q, parts count %q", resp.StatusCode, len(b),
			resp.Header.Get("Content-Range"), resp.Header.Get("X-Amz-Mp-Parts-Count"))
	}

	// Part reads of an older version.
	if _, err := e.client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("bkt"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	old := e.uploadParts("bkt", "versioned", parts[0], []byte("second part of the old version"))
	e.put("bkt", "versioned", []byte("newer"))
	out, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("versioned"), VersionId: old.VersionId, PartNumber: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(out.Body)
	out.Body.Close()
	if string(got) != "second part of the old version" || aws.ToInt32(out.PartsCount) != 2 || aws.ToString(out.VersionId) != aws.ToString(old.VersionId) {
		t.Errorf("part 2 of an old version: %q parts %d version %s", got, aws.ToInt32(out.PartsCount), aws.ToString(out.VersionId))
	}
}
