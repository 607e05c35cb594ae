package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func (e *testEnv) enableVersioning(bucket string, status s3types.BucketVersioningStatus) {
	e.t.Helper()
	_, err := e.client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: status},
	})
	if err != nil {
		e.t.Fatalf("PutBucketVersioning %s: %v", bucket, err)
	}
}

// rawXML sends a signed request with an XML body.
func (e *testEnv) rawXML(method, path, body string, hdr http.Header) (*http.Response, []byte) {
	e.t.Helper()
	return e.do(e.signed(method, path, strings.NewReader(body), sha256Hex([]byte(body)), hdr))
}

func TestBucketVersioningConfiguration(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("vers")
	out, err := e.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vers")})
	if err != nil || out.Status != "" || out.MFADelete != "" {
		t.Fatalf("new bucket: %+v, %v", out, err)
	}
	for _, status := range []s3types.BucketVersioningStatus{s3types.BucketVersioningStatusEnabled, s3types.BucketVersioningStatusSuspended} {
		e.enableVersioning("vers", status)
		out, err := e.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vers")})
		if err != nil || out.Status != status {
			t.Fatalf("after %s: %+v, %v", status, out, err)
		}
	}
	_, err = e.client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String("nobucket"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	})
	wantErr(t, err, "NoSuchBucket", 404)
	_, err = e.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("nobucket")})
	wantErr(t, err, "NoSuchBucket", 404)

	// MFA delete is refused clearly and changes nothing.
	_, err = e.client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String("vers"),
		MFA:                     aws.String("arn:aws:iam::1:mfa/x 123456"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled},
	})
	wantErr(t, err, "NotImplemented", 501)
	bad := []struct{ body, code string }{
		{"", "MalformedXML"},
		{"not xml", "MalformedXML"},
		{"<VersioningConfiguration/>", "MalformedXML"},
		{"<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>", "MalformedXML"},
		{"<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>", "MalformedXML"},
		{"<Other><Status>Enabled</Status></Other>", "MalformedXML"},
		{"<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Maybe</MfaDelete></VersioningConfiguration>", "MalformedXML"},
		{"<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>", "NotImplemented"},
	}
	for _, c := range bad {
		resp, b := e.rawXML("PUT", "/vers?versioning", c.body, nil)
		if xmlCode(b) != c.code || resp.StatusCode < 400 {
			t.Errorf("body %q: %d %s, want %s", c.body, resp.StatusCode, b, c.code)
		}
	}
	if out, _ := e.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("vers")}); out.Status != s3types.BucketVersioningStatusSuspended {
		t.Errorf("refused requests changed the state to %q", out.Status)
	}
	resp, b := e.rawXML("PUT", "/vers?versioning", "<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>", nil)
	if resp.StatusCode != 200 {
		t.Errorf("MfaDelete Disabled: %d %s", resp.StatusCode, b)
	}
}

func TestVersionedObjects(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("vers")
	e.put("vers", "plain", []byte("unversioned"))
	pre := e.put("vers", "k", []byte("before"))
	if pre.VersionId != nil {
		t.Fatalf("unversioned PUT gave version %q", *pre.VersionId)
	}
	e.enableVersioning("vers", s3types.BucketVersioningStatusEnabled)
	v1 := e.put("vers", "k", []byte("one"))
	v2 := e.put("vers", "k", []byte("two"))
	if v1.VersionId == nil || v2.VersionId == nil || *v1.VersionId == *v2.VersionId {
		t.Fatalf("version IDs %v %v", v1.VersionId, v2.VersionId)
	}
	get := func(key, vid string) (*s3.GetObjectOutput, string, error) {
		in := &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String(key)}
		if vid != "" {
			in.VersionId = aws.String(vid)
		}
		out, err := e.client.GetObject(ctx, in)
		if err != nil {
			return nil, "", err
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return out, string(b), nil
	}
	for vid, want := range map[string]string{*v1.VersionId: "one", *v2.VersionId: "two", "null": "before", "": "two"} {
		out, body, err := get("k", vid)
		if err != nil || body != want {
			t.Fatalf("get version %q: %q, %v", vid, body, err)
		}
		if vid != "" && aws.ToString(out.VersionId) != vid {
			t.Errorf("get version %q answered version %q", vid, aws.ToString(out.VersionId))
		}
	}
	head, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: v1.VersionId})
	if err != nil || aws.ToInt64(head.ContentLength) != 3 || aws.ToString(head.VersionId) != *v1.VersionId {
		t.Fatalf("head version: %+v, %v", head, err)
	}
	_, _, err = get("k", "not-a-version")
	wantErr(t, err, "InvalidArgument", 400)
	_, _, err = get("k", unknownVersionID)
	wantErr(t, err, "NoSuchVersion", 404)
	resp, b := e.do(e.signed("GET", "/vers/k?versionId=", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidArgument" {
		t.Errorf("empty versionId: %d %s", resp.StatusCode, b)
	}

	// A delete adds a marker; reads of the key then say so.
	del, err := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	dm := *del.VersionId
	resp, b = e.do(e.signed("GET", "/vers/k", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 404 || xmlCode(b) != "NoSuchKey" || resp.Header.Get("X-Amz-Delete-Marker") != "true" || resp.Header.Get("X-Amz-Version-Id") != dm {
		t.Errorf("GET under a marker: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	resp, _ = e.do(e.signed("HEAD", "/vers/k", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 404 || resp.Header.Get("X-Amz-Delete-Marker") != "true" {
		t.Errorf("HEAD under a marker: %d %v", resp.StatusCode, resp.Header)
	}
	resp, b = e.do(e.signed("GET", "/vers/k?versionId="+dm, nil, sha256Hex(nil), nil))
	if resp.StatusCode != 405 || xmlCode(b) != "MethodNotAllowed" || resp.Header.Get("X-Amz-Delete-Marker") != "true" || resp.Header.Get("Last-Modified") == "" {
		t.Errorf("GET of the marker: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	resp, _ = e.do(e.signed("HEAD", "/vers/k?versionId="+dm, nil, sha256Hex(nil), nil))
	if resp.StatusCode != 405 || resp.Header.Get("X-Amz-Version-Id") != dm {
		t.Errorf("HEAD of the marker: %d %v", resp.StatusCode, resp.Header)
	}

	lv, err := e.client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("vers"), Prefix: aws.String("k")})
	if err != nil || len(lv.Versions) != 3 || len(lv.DeleteMarkers) != 1 {
		t.Fatalf("list versions: %+v, %v", lv, err)
	}
	if !aws.ToBool(lv.DeleteMarkers[0].IsLatest) || aws.ToString(lv.DeleteMarkers[0].VersionId) != dm || aws.ToBool(lv.Versions[0].IsLatest) {
		t.Errorf("delete marker entry %+v", lv.DeleteMarkers[0])
	}
	var ids []string
	for _, v := range lv.Versions {
		ids = append(ids, aws.ToString(v.VersionId))
	}
	if !slices.Equal(ids, []string{*v2.VersionId, *v1.VersionId, "null"}) {
		t.Errorf("versions %v", ids)
	}
	lo, err := e.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vers")})
	if err != nil || len(lo.Contents) != 1 || aws.ToString(lo.Contents[0].Key) != "plain" {
		t.Errorf("list objects under a marker: %+v, %v", lo, err)
	}

	// Paging by key and version markers.
	var paged []string
	in := &s3.ListObjectVersionsInput{Bucket: aws.String("vers"), MaxKeys: aws.Int32(1)}
	for range 10 {
		out, err := e.client.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.DeleteMarkers {
			paged = append(paged, aws.ToString(d.Key)+"@"+aws.ToString(d.VersionId))
		}
		for _, v := range out.Versions {
			paged = append(paged, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	want := []string{"k@" + dm, "k@" + *v2.VersionId, "k@" + *v1.VersionId, "k@null", "plain@null"}
	if !slices.Equal(paged, want) {
		t.Errorf("paged versions %v, want %v", paged, want)
	}
	resp, b = e.do(e.signed("GET", "/vers?versions&version-id-marker="+dm, nil, sha256Hex(nil), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidArgument" {
		t.Errorf("version marker without key marker: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(e.signed("GET", "/vers?versions&key-marker=k&version-id-marker=bad", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidArgument" {
		t.Errorf("malformed version marker: %d %s", resp.StatusCode, b)
	}

	// Removing the marker by its ID brings the key back.
	del, err = e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String(dm)})
	if err != nil || !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) != dm {
		t.Fatalf("marker removal: %+v, %v", del, err)
	}
	if _, body, err := get("k", ""); err != nil || body != "two" {
		t.Fatalf("after marker removal: %q, %v", body, err)
	}
	_, err = e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String("bad")})
	wantErr(t, err, "InvalidArgument", 400)

	// DeleteObjects with versions.
	dout, err := e.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("vers"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("k"), VersionId: v1.VersionId},
		{Key: aws.String("plain")},
		{Key: aws.String("k"), VersionId: aws.String("bad")},
	}}})
	if err != nil || len(dout.Deleted) != 2 || len(dout.Errors) != 1 {
		t.Fatalf("delete objects: %+v, %v", dout, err)
	}
	for _, d := range dout.Deleted {
		switch aws.ToString(d.Key) {
		case "k":
			if aws.ToString(d.VersionId) != *v1.VersionId || aws.ToBool(d.DeleteMarker) {
				t.Errorf("deleted version %+v", d)
			}
		case "plain":
			if !aws.ToBool(d.DeleteMarker) || d.DeleteMarkerVersionId == nil {
				t.Errorf("deleted plain %+v", d)
			}
		}
	}
	if aws.ToString(dout.Errors[0].Code) != "NoSuchVersion" {
		t.Errorf("bad version in DeleteObjects: %+v", dout.Errors[0])
	}
	_, _, err = get("k", *v1.VersionId)
	wantErr(t, err, "NoSuchVersion", 404)
}

func TestCopyFromVersion(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("vers")
	e.enableVersioning("vers", s3types.BucketVersioningStatusEnabled)
	v1 := e.put("vers", "k", []byte("old"))
	e.put("vers", "k", []byte("new"))
	// Restoring a version by copying it onto its own key.
	out, err := e.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String("vers"), Key: aws.String("k"),
		CopySource: aws.String("vers/k?versionId=" + *v1.VersionId),
	})
	if err != nil || aws.ToString(out.CopySourceVersionId) != *v1.VersionId || out.VersionId == nil || *out.VersionId == *v1.VersionId {
		t.Fatalf("copy: %+v, %v", out, err)
	}
	if got := e.get("vers", "k"); string(got) != "old" {
		t.Fatalf("restored %q", got)
	}
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("vers"), Key: aws.String("c"), CopySource: aws.String("vers/k?versionId=bad")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("vers"), Key: aws.String("c"), CopySource: aws.String("vers/k?versionId=" + unknownVersionID)})
	wantErr(t, err, "NoSuchVersion", 404)
	del, _ := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k")})
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("vers"), Key: aws.String("c"), CopySource: aws.String("vers/k?versionId=" + *del.VersionId)})
	wantErr(t, err, "InvalidRequest", 400)
	_, err = e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("vers"), Key: aws.String("c"), CopySource: aws.String("vers/k")})
	wantErr(t, err, "NoSuchKey", 404)
}

func TestObjectTagging(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("tags")
	_, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("k"), Body: strings.NewReader("x"),
		Tagging: aws.String("a=1&b=two%20words")})
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := e.do(e.signed("HEAD", "/tags/k", nil, sha256Hex(nil), nil))
	if resp.Header.Get("X-Amz-Tagging-Count") != "2" {
		t.Errorf("HEAD tagging count %q", resp.Header.Get("X-Amz-Tagging-Count"))
	}
	got, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if err != nil || aws.ToInt32(got.TagCount) != 2 {
		t.Fatalf("GET tag count: %+v, %v", got, err)
	}
	got.Body.Close()
	tags, err := e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if err != nil || fmt.Sprint(tagPairs(tags.TagSet)) != "[a=1 b=two words]" {
		t.Fatalf("get tagging: %+v, %v", tags, err)
	}
	_, err = e.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("only"), Value: aws.String("")}}}})
	if err != nil {
		t.Fatal(err)
	}
	tags, _ = e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if fmt.Sprint(tagPairs(tags.TagSet)) != "[only=]" {
		t.Errorf("after put tagging %v", tagPairs(tags.TagSet))
	}
	if _, err := e.client.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	tags, _ = e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if len(tags.TagSet) != 0 {
		t.Errorf("after delete tagging %v", tagPairs(tags.TagSet))
	}
	_, err = e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("missing")})
	wantErr(t, err, "NoSuchKey", 404)

	// Limits: each refusal changes nothing.
	e.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("keep"), Value: aws.String("me")}}}})
	many := make([]s3types.Tag, 11)
	for i := range many {
		many[i] = s3types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("vers")}
	}
	for _, c := range []struct {
		tags []s3types.Tag
		code string
	}{
		{many, "BadRequest"},
		{[]s3types.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("vers")}}, "InvalidTag"},
		{[]s3types.Tag{{Key: aws.String("k"), Value: aws.String(strings.Repeat("v", 257))}}, "InvalidTag"},
		{[]s3types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("vers")}}, "InvalidTag"},
		{[]s3types.Tag{{Key: aws.String("AWS:x"), Value: aws.String("vers")}}, "InvalidTag"},
		{[]s3types.Tag{{Key: aws.String("d"), Value: aws.String("1")}, {Key: aws.String("d"), Value: aws.String("2")}}, "InvalidTag"},
		{[]s3types.Tag{{Key: aws.String(""), Value: aws.String("vers")}}, "InvalidTag"},
	} {
		_, err := e.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), Tagging: &s3types.Tagging{TagSet: c.tags}})
		wantErr(t, err, c.code, 400)
	}
	// 128 and 256 characters (not bytes) are the limits.
	_, err = e.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String(strings.Repeat("é", 128)), Value: aws.String(strings.Repeat("ü", 256))}}}})
	if err != nil {
		t.Errorf("tag at the limits: %v", err)
	}
	for _, body := range []string{"", "<Tagging>", "<Tagging></Tagging>", "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>"} {
		resp, b := e.rawXML("PUT", "/tags/k?tagging", body, nil)
		if resp.StatusCode != 400 || xmlCode(b) != "MalformedXML" {
			t.Errorf("tagging body %q: %d %s", body, resp.StatusCode, b)
		}
	}
	for _, hdr := range []string{"a=%zz", "a=1&a=2", "aws:x=1", strings.Repeat("t=1&", 11)} {
		resp, b := e.do(e.signed("PUT", "/tags/hdr", strings.NewReader("x"), sha256Hex([]byte("x")), http.Header{"X-Amz-Tagging": {hdr}}))
		if resp.StatusCode != 400 {
			t.Errorf("x-amz-tagging %q: %d %s", hdr, resp.StatusCode, b)
		}
	}
	if e.layer.count("tags") != 1 {
		t.Errorf("refused PUTs stored objects: %d", e.layer.count("tags"))
	}

	// Copies keep the source's tags unless told to replace them.
	e.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("src"), Value: aws.String("1")}}}})
	if _, err := e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("tags"), Key: aws.String("c1"), CopySource: aws.String("tags/k"), Tagging: aws.String("ignored=1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("tags"), Key: aws.String("c2"), CopySource: aws.String("tags/k"),
		TaggingDirective: s3types.TaggingDirectiveReplace, Tagging: aws.String("new=2")}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"c1": "[src=1]", "c2": "[new=2]"} {
		tags, err := e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String(key)})
		if err != nil || fmt.Sprint(tagPairs(tags.TagSet)) != want {
			t.Errorf("copy %s tags %v, %v", key, tagPairs(tags.TagSet), err)
		}
	}
	resp, b := e.do(e.signed("PUT", "/tags/c3", nil, sha256Hex(nil), http.Header{"X-Amz-Copy-Source": {"tags/k"}, "X-Amz-Tagging-Directive": {"MERGE"}}))
	if resp.StatusCode != 400 || xmlCode(b) != "InvalidArgument" {
		t.Errorf("unknown tagging directive: %d %s", resp.StatusCode, b)
	}

	// Multipart uploads take their tags at creation.
	cmu, err := e.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("tags"), Key: aws.String("mp"), Tagging: aws.String("mp=yes")})
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("tags"), Key: aws.String("mp"), UploadId: cmu.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("tags"), Key: aws.String("mp"), UploadId: cmu.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	tags, _ = e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("mp")})
	if fmt.Sprint(tagPairs(tags.TagSet)) != "[mp=yes]" {
		t.Errorf("multipart tags %v", tagPairs(tags.TagSet))
	}
}

func TestVersionTagging(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("tags")
	e.enableVersioning("tags", s3types.BucketVersioningStatusEnabled)
	v1 := e.put("tags", "k", []byte("1"))
	v2 := e.put("tags", "k", []byte("2"))
	out, err := e.client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), VersionId: v1.VersionId,
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("v"), Value: aws.String("1")}}}})
	if err != nil || aws.ToString(out.VersionId) != *v1.VersionId {
		t.Fatalf("put tagging of a version: %+v, %v", out, err)
	}
	cur, err := e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	if err != nil || len(cur.TagSet) != 0 || aws.ToString(cur.VersionId) != *v2.VersionId {
		t.Fatalf("current version's tags: %+v, %v", cur, err)
	}
	old, err := e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), VersionId: v1.VersionId})
	if err != nil || fmt.Sprint(tagPairs(old.TagSet)) != "[v=1]" {
		t.Fatalf("version's tags: %v, %v", tagPairs(old.TagSet), err)
	}
	del, _ := e.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	_, err = e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), VersionId: del.VersionId})
	wantErr(t, err, "MethodNotAllowed", 405)
	_, err = e.client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k")})
	wantErr(t, err, "NoSuchKey", 404)
	_, err = e.client.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("k"), VersionId: aws.String(unknownVersionID)})
	wantErr(t, err, "NoSuchVersion", 404)
}

func TestBucketTagging(t *testing.T) {
	e := newEnv(t)
	e.mkbucket("btags")
	_, err := e.client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("btags")})
	wantErr(t, err, "NoSuchTagSet", 404)
	_, err = e.client.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("btags"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("storage")}, {Key: aws.String("cost"), Value: aws.String("")}}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("btags")})
	if err != nil || fmt.Sprint(tagPairs(out.TagSet)) != "[cost= team=storage]" {
		t.Fatalf("bucket tags %+v, %v", out, err)
	}
	many := make([]s3types.Tag, 51)
	for i := range many {
		many[i] = s3types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("vers")}
	}
	_, err = e.client.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("btags"), Tagging: &s3types.Tagging{TagSet: many}})
	wantErr(t, err, "BadRequest", 400)
	_, err = e.client.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("btags"), Tagging: &s3types.Tagging{TagSet: many[:50]}})
	if err != nil {
		t.Errorf("50 bucket tags: %v", err)
	}
	if _, err := e.client.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("btags")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("btags")})
	wantErr(t, err, "NoSuchTagSet", 404)
	// The bucket is still there: DELETE ?tagging is not DeleteBucket.
	if _, err := e.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("btags")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("nobucket")})
	wantErr(t, err, "NoSuchBucket", 404)
}

// unknownVersionID is well-formed but names no version.
var unknownVersionID = strings.Repeat("V", 21) + "-"

func tagPairs(tags []s3types.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = aws.ToString(t.Key) + "=" + aws.ToString(t.Value)
	}
	slices.Sort(out)
	return out
}
