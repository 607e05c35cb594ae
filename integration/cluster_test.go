package integration

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestClusterSmoke runs three `zones3 node` processes (zones a, b, c) and a
// `zones3 gateway`, and puts, gets, lists and uploads in parts through it.
func TestClusterSmoke(t *testing.T) {
	c := startCluster(t)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "cluster-smoke"
	createBucket(ctx, t, client, bucket)

	objects := putTestObjects(ctx, t, client, bucket, "smoke/", []int{0, 1, 4 << 10, 200 << 10, 3<<20 + 5})
	for key, data := range objects {
		checkObject(ctx, t, client, bucket, key, data)
	}

	const mpuKey = "smoke/multipart"
	mpuData := randomBytes(4000, 12<<20+3)
	up := manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	out, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(mpuKey), Body: bytes.NewReader(mpuData)})
	if err != nil {
		t.Fatalf("upload %s in parts: %v", mpuKey, err)
	}
	if got, want := aws.ToString(out.ETag), multipartETagOf(mpuData, 5<<20); got != want {
		t.Errorf("upload %s: ETag %s, want %s", mpuKey, got, want)
	}
	checkObject(ctx, t, client, bucket, mpuKey, mpuData)
	objects[mpuKey] = mpuData

	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("smoke/")})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	listed := map[string]int64{}
	for _, o := range list.Contents {
		listed[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
	}
	for key, data := range objects {
		if size, ok := listed[key]; !ok || size != int64(len(data)) {
			t.Errorf("list: %s listed %v with size %d, want size %d", key, ok, size, len(data))
		}
	}
	if len(listed) != len(objects) {
		t.Errorf("list: %d keys, want %d", len(listed), len(objects))
	}

	// The gateway keeps no state of its own: a new one serves the same.
	c.gateway.stop()
	c.startGateway()
	client = newS3Client(t, c.endpoint, rootSecretKey)
	checkAllObjects(ctx, t, client, bucket, "smoke/", objects)
}

// TestClusterForeignNode restarts one node with another cluster secret: the
// gateway must not use it, must never serve wrong data, and, since one
// zone may be lost, must still read and write with the other two.
func TestClusterForeignNode(t *testing.T) {
	c := startCluster(t)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "cluster-foreign"
	createBucket(ctx, t, client, bucket)
	objects := putTestObjects(ctx, t, client, bucket, "before/", []int{4 << 10, 200 << 10, 3 << 20})

	foreign := c.nodes[2]
	foreign.proc.stop()
	foreign.secret = "another-cluster-secret-that-does-not-match"
	c.startNode(foreign)

	for key, data := range objects {
		got, _, err := getObject(ctx, client, bucket, key)
		if err != nil {
			t.Errorf("get %s with %s on a foreign secret: %v (two of three zones are enough to read)", key, foreign.id, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("get %s with %s on a foreign secret: WRONG DATA: %d bytes, want %d", key, foreign.id, len(got), len(data))
		}
	}

	after := putTestObjects(ctx, t, client, bucket, "after/", []int{4 << 10, 3 << 20})
	for key, data := range after {
		got, _, err := getObject(ctx, client, bucket, key)
		if err != nil {
			t.Errorf("get %s written while %s is foreign: %v", key, foreign.id, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("get %s written while %s is foreign: WRONG DATA", key, foreign.id)
		}
	}
}

// seedOf derives a random-data seed from a key.
func seedOf(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

// putTestObjects puts one random object per size under prefix and returns
// them by key.
func putTestObjects(ctx context.Context, t testing.TB, client *s3.Client, bucket, prefix string, sizes []int) map[string][]byte {
	t.Helper()
	objects := map[string][]byte{}
	for i, size := range sizes {
		key := fmt.Sprintf("%sobject-%02d-%d", prefix, i, size)
		data := randomBytes(seedOf(key), size)
		put, err := putObject(ctx, client, bucket, key, data)
		if err != nil {
			t.Fatalf("put %s (%d bytes): %v", key, size, err)
		}
		if aws.ToString(put.ETag) != etagOf(data) {
			t.Errorf("put %s: ETag %s, want %s", key, aws.ToString(put.ETag), etagOf(data))
		}
		objects[key] = data
	}
	return objects
}
