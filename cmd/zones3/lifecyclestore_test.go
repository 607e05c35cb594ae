package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/lifecycle"
	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// openTestLayer is an object layer over three Pebble nodes in temporary
// folders, and the folders.
func openTestLayer(t testing.TB) (*objectlayer.Layer, []string) {
	t.Helper()
	var nodes []storage.Node
	var pnodes []placement.Node
	var dirs []string
	for _, z := range embeddedZones {
		id, zone, dir := "node-"+z, "zone-"+z, t.TempDir()
		n, err := storage.OpenLocal(dir, storage.LocalOptions{ID: id, Zone: zone, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		nodes = append(nodes, n)
		dirs = append(dirs, dir)
		pnodes = append(pnodes, placement.Node{ID: id, Zone: zone, Weight: 1})
	}
	topo, err := placement.New(pnodes)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := objectlayer.New(nodes, topo, objectlayer.Options{Logger: slog.New(slog.DiscardHandler), ProbeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(layer.Close)
	return layer, dirs
}

func putObject(t testing.TB, l *objectlayer.Layer, bucket, key string, size int, tags map[string]string) objectlayer.ObjectInfo {
	t.Helper()
	body := bytes.Repeat([]byte{'x'}, size)
	info, err := l.PutObject(context.Background(), bucket, key, bytes.NewReader(body), objectlayer.PutOptions{
		Size: int64(size), Tags: tags,
		Seal: func() (string, map[string]string, error) { return "etag", nil, nil },
	})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return info
}

func ref(info objectlayer.ObjectInfo) lifecycle.VersionRef {
	return lifecycle.VersionRef{Key: info.Key, VersionID: info.VersionID, ModTime: info.LastModified}
}

func TestLifecycleStoreGuards(t *testing.T) {
	l, _ := openTestLayer(t)
	ctx := context.Background()
	s := newLifecycleStore(l)
	if err := l.MakeBucket(ctx, "plain", ""); err != nil {
		t.Fatal(err)
	}
	old := putObject(t, l, "plain", "k", 10, nil)
	cur := putObject(t, l, "plain", "k", 20, nil)
	// The listed version was overwritten: nothing happens.
	if err := s.ExpireCurrent(ctx, "plain", ref(old)); !errors.Is(err, lifecycle.ErrChanged) {
		t.Fatalf("ExpireCurrent of an overwritten version: %v, want ErrChanged", err)
	}
	if _, err := l.StatObject(ctx, "plain", "k"); err != nil {
		t.Fatalf("the newer version went: %v", err)
	}
	if err := s.ExpireCurrent(ctx, "plain", ref(cur)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.StatObject(ctx, "plain", "k"); !errors.Is(err, objectlayer.ErrNoSuchKey) {
		t.Fatalf("expired object: %v, want ErrNoSuchKey", err)
	}
	if err := s.ExpireCurrent(ctx, "plain", ref(cur)); !errors.Is(err, lifecycle.ErrChanged) {
		t.Fatalf("ExpireCurrent of a gone object: %v, want ErrChanged", err)
	}

	// Versioned: the null version is told apart by its creation time.
	if err := l.MakeBucket(ctx, "ver", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketVersioning(ctx, "ver", objectlayer.VersioningSuspended); err != nil {
		t.Fatal(err)
	}
	null1 := putObject(t, l, "ver", "n", 5, nil)
	null2 := putObject(t, l, "ver", "n", 6, nil) // replaces null1
	if err := s.DeleteVersion(ctx, "ver", ref(null1)); !errors.Is(err, lifecycle.ErrChanged) {
		t.Fatalf("DeleteVersion of a replaced null version: %v, want ErrChanged", err)
	}
	if err := l.SetBucketVersioning(ctx, "ver", objectlayer.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	v3 := putObject(t, l, "ver", "n", 7, nil)
	if err := s.DeleteVersion(ctx, "ver", ref(null2)); err != nil {
		t.Fatalf("DeleteVersion of the null version: %v", err)
	}
	if err := s.DeleteVersion(ctx, "ver", ref(null2)); !errors.Is(err, lifecycle.ErrChanged) {
		t.Fatalf("DeleteVersion twice: %v, want ErrChanged", err)
	}
	// Expiring the current version adds a delete marker; the marker is a
	// version DeleteVersion removes.
	if err := s.ExpireCurrent(ctx, "ver", ref(v3)); err != nil {
		t.Fatal(err)
	}
	if err := s.ExpireCurrent(ctx, "ver", ref(v3)); !errors.Is(err, lifecycle.ErrChanged) {
		t.Fatalf("ExpireCurrent behind a delete marker: %v, want ErrChanged", err)
	}
	page, more, err := s.ListVersions(ctx, "ver", lifecycle.VersionMarker{}, 10, false)
	if err != nil || more || len(page) != 2 || !page[0].DeleteMarker || !page[0].IsLatest || page[1].VersionID != v3.VersionID {
		t.Fatalf("versions after expiry: %+v more=%v err=%v", page, more, err)
	}
	if err := s.DeleteVersion(ctx, "ver", page[0].Ref()); err != nil {
		t.Fatalf("DeleteVersion of the delete marker: %v", err)
	}
	if info, err := l.StatObject(ctx, "ver", "n"); err != nil || info.VersionID != v3.VersionID {
		t.Fatalf("current after the marker went: %+v %v", info, err)
	}

	up, err := l.NewMultipartUpload(ctx, "plain", "mp", objectlayer.Upload{})
	if err != nil {
		t.Fatal(err)
	}
	ups, _, err := s.ListUploads(ctx, "plain", lifecycle.UploadMarker{}, 10)
	if err != nil || len(ups) != 1 || ups[0].UploadID != up {
		t.Fatalf("uploads: %+v %v", ups, err)
	}
	if err := s.AbortUpload(ctx, "plain", lifecycle.UploadRef{Key: "mp", UploadID: up}); err != nil {
		t.Fatal(err)
	}
	if err := s.AbortUpload(ctx, "plain", lifecycle.UploadRef{Key: "mp", UploadID: up}); !errors.Is(err, lifecycle.ErrChanged) {
		t.Fatalf("AbortUpload twice: %v, want ErrChanged", err)
	}
}

// After the worker deleted a null version that is not the key's oldest,
// the listing after it still shows the older versions.
func TestLifecycleStoreListsOnAfterDeletedNull(t *testing.T) {
	l, _ := openTestLayer(t)
	ctx := context.Background()
	s := newLifecycleStore(l)
	if err := l.MakeBucket(ctx, "ver", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBucketVersioning(ctx, "ver", objectlayer.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	v1 := putObject(t, l, "ver", "k", 1, nil)
	if err := l.SetBucketVersioning(ctx, "ver", objectlayer.VersioningSuspended); err != nil {
		t.Fatal(err)
	}
	null := putObject(t, l, "ver", "k", 2, nil)
	if err := l.SetBucketVersioning(ctx, "ver", objectlayer.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	putObject(t, l, "ver", "k", 3, nil)
	putObject(t, l, "ver", "z", 3, nil)

	page, more, err := s.ListVersions(ctx, "ver", lifecycle.VersionMarker{}, 2, false)
	if err != nil || !more || len(page) != 2 || page[1].VersionID != "null" {
		t.Fatalf("first page: %+v more=%v err=%v", page, more, err)
	}
	if err := s.DeleteVersion(ctx, "ver", ref(null)); err != nil {
		t.Fatal(err)
	}
	var rest []string
	after := page[1].Marker()
	for {
		page, more, err = s.ListVersions(ctx, "ver", after, 2, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page {
			rest = append(rest, v.Key+"@"+v.VersionID)
		}
		if !more {
			break
		}
		after = page[len(page)-1].Marker()
	}
	if !strings.Contains(strings.Join(rest, " "), "k@"+v1.VersionID) {
		t.Fatalf("after the deleted null version the listing skipped %s: %v", v1.VersionID, rest)
	}
}

func shardFiles(t *testing.T, dirs []string) int {
	t.Helper()
	n := 0
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(d, "shards"), func(_ string, e fs.DirEntry, err error) error {
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

// The worker over the layer: the objects a rule names go, with their
// shard files; the others stay.
func TestLifecycleWorkerFreesShards(t *testing.T) {
	l, dirs := openTestLayer(t)
	ctx := context.Background()
	if err := l.MakeBucket(ctx, "data", ""); err != nil {
		t.Fatal(err)
	}
	before := shardFiles(t, dirs)
	for _, k := range []string{"tmp/a", "tmp/b", "keep/a"} {
		putObject(t, l, "data", k, 1<<20, nil)
	}
	putObject(t, l, "data", "keep/tagged", 1<<20, map[string]string{"class": "scratch"})
	full := shardFiles(t, dirs)
	if full <= before {
		t.Fatalf("1 MiB objects made no shard files (%d, %d)", before, full)
	}
	cfg, err := lifecycle.Parse(strings.NewReader(`<LifecycleConfiguration>
<Rule><ID>tmp</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>
<Rule><ID>tag</ID><Status>Enabled</Status><Filter><Tag><Key>class</Key><Value>scratch</Value></Tag></Filter><Expiration><Days>1</Days></Expiration></Rule>
</LifecycleConfiguration>`))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.PutBucketConfig(ctx, "data", objectlayer.ConfigLifecycle, enc); err != nil {
		t.Fatal(err)
	}
	meta := lifecycleMeta{l}
	w, err := lifecycle.NewWorker(lifecycle.WorkerConfig{
		// One pass: the first starts at once, the next an hour later, so
		// the pass record stays the one that expired the objects.
		Store: newLifecycleStore(l), Meta: meta, Interval: time.Hour, Day: time.Hour,
		Now:           func() time.Time { return time.Now().Add(3 * time.Hour) },
		LeaseLifetime: 400 * time.Millisecond, LeaseRenew: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := lifecycle.ReadStatus(ctx, meta)
		if err == nil && st.LastPass != nil && st.LastPass.Buckets["data"].ObjectsExpired == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pass expired the 3 objects: %+v %v", st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, k := range []string{"tmp/a", "tmp/b", "keep/tagged"} {
		if _, err := l.StatObject(ctx, "data", k); !errors.Is(err, objectlayer.ErrNoSuchKey) {
			t.Errorf("%s: %v, want it expired", k, err)
		}
	}
	if _, err := l.StatObject(ctx, "data", "keep/a"); err != nil {
		t.Errorf("keep/a: %v", err)
	}
	// One object of four keeps its shards.
	if after := shardFiles(t, dirs); after-before != (full-before)/4 {
		t.Errorf("shard files: %d before, %d with 4 objects, %d after 3 expired", before, full, after)
	}
}

// TestLifecycleStoreExpireBatch: the listed small objects of an
// unversioned bucket go in one batch, guarded by their listing; large ones
// and those of versioned buckets go one by one; all as ExpireCurrent
// would do them.
func TestLifecycleStoreExpireBatch(t *testing.T) {
	l, dirs := openTestLayer(t)
	ctx := context.Background()
	s := newLifecycleStore(l)
	for _, b := range []string{"plain", "ver"} {
		if err := l.MakeBucket(ctx, b, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.SetBucketVersioning(ctx, "ver", objectlayer.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		putObject(t, l, "plain", k, 100, nil)
	}
	putObject(t, l, "plain", "large", 300<<10, nil)
	putObject(t, l, "ver", "v", 100, nil)
	list := func(bucket string) []lifecycle.VersionRef {
		page, _, err := s.ListVersions(ctx, bucket, lifecycle.VersionMarker{}, 100, false)
		if err != nil {
			t.Fatal(err)
		}
		refs := make([]lifecycle.VersionRef, len(page))
		for i := range page {
			refs[i] = page[i].Ref()
		}
		return refs
	}
	plain := list("plain") // a, b, c, large
	if plain[0].Stamp == 0 || plain[3].Stamp != 0 {
		t.Fatalf("stamps of a small and a large object: %d, %d", plain[0].Stamp, plain[3].Stamp)
	}
	putObject(t, l, "plain", "b", 50, nil) // after the listing
	errs := s.ExpireCurrentBatch(ctx, "plain", plain)
	if errs[0] != nil || !errors.Is(errs[1], lifecycle.ErrChanged) || errs[2] != nil || errs[3] != nil {
		t.Fatalf("batch: %v", errs)
	}
	res, err := l.ListObjects(ctx, "plain", objectlayer.ListOptions{})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "b" || res.Objects[0].Size != 50 {
		t.Fatalf("left after the batch: %+v, %v", res.Objects, err)
	}
	// Replaced shard files are removed in the background.
	for deadline := time.Now().Add(10 * time.Second); shardFiles(t, dirs) != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d shard files left after the large object expired", shardFiles(t, dirs))
		}
	}
	errs = s.ExpireCurrentBatch(ctx, "ver", list("ver"))
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if _, err := l.StatObject(ctx, "ver", "v"); !errors.Is(err, objectlayer.ErrDeleteMarker) && !errors.Is(err, objectlayer.ErrNoSuchKey) {
		t.Fatalf("versioned object after expiry: %v", err)
	}
	if page := list("ver"); len(page) != 2 {
		t.Fatalf("versioned bucket after expiry: %d versions, want the object and a delete marker", len(page))
	}
}
