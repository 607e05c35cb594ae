package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/storage"
)

func mustMakeBucket(t testing.TB, l *Layer, bucket string) {
	t.Helper()
	if err := l.MakeBucket(context.Background(), bucket, "us-east-1"); err != nil {
		t.Fatal(err)
	}
}

func mustPut(t testing.TB, l *Layer, bucket, key string, data []byte) ObjectInfo {
	t.Helper()
	info, err := l.PutObject(context.Background(), bucket, key, bytes.NewReader(data), putOpts(data))
	if err != nil {
		t.Fatalf("put %s/%s (%d bytes): %v", bucket, key, len(data), err)
	}
	return info
}

func mustGet(t testing.TB, l *Layer, bucket, key string, off, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := l.GetObject(context.Background(), bucket, key, GetOptions{Offset: off, Length: n}, &buf); err != nil {
		t.Fatalf("get %s/%s [%d,+%d): %v", bucket, key, off, n, err)
	}
	return buf.Bytes()
}

// checkObject reads data back whole, in ranges and through OpenObject.
func checkObject(t *testing.T, l *Layer, bucket, key string, data []byte) {
	t.Helper()
	ctx := context.Background()
	size := int64(len(data))
	info, err := l.StatObject(ctx, bucket, key)
	if err != nil {
		t.Fatalf("stat %s: %v", key, err)
	}
	if info.Size != size || info.ETag != md5Hex(data) {
		t.Fatalf("stat %s: size %d etag %s, want %d %s", key, info.Size, info.ETag, size, md5Hex(data))
	}
	if got := mustGet(t, l, bucket, key, 0, -1); !bytes.Equal(got, data) {
		t.Fatalf("get %s: %d bytes differ from the %d put", key, len(got), size)
	}
	ranges := [][2]int64{{0, 1}, {size - 1, 1}, {size / 3, size / 2}, {size / 2, -1}, {1, size + 100}}
	for _, bs := range []int64{1 << 20, 2 << 20} { // across block boundaries
		if size > bs+10 {
			ranges = append(ranges, [2]int64{bs - 5, 10})
		}
	}
	for _, r := range ranges {
		off, n := r[0], r[1]
		if size == 0 || off < 0 || off >= size {
			continue
		}
		want := data[off:]
		if n >= 0 && n < int64(len(want)) {
			want = want[:n]
		}
		if got := mustGet(t, l, bucket, key, off, n); !bytes.Equal(got, want) {
			t.Fatalf("get %s [%d,+%d): %d bytes, want %d, or contents differ", key, off, n, len(got), len(want))
		}
	}
	_, rc, err := l.OpenObject(ctx, bucket, key, GetOptions{Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("open %s: %v, %d bytes", key, err, len(got))
	}
}

func TestPutGetRoundTrip(t *testing.T) {
	t.Parallel()
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote=%v", remote), func(t *testing.T) {
			c := newTestCluster(t, clusterOptions{remote: remote})
			l := c.layer
			mustMakeBucket(t, l, "b")
			sizes := []int{0, 1, 1000, DefaultInlineLimit - 1, DefaultInlineLimit, DefaultInlineLimit + 1, 1<<20 + 1, 5<<20 + 13}
			for i, size := range sizes {
				data := randomBytes(uint64(i), size)
				key := fmt.Sprintf("obj-%d", size)
				info := mustPut(t, l, "b", key, data)
				if info.Size != int64(size) || info.ETag != md5Hex(data) {
					t.Fatalf("put info %+v", info)
				}
				checkObject(t, l, "b", key, data)

				// The same with the size unknown up front: always shard files.
				opts := putOpts(data)
				opts.Size = -1
				key += "-unknown"
				if _, err := l.PutObject(context.Background(), "b", key, bytes.NewReader(data), opts); err != nil {
					t.Fatal(err)
				}
				checkObject(t, l, "b", key, data)
			}
			// Inline objects leave no shard files; the others one per shard.
			files, tmp := c.shardFiles(t)
			if tmp != 0 {
				t.Errorf("%d temporary files left", tmp)
			}
			large := 3 // 1 MiB+1, 5 MiB+13, and with the size unknown all 8
			if want := (large + len(sizes)) * 3; len(files) != want {
				t.Errorf("%d shard files, want %d", len(files), want)
			}
		})
	}
}

func TestGetRangeErrors(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	mustMakeBucket(t, l, "b")
	mustPut(t, l, "b", "k", []byte("hello"))
	mustPut(t, l, "b", "empty", nil)
	for _, r := range [][2]int64{{5, -1}, {6, 1}, {-1, 2}} {
		_, err := l.GetObject(context.Background(), "b", "k", GetOptions{Offset: r[0], Length: r[1]}, io.Discard)
		if !errors.Is(err, ErrInvalidRange) {
			t.Errorf("range %v: %v, want ErrInvalidRange", r, err)
		}
	}
	if got := mustGet(t, l, "b", "empty", 0, -1); len(got) != 0 {
		t.Errorf("empty object read %d bytes", len(got))
	}
	if got := mustGet(t, l, "b", "k", 1, 2); string(got) != "el" {
		t.Errorf("range read %q", got)
	}
	checkErr := errors.New("not modified")
	_, err := l.GetObject(context.Background(), "b", "k", GetOptions{Length: -1, Check: func(info ObjectInfo) error {
		if info.ETag != md5Hex([]byte("hello")) {
			t.Errorf("check saw %+v", info)
		}
		return checkErr
	}}, io.Discard)
	if err != checkErr {
		t.Errorf("check error %v returned as %v", checkErr, err)
	}
}

func TestOverwriteAndDelete(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	big := randomBytes(1, 3<<20)
	small := []byte("small")
	mustPut(t, l, "b", "k", big)
	checkObject(t, l, "b", "k", big)
	mustPut(t, l, "b", "k", small)
	checkObject(t, l, "b", "k", small)
	if files, _ := c.shardFiles(t); len(files) != 0 {
		t.Errorf("replaced object left shard files %v", files)
	}
	big2 := randomBytes(2, 2<<20+7)
	mustPut(t, l, "b", "k", big)
	mustPut(t, l, "b", "k", big2)
	checkObject(t, l, "b", "k", big2)
	if files, _ := c.shardFiles(t); len(files) != 3 {
		t.Errorf("%d shard files after overwrite, want 3", len(files))
	}
	if err := l.DeleteObject(ctx, "b", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.StatObject(ctx, "b", "k"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("stat after delete: %v", err)
	}
	if _, err := l.GetObject(ctx, "b", "k", GetOptions{Length: -1}, io.Discard); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("get after delete: %v", err)
	}
	if files, _ := c.shardFiles(t); len(files) != 0 {
		t.Errorf("deleted object left shard files %v", files)
	}
	if err := l.DeleteObject(ctx, "b", "k"); err != nil {
		t.Errorf("deleting a deleted key: %v", err)
	}
	if err := l.DeleteObject(ctx, "b", "never"); err != nil {
		t.Errorf("deleting a missing key: %v", err)
	}
	// A key written again after its delete is back.
	mustPut(t, l, "b", "k", small)
	checkObject(t, l, "b", "k", small)

	if _, err := l.StatObject(ctx, "nobucket", "k"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("stat in a missing bucket: %v", err)
	}
	if _, err := l.PutObject(ctx, "nobucket", "k", strings.NewReader("x"), putOpts([]byte("x"))); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("put in a missing bucket: %v", err)
	}
	if err := l.DeleteObject(ctx, "nobucket", "k"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("delete in a missing bucket: %v", err)
	}
}

// failingReader returns n bytes of data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestFailedPutLeavesNothing(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	old := []byte("the old version")
	mustPut(t, l, "b", "kept", old)

	bodyErr := errors.New("connection reset")
	sealErr := errors.New("crc32 mismatch")
	for _, size := range []int{100, 3<<20 + 5} {
		data := randomBytes(9, size)
		for _, key := range []string{"new", "kept"} {
			// The body fails halfway.
			opts := putOpts(data)
			_, err := l.PutObject(ctx, "b", key, &failingReader{data: data[:size/2], err: bodyErr}, opts)
			if !errors.Is(err, bodyErr) {
				t.Errorf("size %d: put with failing body: %v", size, err)
			}
			// The body is fine but Seal refuses it.
			opts.Seal = func() (string, map[string]string, error) { return "", nil, sealErr }
			_, err = l.PutObject(ctx, "b", key, bytes.NewReader(data), opts)
			if !errors.Is(err, sealErr) {
				t.Errorf("size %d: put with failing seal: %v", size, err)
			}
			// The body is shorter, then longer than declared.
			opts = putOpts(data)
			opts.Size++
			if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); err == nil {
				t.Errorf("size %d: short body accepted", size)
			}
			opts.Size -= 2
			if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); err == nil {
				t.Errorf("size %d: long body accepted", size)
			}
			// With the size unknown.
			opts = putOpts(data)
			opts.Size = -1
			if _, err := l.PutObject(ctx, "b", key, &failingReader{data: data, err: bodyErr}, opts); !errors.Is(err, bodyErr) {
				t.Errorf("size %d: put of unknown size with failing body: %v", size, err)
			}
		}
	}
	if _, err := l.StatObject(ctx, "b", "new"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("failed puts made the key visible: %v", err)
	}
	checkObject(t, l, "b", "kept", old)
	files, tmp := c.shardFiles(t)
	if len(files) != 0 || tmp != 0 {
		t.Errorf("failed puts left %d shard files and %d temporary files", len(files), tmp)
	}
	res, err := l.ListObjects(ctx, "b", ListOptions{})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "kept" {
		t.Errorf("listing after failed puts: %+v, %v", res, err)
	}
}

func TestPreconditions(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	for _, size := range []int{10, 2 << 20} {
		data := randomBytes(3, size)
		key := fmt.Sprint("k", size)
		opts := putOpts(data)
		opts.IfMatch = "0123"
		if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); !errors.Is(err, ErrNoSuchKey) {
			t.Errorf("If-Match on a missing key: %v", err)
		}
		opts = putOpts(data)
		opts.IfNoneMatchStar = true
		if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); err != nil {
			t.Errorf("If-None-Match on a missing key: %v", err)
		}
		if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); !errors.Is(err, ErrPreconditionFailed) {
			t.Errorf("If-None-Match on an existing key: %v", err)
		}
		opts = putOpts(data)
		opts.IfMatch = "ffff"
		if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); !errors.Is(err, ErrPreconditionFailed) {
			t.Errorf("If-Match with another ETag: %v", err)
		}
		opts.IfMatch = `"` + md5Hex(data) + `"`
		if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); err != nil {
			t.Errorf("If-Match with the ETag: %v", err)
		}
	}
	files, tmp := c.shardFiles(t)
	if len(files) != 3 || tmp != 0 {
		t.Errorf("%d shard files, %d temporary, want 3 and 0", len(files), tmp)
	}
}

func TestBuckets(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	for _, b := range []string{"zeta", "alpha", "mid"} {
		mustMakeBucket(t, l, b)
	}
	if err := l.MakeBucket(ctx, "mid", ""); !errors.Is(err, ErrBucketExists) {
		t.Errorf("make existing bucket: %v", err)
	}
	info, err := l.GetBucket(ctx, "alpha")
	if err != nil || info.Name != "alpha" || info.Region != "us-east-1" || info.Created.IsZero() {
		t.Errorf("get bucket: %+v, %v", info, err)
	}
	if _, err := l.GetBucket(ctx, "none"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("get missing bucket: %v", err)
	}
	list, err := l.ListBuckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range list {
		names = append(names, b.Name)
	}
	if strings.Join(names, ",") != "alpha,mid,zeta" {
		t.Errorf("buckets %v", names)
	}

	mustPut(t, l, "mid", "k", []byte("x"))
	if err := l.DeleteBucket(ctx, "mid"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Errorf("delete bucket with an object: %v", err)
	}
	if err := l.DeleteObject(ctx, "mid", "k"); err != nil {
		t.Fatal(err)
	}
	id, err := l.NewMultipartUpload(ctx, "mid", "up", Upload{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteBucket(ctx, "mid"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Errorf("delete bucket with an upload: %v", err)
	}
	if err := l.AbortMultipartUpload(ctx, "mid", "up", id); err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteBucket(ctx, "mid"); err != nil {
		t.Fatalf("delete empty bucket: %v", err)
	}
	if err := l.DeleteBucket(ctx, "mid"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("delete deleted bucket: %v", err)
	}
	if _, err := l.PutObject(ctx, "mid", "k", strings.NewReader("x"), putOpts([]byte("x"))); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("put into deleted bucket: %v", err)
	}
	if _, err := l.ListObjects(ctx, "mid", ListOptions{}); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("list deleted bucket: %v", err)
	}
	// Created again, it is empty.
	mustMakeBucket(t, l, "mid")
	res, err := l.ListObjects(ctx, "mid", ListOptions{})
	if err != nil || len(res.Objects) != 0 {
		t.Errorf("recreated bucket lists %+v, %v", res, err)
	}
	list, _ = l.ListBuckets(ctx)
	if len(list) != 3 {
		t.Errorf("%d buckets", len(list))
	}
}

func TestOneNodeDown(t *testing.T) {
	t.Parallel()
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote=%v", remote), func(t *testing.T) {
			c := newTestCluster(t, clusterOptions{remote: remote})
			l := c.layer
			ctx := context.Background()
			mustMakeBucket(t, l, "b")
			small, big := randomBytes(1, 1000), randomBytes(2, 3<<20+3)
			mustPut(t, l, "b", "before-small", small)
			mustPut(t, l, "b", "before-big", big)
			for down := range c.nodes {
				c.setDown(down, true)
				checkObject(t, l, "b", "before-small", small)
				checkObject(t, l, "b", "before-big", big)
				ks, kb := fmt.Sprint("small-", down), fmt.Sprint("big-", down)
				mustPut(t, l, "b", ks, small)
				mustPut(t, l, "b", kb, big)
				checkObject(t, l, "b", ks, small)
				checkObject(t, l, "b", kb, big)
				res, err := l.ListObjects(ctx, "b", ListOptions{})
				if err != nil || len(res.Objects) != 2+2*(down+1) {
					t.Fatalf("list with node %d down: %d objects, %v", down, len(res.Objects), err)
				}
				if _, err := l.ListBuckets(ctx); err != nil {
					t.Fatalf("list buckets with node %d down: %v", down, err)
				}
				c.setDown(down, false)
				// Back up, the node lacks the writes it missed; reads still
				// pick the newest version.
				checkObject(t, l, "b", ks, small)
				checkObject(t, l, "b", kb, big)
			}
			// An overwrite while a node is down, read once it is back and
			// another is down: one holder of the new version answers, which
			// is not enough to decode it, and the old version must not be
			// served in its place.
			c.setDown(0, true)
			mustPut(t, l, "b", "before-big", small)
			c.setDown(0, false)
			c.setDown(1, true)
			if _, err := l.GetObject(ctx, "b", "before-big", GetOptions{Length: -1}, io.Discard); !errors.Is(err, ErrQuorum) {
				t.Errorf("get of a version with one holder answering: %v", err)
			}
			c.setDown(1, false)
			checkObject(t, l, "b", "before-big", small)
		})
	}
}

func TestTwoNodesDown(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	small, big := randomBytes(1, 1000), randomBytes(2, 2<<20)
	mustPut(t, l, "b", "small", small)
	mustPut(t, l, "b", "big", big)
	c.setDown(0, true)
	c.setDown(2, true)
	for _, key := range []string{"small", "big", "missing"} {
		var buf bytes.Buffer
		if _, err := l.GetObject(ctx, "b", key, GetOptions{Length: -1}, &buf); !errors.Is(err, ErrQuorum) {
			t.Errorf("get %s with two nodes down: %v", key, err)
		}
		if buf.Len() != 0 {
			t.Errorf("get %s with two nodes down wrote %d bytes", key, buf.Len())
		}
		if _, err := l.StatObject(ctx, "b", key); !errors.Is(err, ErrQuorum) {
			t.Errorf("stat %s with two nodes down: %v", key, err)
		}
	}
	for _, data := range [][]byte{small, big} {
		if _, err := l.PutObject(ctx, "b", "new", bytes.NewReader(data), putOpts(data)); !errors.Is(err, ErrQuorum) {
			t.Errorf("put of %d bytes with two nodes down: %v", len(data), err)
		}
	}
	if err := l.DeleteObject(ctx, "b", "small"); !errors.Is(err, ErrQuorum) {
		t.Errorf("delete with two nodes down: %v", err)
	}
	if _, err := l.ListObjects(ctx, "b", ListOptions{}); !errors.Is(err, ErrQuorum) {
		t.Errorf("list with two nodes down: %v", err)
	}
	if err := l.MakeBucket(ctx, "b2", ""); !errors.Is(err, ErrQuorum) {
		t.Errorf("make bucket with two nodes down: %v", err)
	}
	c.setDown(0, false)
	c.setDown(2, false)
	checkObject(t, l, "b", "small", small)
	checkObject(t, l, "b", "big", big)
	if _, err := l.StatObject(ctx, "b", "new"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("failed put visible: %v", err)
	}
	if _, tmp := c.shardFiles(t); tmp != 0 {
		t.Errorf("%d temporary files left", tmp)
	}
}

// A node that takes shard files no more: large writes go on with the other
// two, which is still a write quorum.
func TestShardWriteFailure(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	mustMakeBucket(t, l, "b")
	c.nodes[1].failCreate.Store(true)
	big := randomBytes(5, 2<<20+1)
	mustPut(t, l, "b", "k", big)
	checkObject(t, l, "b", "k", big)
	c.nodes[1].failCreate.Store(false)
	c.setDown(1, true)
	checkObject(t, l, "b", "k", big)
	c.setDown(1, false)
	if _, tmp := c.shardFiles(t); tmp != 0 {
		t.Errorf("%d temporary files left", tmp)
	}
}

func TestCorruptShard(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	mustMakeBucket(t, l, "b")
	big := randomBytes(7, 3<<20+11)
	mustPut(t, l, "b", "k", big)
	files, _ := c.shardFiles(t)
	if len(files) != 3 {
		t.Fatalf("%d shard files", len(files))
	}
	// Corrupt the first shard file found, in its second block.
	var corrupted bool
	for _, n := range c.locals {
		paths, err := globShards(n.Dir())
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) > 0 {
			corruptFile(t, paths[0], 600<<10)
			corrupted = true
			break
		}
	}
	if !corrupted {
		t.Fatal("no shard file to corrupt")
	}
	checkObject(t, l, "b", "k", big)
}

func TestNodeErrorsAreNotData(t *testing.T) {
	t.Parallel()
	// A record that does not decode counts as a node that did not answer.
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	data := randomBytes(1, 500)
	mustPut(t, l, "b", "k", data)
	placed := c.topo.Place("b", "k")
	if _, err := c.locals[placed[0]].Apply(ctx, storage.Batch{Ops: []storage.Op{
		{Kind: storage.OpPut, Key: objectKey("b", "k"), Value: []byte("garbage that is no record")},
	}}); err != nil {
		t.Fatal(err)
	}
	checkObject(t, l, "b", "k", data)
}

// Writers racing on one key leave one of their versions, whole.
func TestConcurrentWritesOneKey(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	bodies := map[string][]byte{}
	var list [][]byte
	for i := range 8 {
		size := 100 + i
		if i%2 == 0 {
			size = 1<<20 + i
		}
		data := randomBytes(uint64(100+i), size)
		bodies[md5Hex(data)] = data
		list = append(list, data)
	}
	var wg sync.WaitGroup
	for round := range 3 {
		for i, data := range list {
			wg.Go(func() {
				if (i+round)%5 == 4 {
					if err := l.DeleteObject(ctx, "b", "k"); err != nil {
						t.Error(err)
					}
					return
				}
				if _, err := l.PutObject(ctx, "b", "k", bytes.NewReader(data), putOpts(data)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		info, err := l.StatObject(ctx, "b", "k")
		if errors.Is(err, ErrNoSuchKey) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := bodies[info.ETag]; !ok {
			t.Fatalf("stat shows ETag %s, written by nobody", info.ETag)
		}
		var buf bytes.Buffer
		got, err := l.GetObject(ctx, "b", "k", GetOptions{Length: -1}, &buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), bodies[got.ETag]) {
			t.Fatalf("read %d bytes that are not the version %s", buf.Len(), got.ETag)
		}
	}
}

// Listing and multipart uploads through the internode API.
func TestRemoteListAndMultipart(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{remote: true})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	keys := listingKeys(150)
	putMany(t, l, "b", keys)
	slices.Sort(keys)
	o := ListOptions{Delimiter: "/", MaxKeys: 4}
	for {
		got, err := l.ListObjects(ctx, "b", o)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameListing(got, refList(keys, o)); err != nil {
			t.Fatal(err)
		}
		if !got.IsTruncated {
			break
		}
		o.After = got.NextAfter
	}
	id, err := l.NewMultipartUpload(ctx, "b", "mp", Upload{})
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := randomBytes(1, MinPartSize), randomBytes(2, 777)
	mustPutPart(t, l, "b", "mp", id, 1, p1)
	mustPutPart(t, l, "b", "mp", id, 2, p2)
	if _, err := l.CompleteMultipartUpload(ctx, "b", "mp", id, []CompletePart{{PartNumber: 1, ETag: md5Hex(p1)}, {PartNumber: 2, ETag: md5Hex(p2)}}); err != nil {
		t.Fatal(err)
	}
	whole := append(append([]byte{}, p1...), p2...)
	if got := mustGet(t, l, "b", "mp", 0, -1); !bytes.Equal(got, whole) {
		t.Fatal("multipart object reads back different")
	}
	if got := mustGet(t, l, "b", "mp", MinPartSize-3, 10); !bytes.Equal(got, whole[MinPartSize-3:MinPartSize+7]) {
		t.Fatal("range across parts reads back different")
	}
}

// TestGetReadsVersionThatReplacedIt: a GET whose version loses its shard
// files to an overwrite before any byte was sent serves the new version
// instead of failing.
func TestGetReadsVersionThatReplacedIt(t *testing.T) {
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	old, cur := randomBytes(40, 1<<20), randomBytes(41, 1<<20+3)
	mustPut(t, l, "b", "k", old)
	checks := 0
	var buf bytes.Buffer
	info, err := l.GetObject(ctx, "b", "k", GetOptions{Length: -1, Check: func(info ObjectInfo) error {
		checks++
		if checks == 1 {
			// Between the record read and the stream: an overwrite
			// lands and the old version's shard files go.
			for _, local := range c.locals {
				paths, err := globShards(local.Dir())
				if err != nil {
					return err
				}
				for _, p := range paths {
					if err := os.Remove(p); err != nil {
						return err
					}
				}
			}
			mustPut(t, l, "b", "k", cur)
		}
		return nil
	}}, &buf)
	if err != nil {
		t.Fatalf("GET with its version replaced: %v", err)
	}
	if checks != 2 || info.ETag != md5Hex(cur) || !bytes.Equal(buf.Bytes(), cur) {
		t.Fatalf("GET served %d bytes (etag %s, %d checks), want the new version's %d", buf.Len(), info.ETag, checks, len(cur))
	}
}

// TestBlockSizeBySize checks which erasure block size new objects get: one
// BlockSize block when they fit in it, StreamBlockSize blocks when they are
// longer or of unknown size, and StreamBlockSize for multipart uploads;
// each reads back whole.
func TestBlockSizeBySize(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{layer: Options{InlineLimit: -1}})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	bs, stream := erasure.DefaultBlockSize, DefaultStreamBlockSize
	for _, tc := range []struct {
		size    int
		unknown bool
		want    int
	}{
		{100, false, bs},
		{bs, false, bs},
		{bs + 1, false, stream},
		{3*bs + 17, false, stream},
		{100, true, stream},
	} {
		data := randomBytes(uint64(tc.size), tc.size)
		key := fmt.Sprint("k", tc.size, tc.unknown)
		opts := putOpts(data)
		if tc.unknown {
			opts.Size = -1
		}
		if _, err := l.PutObject(ctx, "b", key, bytes.NewReader(data), opts); err != nil {
			t.Fatal(err)
		}
		st, err := l.readObject(ctx, "b", key)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.cur.layout.BlockSize; got != tc.want {
			t.Errorf("%d bytes (unknown size %v): block size %d, want %d", tc.size, tc.unknown, got, tc.want)
		}
		var buf bytes.Buffer
		if _, err := l.GetObject(ctx, "b", key, GetOptions{Length: -1}, &buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
			t.Errorf("%d bytes: read back %d bytes, %v", tc.size, buf.Len(), err)
		}
	}
	id, err := l.NewMultipartUpload(ctx, "b", "mp", Upload{})
	if err != nil {
		t.Fatal(err)
	}
	up, _, err := l.readUpload(ctx, "b", "mp", id)
	if err != nil {
		t.Fatal(err)
	}
	if up.layout.BlockSize != stream {
		t.Errorf("multipart upload block size %d, want %d", up.layout.BlockSize, stream)
	}
}
