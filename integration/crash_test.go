package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// crashObjectSizes are the objects written before a crash: small ones that
// live inline in the metadata and large ones whose shards live in files.
var crashObjectSizes = []int{4 << 10, 4 << 10, 4 << 10, 4 << 10, 5 << 20, 4 << 10, 5 << 20, 4 << 10, 4 << 10, 5 << 20, 4 << 10}

// TestCrashServer kills `zones3 server` with SIGKILL right after the last
// acknowledged PUT and checks that every acknowledged object comes back
// byte for byte after a restart on the same data folder.
func TestCrashServer(t *testing.T) {
	srv := startServer(t, false)
	client := newS3Client(t, srv.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "crash-server"
	createBucket(ctx, t, client, bucket)

	// Earlier writes, some overwritten and one deleted, so the restart has
	// more than one version of a key to sort out.
	for _, key := range []string{"acked/object-00-4096", "acked/object-04-5242880"} {
		if _, err := putObject(ctx, client, bucket, key, randomBytes(seedOf(key)+1, 100<<10)); err != nil {
			t.Fatalf("put first version of %s: %v", key, err)
		}
	}
	if _, err := putObject(ctx, client, bucket, "acked/deleted", []byte("gone")); err != nil {
		t.Fatalf("put acked/deleted: %v", err)
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("acked/deleted")}); err != nil {
		t.Fatalf("delete acked/deleted: %v", err)
	}

	objects := putTestObjects(ctx, t, client, bucket, "acked/", crashObjectSizes)
	const mpuKey = "acked/multipart"
	mpuData := randomBytes(seedOf(mpuKey), 11<<20)
	up := manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	if _, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(mpuKey), Body: bytes.NewReader(mpuData)}); err != nil {
		t.Fatalf("upload %s in parts: %v", mpuKey, err)
	}
	objects[mpuKey] = mpuData
	// Concurrent small writes, all acknowledged, right before the kill.
	var mu sync.Mutex
	err := runParallel(16, 8, func(i int) error {
		key := fmt.Sprintf("acked/concurrent-%02d", i)
		data := randomBytes(seedOf(key), 4<<10)
		if _, err := putObject(ctx, client, bucket, key, data); err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		mu.Lock()
		objects[key] = data
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.proc.kill()

	srv.restart()
	client = newS3Client(t, srv.endpoint, rootSecretKey)
	checkAllObjects(ctx, t, client, bucket, "acked/", objects)
	_, _, err = getObject(ctx, client, bucket, "acked/deleted")
	expectErrorCode(t, "get of a key deleted before the crash", err, "NoSuchKey")
}

// TestCrashServerMidUpload kills `zones3 server` while a 24 MiB PUT is
// half sent: after the restart the key must not exist (and certainly not
// hold a partial object), and the server must accept the same PUT again.
func TestCrashServerMidUpload(t *testing.T) {
	srv := startServer(t, false)
	client := newS3Client(t, srv.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "crash-midupload"
	createBucket(ctx, t, client, bucket)
	const key = "partial/object"
	data := randomBytes(seedOf(key), 24<<20)

	raw := newRawS3(srv.endpoint)
	pr, pw := io.Pipe()
	req := raw.request(t, http.MethodPut, "/"+bucket+"/"+key, nil, nil, "UNSIGNED-PAYLOAD", time.Now())
	req.Body = pr
	req.ContentLength = int64(len(data))
	done := make(chan error, 1)
	go func() {
		resp, err := raw.client.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("PUT finished with HTTP %d", resp.StatusCode)
		}
		done <- err
	}()
	if _, err := pw.Write(data[:12<<20]); err != nil {
		t.Fatalf("send the first half: %v", err)
	}
	srv.proc.kill()
	pw.CloseWithError(fmt.Errorf("server killed"))
	if err := <-done; err != nil {
		t.Logf("interrupted PUT: %v", err)
	}

	srv.restart()
	client = newS3Client(t, srv.endpoint, rootSecretKey)
	_, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("head of a PUT interrupted by SIGKILL: %v, want 404 (no partial object)", err)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.Contents) != 0 {
		t.Errorf("list after an interrupted PUT: %d keys, want none", len(list.Contents))
	}
	if _, err := putObject(ctx, client, bucket, key, data); err != nil {
		t.Fatalf("put %s again: %v", key, err)
	}
	checkObject(ctx, t, client, bucket, key, data)
}

// TestCrashNode kills one `zones3 node` with SIGKILL right after the last
// acknowledged PUT through the gateway, restarts it on the same data
// folder, and reads everything back; then it stops another node so that
// reads need the restarted one.
func TestCrashNode(t *testing.T) {
	c := startCluster(t)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "crash-node"
	createBucket(ctx, t, client, bucket)
	objects := putTestObjects(ctx, t, client, bucket, "acked/", crashObjectSizes)

	crashed := c.nodes[1]
	crashed.proc.kill()
	c.startNode(crashed)
	checkAllObjects(ctx, t, client, bucket, "acked/", objects)

	// With zone-a stopped, every read needs the shards of the restarted node.
	c.nodes[0].proc.stop()
	for key, data := range objects {
		got, _, err := getObject(ctx, client, bucket, key)
		if err != nil {
			t.Errorf("get %s with %s stopped and %s restarted after SIGKILL: %v", key, c.nodes[0].id, crashed.id, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("get %s with %s stopped: WRONG DATA: %d bytes, want %d", key, c.nodes[0].id, len(got), len(data))
		}
	}
}

// checkAllObjects reads every object back and checks that a listing of
// prefix shows exactly them.
func checkAllObjects(ctx context.Context, t testing.TB, client *s3.Client, bucket, prefix string, objects map[string][]byte) {
	t.Helper()
	for key, data := range objects {
		checkObject(ctx, t, client, bucket, key, data)
	}
	listed := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Errorf("list %s: %v", prefix, err)
			return
		}
		for _, o := range out.Contents {
			listed[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	for key, data := range objects {
		if size, ok := listed[key]; !ok || size != int64(len(data)) {
			t.Errorf("list %s: %s listed %v with size %d, want size %d", prefix, key, ok, size, len(data))
		}
	}
	if len(listed) != len(objects) {
		t.Errorf("list %s: %d keys, want %d", prefix, len(listed), len(objects))
	}
}
