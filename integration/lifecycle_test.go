package integration

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Lifecycle days of 2 s and passes every second: a rule of 1 day is due
// 2 to 4 s after a write, and the worker acts within a second after.
var fastLifecycle = []string{"--lifecycle-interval", "1s", "--lifecycle-day", "2s"}

// lifecycleWait bounds how long a test waits for the worker: its first
// pass starts about 5 s after the gateway (the lease settles), and a
// versioned key takes a few passes to reach its end.
const lifecycleWait = 30 * time.Second

// putLifecycleRules uploads rules (the JSON of the aws CLI) with
// `aws s3api put-bucket-lifecycle-configuration`.
func putLifecycleRules(t *testing.T, cli *awsCLI, bucket, rules string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.mustRun(t, "s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", "file://"+path)
}

// waitUntil polls check until it returns "" or lifecycleWait passes; it
// returns the last description of what is still wrong.
func waitUntil(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(lifecycleWait)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %s", what, lifecycleWait, msg)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func listKeys(ctx context.Context, t *testing.T, client *s3.Client, bucket string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

func listUploadKeys(ctx context.Context, t *testing.T, client *s3.Client, bucket string) []string {
	t.Helper()
	out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list uploads of %s: %v", bucket, err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

func putTagged(ctx context.Context, t *testing.T, client *s3.Client, bucket, key string, data []byte, tagging string) *s3.PutObjectOutput {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}
	if tagging != "" {
		in.Tagging = aws.String(tagging)
	}
	out, err := client.PutObject(ctx, in)
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return out
}

// countShardFiles counts the shard files of the server's three nodes.
func countShardFiles(t *testing.T, dataDir string) int {
	t.Helper()
	n := 0
	for _, z := range []string{"a", "b", "c"} {
		err := filepath.WalkDir(filepath.Join(dataDir, "node-"+z, "shards"), func(_ string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				n++
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestLifecycleServer: rules put with the aws CLI expire exactly the
// objects they name, by prefix and by tag, in an unversioned and a
// versioned bucket, and abort incomplete uploads; what the worker removes
// frees its shard files.
func TestLifecycleServer(t *testing.T) {
	s := startServer(t, false, fastLifecycle...)
	cli := newAWSCLI(t, s.endpoint, false)
	client := newS3Client(t, s.endpoint, rootSecretKey)
	ctx := testContext(t)

	// Unversioned.
	createBucket(ctx, t, client, "lc-plain")
	putLifecycleRules(t, cli, "lc-plain", `{"Rules":[
  {"ID":"tmp","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":1}},
  {"ID":"scratch","Status":"Enabled","Filter":{"Tag":{"Key":"class","Value":"scratch"}},"Expiration":{"Days":1}},
  {"ID":"uploads","Status":"Enabled","Filter":{"Prefix":"up/"},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}},
  {"ID":"logs","Status":"Enabled","Filter":{"Prefix":"logs/"},"Expiration":{"Days":100000}},
  {"ID":"off","Status":"Disabled","Filter":{"Prefix":"keep/"},"Expiration":{"Days":1}}
]}`)
	before := countShardFiles(t, s.dataDir)
	big := randomBytes(9001, 1<<20)
	putTagged(ctx, t, client, "lc-plain", "tmp/a", []byte("a"), "")
	putTagged(ctx, t, client, "lc-plain", "tmp/big", big, "")
	putTagged(ctx, t, client, "lc-plain", "keep/scratch", []byte("x"), "class=scratch")
	putTagged(ctx, t, client, "lc-plain", "keep/plain", big, "")
	putTagged(ctx, t, client, "lc-plain", "keep/other", []byte("z"), "class=other")
	putTagged(ctx, t, client, "lc-plain", "tmpx", []byte("not under tmp/"), "")
	logs := putTagged(ctx, t, client, "lc-plain", "logs/1", []byte("l"), "")
	if exp := aws.ToString(logs.Expiration); !strings.Contains(exp, `rule-id="logs"`) || !strings.Contains(exp, "expiry-date=") {
		t.Errorf("PUT logs/1: x-amz-expiration %q, want the logs rule's", exp)
	}
	full := countShardFiles(t, s.dataDir)
	for _, key := range []string{"up/u1", "keep/u2"} {
		if _, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("lc-plain"), Key: aws.String(key)}); err != nil {
			t.Fatal(err)
		}
	}

	// Versioned.
	createBucket(ctx, t, client, "lc-ver")
	setVersioning(ctx, t, client, "lc-ver", s3types.BucketVersioningStatusEnabled)
	putLifecycleRules(t, cli, "lc-ver", `{"Rules":[
  {"ID":"doc","Status":"Enabled","Filter":{"Prefix":"doc/"},"Expiration":{"Days":1},
   "NoncurrentVersionExpiration":{"NoncurrentDays":1,"NewerNoncurrentVersions":1}},
  {"ID":"markers","Status":"Enabled","Filter":{"Prefix":"dm/"},"Expiration":{"ExpiredObjectDeleteMarker":true}}
]}`)
	var docIDs []string
	for i := range 3 {
		out := putTagged(ctx, t, client, "lc-ver", "doc/a", randomBytes(uint64(9100+i), 1000), "")
		docIDs = append(docIDs, aws.ToString(out.VersionId))
	}
	dm := putTagged(ctx, t, client, "lc-ver", "dm/k", []byte("v"), "")
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("lc-ver"), Key: aws.String("dm/k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("lc-ver"), Key: aws.String("dm/k"), VersionId: dm.VersionId}); err != nil {
		t.Fatal(err)
	}
	var otherIDs []string
	for i := range 2 {
		out := putTagged(ctx, t, client, "lc-ver", "other/k", []byte{byte(i)}, "")
		otherIDs = append(otherIDs, aws.ToString(out.VersionId))
	}

	waitUntil(t, "unversioned bucket expired", func() string {
		keys := listKeys(ctx, t, client, "lc-plain")
		ups := listUploadKeys(ctx, t, client, "lc-plain")
		if !slices.Equal(keys, []string{"keep/other", "keep/plain", "logs/1", "tmpx"}) || !slices.Equal(ups, []string{"keep/u2"}) {
			return "objects " + strings.Join(keys, ",") + "; uploads " + strings.Join(ups, ",")
		}
		return ""
	})
	// The current delete marker of doc/a stays (older versions lie behind
	// it), with the newest noncurrent version; dm/k's lone marker goes.
	waitUntil(t, "versioned bucket expired", func() string {
		got := listAllVersions(ctx, t, client, "lc-ver", "", 1000)
		if len(got) != 4 || !strings.HasSuffix(got[0], "(dm)") || !strings.HasPrefix(got[0], "doc/a@") ||
			got[1] != "doc/a@"+docIDs[2] || got[2] != "other/k@"+otherIDs[1] || got[3] != "other/k@"+otherIDs[0] {
			return strings.Join(got, " ")
		}
		return ""
	})
	checkObject(ctx, t, client, "lc-plain", "keep/plain", big)
	_, _, err := getObject(ctx, client, "lc-plain", "tmp/big")
	expectErrorCode(t, "GET of an expired object", err, "NoSuchKey")
	// One of the two 1 MiB objects went, and its shard files with it.
	if after := countShardFiles(t, s.dataDir); after-before != (full-before)/2 {
		t.Errorf("shard files: %d before, %d with two 1 MiB objects, %d after one expired", before, full, after)
	}
}

// TestLifecycleDueBeforeWorker: an object whose expiration is due answers
// 404 at once, though the worker (one pass an hour) has not removed it.
func TestLifecycleDueBeforeWorker(t *testing.T) {
	s := startServer(t, false, "--lifecycle-interval", "1h", "--lifecycle-day", "2s")
	client := newS3Client(t, s.endpoint, rootSecretKey)
	ctx := testContext(t)
	createBucket(ctx, t, client, "lc-due")
	// Let the worker's first pass (at start, once the lease settles) go
	// by; the next is an hour away.
	waitUntil(t, "first lifecycle pass", func() string {
		if m := fetchMetrics(t, s.endpoint); !strings.Contains(m, "zones3_lifecycle_lease_held 1") ||
			strings.Contains(m, "zones3_lifecycle_last_pass_completed_timestamp_seconds 0.000") {
			return "no pass yet"
		}
		return ""
	})
	_, err := client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("lc-due"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String("soon"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("soon/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := putTagged(ctx, t, client, "lc-due", "soon/a", []byte("a"), "")
	putTagged(ctx, t, client, "lc-due", "later/b", []byte("b"), "")
	exp := aws.ToString(out.Expiration)
	dateText, _, _ := strings.Cut(strings.TrimPrefix(exp, `expiry-date="`), `"`)
	due, err := http.ParseTime(dateText)
	if err != nil {
		t.Fatalf("PUT x-amz-expiration %q: %v", exp, err)
	}
	if data, got, err := getObject(ctx, client, "lc-due", "soon/a"); err != nil || string(data) != "a" || aws.ToString(got.Expiration) != exp {
		t.Fatalf("GET before due: %q %v (x-amz-expiration %q, want %q)", data, err, aws.ToString(got.Expiration), exp)
	}
	time.Sleep(time.Until(due) + 100*time.Millisecond)
	_, _, err = getObject(ctx, client, "lc-due", "soon/a")
	expectErrorCode(t, "GET of a due object", err, "NoSuchKey")
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lc-due"), Key: aws.String("soon/a")})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("HEAD of a due object: %v, want 404", err)
	}
	checkObject(ctx, t, client, "lc-due", "later/b", []byte("b"))
	// The worker has not run: the object is still listed.
	if keys := listKeys(ctx, t, client, "lc-due"); !slices.Equal(keys, []string{"later/b", "soon/a"}) {
		t.Errorf("listing: %v, want soon/a still there", keys)
	}
}

// TestLifecycleCluster: three node processes and a gateway; the worker
// expires objects, again after the gateway restarted, and with a node
// down; zones3 admin status shows the lease holder and the last pass.
func TestLifecycleCluster(t *testing.T) {
	c := startCluster(t, fastLifecycle...)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	ctx := testContext(t)
	createBucket(ctx, t, client, "lc-cluster")
	_, err := client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("lc-cluster"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String("tmp"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	expect := func(what string, want ...string) {
		t.Helper()
		waitUntil(t, what, func() string {
			if keys := listKeys(ctx, t, client, "lc-cluster"); !slices.Equal(keys, want) {
				return strings.Join(keys, ",")
			}
			return ""
		})
	}
	putTagged(ctx, t, client, "lc-cluster", "tmp/1", randomBytes(9201, 300<<10), "")
	putTagged(ctx, t, client, "lc-cluster", "keep/1", []byte("1"), "")
	expect("tmp/1 expired", "keep/1")

	c.gateway.stop()
	c.startGateway()
	putTagged(ctx, t, client, "lc-cluster", "tmp/2", randomBytes(9202, 300<<10), "")
	putTagged(ctx, t, client, "lc-cluster", "keep/2", []byte("2"), "")
	c.nodes[0].proc.stop()
	c.waitGatewaySees(c.nodes[0], false)
	expect("tmp/2 expired after a gateway restart, with a node down", "keep/1", "keep/2")
	checkObject(ctx, t, client, "lc-cluster", "keep/2", []byte("2"))

	var status bytes.Buffer
	cmd := exec.CommandContext(ctx, binPath, "admin", "status", "--endpoint", c.endpoint)
	cmd.Stdout, cmd.Stderr = &status, &status
	_ = cmd.Run() // not ready with a node down? the output tells either way
	out := status.String()
	if !strings.Contains(out, "lifecycle:") || strings.Contains(out, "lease holder:     none") ||
		!strings.Contains(out, "last pass:        completed") {
		t.Errorf("zones3 admin status lacks the lifecycle state:\n%s", out)
	}
}

func fetchMetrics(t *testing.T, endpoint string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(endpoint + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
