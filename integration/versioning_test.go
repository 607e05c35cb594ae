package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func setVersioning(ctx context.Context, t testing.TB, client *s3.Client, bucket string, status s3types.BucketVersioningStatus) {
	t.Helper()
	_, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: status},
	})
	if err != nil {
		t.Fatalf("versioning %s of %s: %v", status, bucket, err)
	}
}

// getVersion reads one version of an object whole.
func getVersion(ctx context.Context, client *s3.Client, bucket, key, versionID string) ([]byte, *s3.GetObjectOutput, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(versionID)})
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	return data, out, err
}

// listAllVersions pages through ListObjectVersions and returns
// "key@version" entries (delete markers marked) in listing order.
func listAllVersions(ctx context.Context, t testing.TB, client *s3.Client, bucket, prefix string, pageSize int32) []string {
	t.Helper()
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(pageSize)}
	var out []string
	for range 1000 {
		page, err := client.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatalf("list versions of %s: %v", bucket, err)
		}
		// The SDK gives versions and markers apart; the listing order is
		// key, then newest first, which the version IDs' time decides.
		type entry struct {
			key, id string
			dm      bool
			latest  bool
			at      int64
		}
		var es []entry
		for _, v := range page.Versions {
			es = append(es, entry{aws.ToString(v.Key), aws.ToString(v.VersionId), false, aws.ToBool(v.IsLatest), v.LastModified.UnixNano()})
		}
		for _, d := range page.DeleteMarkers {
			es = append(es, entry{aws.ToString(d.Key), aws.ToString(d.VersionId), true, aws.ToBool(d.IsLatest), d.LastModified.UnixNano()})
		}
		slices.SortStableFunc(es, func(a, b entry) int {
			if c := strings.Compare(a.key, b.key); c != 0 {
				return c
			}
			if a.latest != b.latest {
				if a.latest {
					return -1
				}
				return 1
			}
			return int(b.at/1e6 - a.at/1e6)
		})
		for _, e := range es {
			s := e.key + "@" + e.id
			if e.dm {
				s += "(dm)"
			}
			out = append(out, s)
		}
		if !aws.ToBool(page.IsTruncated) {
			return out
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
	t.Fatal("version listing does not end")
	return nil
}

// TestVersioningSDK drives versioning and tagging of `zones3 server` with
// aws-sdk-go-v2 over HTTPS (aws-chunked bodies with trailers).
func TestVersioningSDK(t *testing.T) {
	t.Parallel()
	srv := startServer(t, true)
	client := newS3Client(t, srv.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "sdk-versions"
	createBucket(ctx, t, client, bucket)

	// An object from before versioning is the null version.
	before := randomBytes(7001, 300<<10)
	if out, err := putObject(ctx, client, bucket, "doc", before); err != nil || out.VersionId != nil {
		t.Fatalf("unversioned put: %+v, %v", out, err)
	}
	vc, err := client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil || vc.Status != "" {
		t.Fatalf("versioning of a new bucket: %+v, %v", vc, err)
	}
	setVersioning(ctx, t, client, bucket, s3types.BucketVersioningStatusEnabled)
	vc, err = client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil || vc.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning: %+v, %v", vc, err)
	}

	// Versions small (inline) and large (shard files), one in parts.
	datas := map[string][]byte{"null": before}
	var ids []string
	for i, size := range []int{4 << 10, 2<<20 + 3} {
		data := randomBytes(uint64(7010+i), size)
		out, err := putObject(ctx, client, bucket, "doc", data)
		if err != nil || out.VersionId == nil {
			t.Fatalf("versioned put: %+v, %v", out, err)
		}
		ids = append(ids, *out.VersionId)
		datas[*out.VersionId] = data
	}
	mp := randomBytes(7020, 11<<20)
	up := manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	mout, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc"), Body: bytes.NewReader(mp), Tagging: aws.String("kind=multipart")})
	if err != nil || mout.VersionID == nil {
		t.Fatalf("multipart upload: %+v, %v", mout, err)
	}
	ids = append(ids, *mout.VersionID)
	datas[*mout.VersionID] = mp
	for id, want := range datas {
		got, out, err := getVersion(ctx, client, bucket, "doc", id)
		if err != nil || !bytes.Equal(got, want) || aws.ToString(out.VersionId) != id {
			t.Fatalf("get version %s: %d bytes, %v", id, len(got), err)
		}
	}
	checkObject(ctx, t, client, bucket, "doc", mp)
	if got := listAllVersions(ctx, t, client, bucket, "doc", 2); !slices.Equal(got, []string{"doc@" + ids[2], "doc@" + ids[1], "doc@" + ids[0], "doc@null"}) {
		t.Fatalf("versions %v", got)
	}

	// Tags: per version, on GET as a count; LastModified stays.
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc"), VersionId: aws.String(ids[0])})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("doc"), VersionId: aws.String(ids[0]),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("stage"), Value: aws.String("old")}, {Key: aws.String("x"), Value: aws.String("")}}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("doc"), VersionId: aws.String(ids[0])})
	if err != nil || len(tags.TagSet) != 2 {
		t.Fatalf("tags of a version: %+v, %v", tags, err)
	}
	_, out, err := getVersion(ctx, client, bucket, "doc", ids[0])
	if err != nil || aws.ToInt32(out.TagCount) != 2 || !out.LastModified.Equal(*head.LastModified) {
		t.Fatalf("tag count %d, LastModified %v (was %v), %v", aws.ToInt32(out.TagCount), out.LastModified, head.LastModified, err)
	}
	cur, err := client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("doc")})
	if err != nil || len(cur.TagSet) != 1 || aws.ToString(cur.TagSet[0].Value) != "multipart" {
		t.Fatalf("tags of the current version: %+v, %v", cur, err)
	}
	_, err = client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("doc"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("aws:no"), Value: aws.String("x")}}}})
	expectErrorCode(t, "system tag", err, "InvalidTag")

	// A delete marker hides the key; removing it brings the key back.
	del, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	_, _, err = getObject(ctx, client, bucket, "doc")
	expectErrorCode(t, "get under a delete marker", err, "NoSuchKey")
	_, _, err = getVersion(ctx, client, bucket, "doc", *del.VersionId)
	if httpStatus(err) != 405 {
		t.Errorf("get of the delete marker: %v", err)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || len(list.Contents) != 0 {
		t.Fatalf("list under a delete marker: %+v, %v", list, err)
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc"), VersionId: del.VersionId}); err != nil {
		t.Fatal(err)
	}
	checkObject(ctx, t, client, bucket, "doc", mp)

	// Restoring an old version by copying it over the key.
	cp, err := client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("doc"), CopySource: aws.String(bucket + "/doc?versionId=" + ids[1])})
	if err != nil || aws.ToString(cp.CopySourceVersionId) != ids[1] {
		t.Fatalf("copy from a version: %+v, %v", cp, err)
	}
	checkObject(ctx, t, client, bucket, "doc", datas[ids[1]])

	// Suspended: the null version is replaced, the others stay.
	setVersioning(ctx, t, client, bucket, s3types.BucketVersioningStatusSuspended)
	suspended := randomBytes(7030, 500<<10)
	if out, err := putObject(ctx, client, bucket, "doc", suspended); err != nil || aws.ToString(out.VersionId) != "null" {
		t.Fatalf("suspended put: %+v, %v", out, err)
	}
	if got, _, err := getVersion(ctx, client, bucket, "doc", "null"); err != nil || !bytes.Equal(got, suspended) {
		t.Fatalf("null version after a suspended put: %v", err)
	}
	got := listAllVersions(ctx, t, client, bucket, "doc", 1000)
	if len(got) != 5 || got[0] != "doc@null" || slices.Contains(got[1:], "doc@null") {
		t.Fatalf("versions after a suspended put %v", got)
	}

	// DeleteObjects with versions; the versions' space goes with them.
	var objs []s3types.ObjectIdentifier
	for _, id := range ids {
		objs = append(objs, s3types.ObjectIdentifier{Key: aws.String("doc"), VersionId: aws.String(id)})
	}
	dout, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: objs}})
	if err != nil || len(dout.Deleted) != len(ids) || len(dout.Errors) != 0 {
		t.Fatalf("delete objects: %+v, %v", dout, err)
	}
	_, _, err = getVersion(ctx, client, bucket, "doc", ids[0])
	expectErrorCode(t, "get of a deleted version", err, "NoSuchVersion")
	_, err = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	expectErrorCode(t, "delete of a bucket with versions", err, "BucketNotEmpty")
	left := listAllVersions(ctx, t, client, bucket, "", 1000)
	for _, v := range left {
		key, id, _ := strings.Cut(strings.TrimSuffix(v, "(dm)"), "@")
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("delete of the emptied bucket: %v", err)
	}
}

// TestVersioningCLI drives versioning and tagging with the aws CLI.
func TestVersioningCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skipf("aws CLI not on PATH (%v): skipping the aws CLI tests", err)
	}
	t.Parallel()
	srv := startServer(t, false)
	cli := newAWSCLI(t, srv.endpoint, false)
	const bucket = "cli-versions"
	work := t.TempDir()
	cli.mustRun(t, "s3api", "create-bucket", "--bucket", bucket)
	cli.mustRun(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	var vc struct{ Status string }
	if err := json.Unmarshal([]byte(cli.mustRun(t, "s3api", "get-bucket-versioning", "--bucket", bucket)), &vc); err != nil || vc.Status != "Enabled" {
		t.Fatalf("get-bucket-versioning: %+v, %v", vc, err)
	}

	var ids []string
	for i, content := range []string{"first version", "second version"} {
		file := filepath.Join(work, "body")
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"s3api", "put-object", "--bucket", bucket, "--key", "notes.txt", "--body", file}
		if i == 0 {
			args = append(args, "--tagging", "owner=ops&tier=cold")
		}
		var put struct{ VersionId string }
		if err := json.Unmarshal([]byte(cli.mustRun(t, args...)), &put); err != nil || put.VersionId == "" {
			t.Fatalf("put-object: %+v, %v", put, err)
		}
		ids = append(ids, put.VersionId)
	}
	var lv struct {
		Versions []struct {
			Key, VersionId string
			IsLatest       bool
			Size           int64
		}
		DeleteMarkers []struct{ Key, VersionId string }
	}
	if err := json.Unmarshal([]byte(cli.mustRun(t, "s3api", "list-object-versions", "--bucket", bucket)), &lv); err != nil {
		t.Fatal(err)
	}
	if len(lv.Versions) != 2 || lv.Versions[0].VersionId != ids[1] || !lv.Versions[0].IsLatest || lv.Versions[1].VersionId != ids[0] || lv.Versions[1].IsLatest {
		t.Fatalf("list-object-versions: %+v", lv)
	}

	out := filepath.Join(work, "out")
	cli.mustRun(t, "s3api", "get-object", "--bucket", bucket, "--key", "notes.txt", "--version-id", ids[0], out)
	if b, _ := os.ReadFile(out); string(b) != "first version" {
		t.Fatalf("get-object --version-id: %q", b)
	}

	var tagging struct {
		VersionId string
		TagSet    []struct{ Key, Value string }
	}
	if err := json.Unmarshal([]byte(cli.mustRun(t, "s3api", "get-object-tagging", "--bucket", bucket, "--key", "notes.txt", "--version-id", ids[0])), &tagging); err != nil {
		t.Fatal(err)
	}
	if len(tagging.TagSet) != 2 || tagging.VersionId != ids[0] {
		t.Fatalf("get-object-tagging: %+v", tagging)
	}
	cli.mustRun(t, "s3api", "put-object-tagging", "--bucket", bucket, "--key", "notes.txt", "--tagging", `TagSet=[{Key=project,Value=zones3}]`)
	tagging.TagSet = nil
	if err := json.Unmarshal([]byte(cli.mustRun(t, "s3api", "get-object-tagging", "--bucket", bucket, "--key", "notes.txt")), &tagging); err != nil {
		t.Fatal(err)
	}
	if len(tagging.TagSet) != 1 || tagging.TagSet[0].Key != "project" || tagging.VersionId != ids[1] {
		t.Fatalf("get-object-tagging of the current version: %+v", tagging)
	}
	_, stderr, err := cli.run(t, "s3api", "put-object-tagging", "--bucket", bucket, "--key", "notes.txt", "--tagging", `TagSet=[{Key=aws:x,Value=y}]`)
	if err == nil || !strings.Contains(stderr, "InvalidTag") {
		t.Errorf("aws: tag accepted or wrong error: %v %s", err, stderr)
	}

	// A delete marker; head-object then fails; removing it restores.
	var del struct {
		DeleteMarker bool
		VersionId    string
	}
	if err := json.Unmarshal([]byte(cli.mustRun(t, "s3api", "delete-object", "--bucket", bucket, "--key", "notes.txt")), &del); err != nil || !del.DeleteMarker || del.VersionId == "" {
		t.Fatalf("delete-object: %+v, %v", del, err)
	}
	if _, stderr, err := cli.run(t, "s3api", "head-object", "--bucket", bucket, "--key", "notes.txt"); err == nil || !strings.Contains(stderr, "404") {
		t.Errorf("head-object under a delete marker: %v %s", err, stderr)
	}
	lv.DeleteMarkers = nil
	if err := json.Unmarshal([]byte(cli.mustRun(t, "s3api", "list-object-versions", "--bucket", bucket, "--prefix", "notes")), &lv); err != nil || len(lv.DeleteMarkers) != 1 || lv.DeleteMarkers[0].VersionId != del.VersionId {
		t.Fatalf("delete marker listed: %+v, %v", lv, err)
	}
	cli.mustRun(t, "s3api", "delete-object", "--bucket", bucket, "--key", "notes.txt", "--version-id", del.VersionId)
	cli.mustRun(t, "s3api", "get-object", "--bucket", bucket, "--key", "notes.txt", out)
	if b, _ := os.ReadFile(out); string(b) != "second version" {
		t.Fatalf("after removing the delete marker: %q", b)
	}

	// Bucket tags.
	if _, stderr, err := cli.run(t, "s3api", "get-bucket-tagging", "--bucket", bucket); err == nil || !strings.Contains(stderr, "NoSuchTagSet") {
		t.Errorf("get-bucket-tagging without tags: %v %s", err, stderr)
	}
	cli.mustRun(t, "s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", `TagSet=[{Key=team,Value=storage}]`)
	var bt struct{ TagSet []struct{ Key, Value string } }
	if err := json.Unmarshal([]byte(cli.mustRun(t, "s3api", "get-bucket-tagging", "--bucket", bucket)), &bt); err != nil || len(bt.TagSet) != 1 || bt.TagSet[0].Value != "storage" {
		t.Fatalf("get-bucket-tagging: %+v, %v", bt, err)
	}
	cli.mustRun(t, "s3api", "delete-bucket-tagging", "--bucket", bucket)
}

// TestVersioningClusterZoneDown writes, deletes and tags versions through
// a `zones3 gateway` while one node process is stopped, then reads them
// back with another one stopped.
func TestVersioningClusterZoneDown(t *testing.T) {
	c := startCluster(t)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "cluster-versions"
	createBucket(ctx, t, client, bucket)
	setVersioning(ctx, t, client, bucket, s3types.BucketVersioningStatusEnabled)

	put := func(key string, data []byte) string {
		t.Helper()
		out, err := putObject(ctx, client, bucket, key, data)
		if err != nil || out.VersionId == nil {
			t.Fatalf("put %s: %+v, %v", key, out, err)
		}
		return *out.VersionId
	}
	old := randomBytes(8001, 1<<20)
	oldID := put("k", old)

	c.nodes[0].proc.stop()
	mid := randomBytes(8002, 3000)
	midID := put("k", mid)
	cur := randomBytes(8003, 2<<20)
	curID := put("k", cur)
	del, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete with a zone down: %+v, %v", del, err)
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), VersionId: del.VersionId}); err != nil {
		t.Fatalf("remove the marker with a zone down: %v", err)
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), VersionId: aws.String(midID)}); err != nil {
		t.Fatalf("remove a version with a zone down: %v", err)
	}
	if _, err := client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("k"), VersionId: aws.String(oldID),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("zone"), Value: aws.String("down")}}}}); err != nil {
		t.Fatalf("tag with a zone down: %v", err)
	}
	checkObject(ctx, t, client, bucket, "k", cur)

	// Back up; then another zone down: the version written with every
	// zone up still reads, the removals hold, the tags too.
	c.startNode(c.nodes[0])
	c.waitGatewaySees(c.nodes[0], true)
	checkObject(ctx, t, client, bucket, "k", cur)
	c.nodes[1].proc.stop()
	c.waitGatewaySees(c.nodes[1], false)
	if got, _, err := getVersion(ctx, client, bucket, "k", oldID); err != nil || !bytes.Equal(got, old) {
		t.Fatalf("old version with another zone down: %v", err)
	}
	_, _, err = getVersion(ctx, client, bucket, "k", midID)
	expectErrorCode(t, "removed version", err, "NoSuchVersion")
	tags, err := client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String("k"), VersionId: aws.String(oldID)})
	if err != nil || len(tags.TagSet) != 1 {
		t.Fatalf("tags with another zone down: %+v, %v", tags, err)
	}
	if got := listAllVersions(ctx, t, client, bucket, "k", 1); !slices.Equal(got, []string{"k@" + curID, "k@" + oldID}) {
		t.Fatalf("versions with another zone down: %v", got)
	}
	// New versions go on with the second zone down.
	newer := randomBytes(8004, 700<<10)
	newerID := put("k", newer)
	c.startNode(c.nodes[1])
	c.waitGatewaySees(c.nodes[1], true)
	checkObject(ctx, t, client, bucket, "k", newer)
	if got := listAllVersions(ctx, t, client, bucket, "k", 1000); !slices.Equal(got, []string{"k@" + newerID, "k@" + curID, "k@" + oldID}) {
		t.Fatalf("versions at the end: %v", got)
	}
}

// waitGatewaySees waits until the gateway's prober reports n up (or down)
// in its /metrics, so that a test step runs against the state it means.
func (c *cluster) waitGatewaySees(n *node, up bool) {
	c.t.Helper()
	want := fmt.Sprintf("zones3_node_up{node=%q,zone=%q} %d", n.listen, n.zone, map[bool]int{false: 0, true: 1}[up])
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get(c.endpoint + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), want) {
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the gateway does not report %q within %s", want, readyTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
