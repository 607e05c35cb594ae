package objectlayer

import (
	"context"
	"errors"
	"testing"
)

func TestMetaLastWriterWinsAcrossZoneLoss(t *testing.T) {
	c := newTestCluster(t, clusterOptions{})
	ctx := context.Background()
	l := c.layer

	if _, err := l.GetMeta(ctx, "iam/user/alice"); !errors.Is(err, ErrNoSuchMeta) {
		t.Fatalf("GetMeta of nothing: %v, want ErrNoSuchMeta", err)
	}
	if err := l.PutMeta(ctx, "iam/user/alice", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	// Node 0 misses the second write; node 2 is lost after it.
	c.setDown(0, true)
	if err := l.PutMeta(ctx, "iam/user/alice", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if err := l.PutMeta(ctx, "iam/user/bob", []byte("b1")); err != nil {
		t.Fatal(err)
	}
	c.setDown(0, false)
	c.setDown(2, true)
	e, err := l.GetMeta(ctx, "iam/user/alice")
	if err != nil || string(e.Value) != "v2" {
		t.Fatalf("GetMeta with one zone down = %q, %v; want v2", e.Value, err)
	}
	list, err := l.ListMeta(ctx, "iam/user/")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "iam/user/alice" || string(list[0].Value) != "v2" || list[1].Name != "iam/user/bob" {
		t.Fatalf("ListMeta = %+v", list)
	}
	if err := l.DeleteMeta(ctx, "iam/user/bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.GetMeta(ctx, "iam/user/bob"); !errors.Is(err, ErrNoSuchMeta) {
		t.Fatalf("GetMeta after delete: %v", err)
	}
	// Two zones down: no majority, no answer rather than a stale one.
	c.setDown(1, true)
	if _, err := l.GetMeta(ctx, "iam/user/alice"); !errors.Is(err, ErrQuorum) {
		t.Fatalf("GetMeta with two zones down: %v, want ErrQuorum", err)
	}
}

func TestBucketConfigGoesWithBucket(t *testing.T) {
	c := newTestCluster(t, clusterOptions{})
	ctx := context.Background()
	l := c.layer
	if err := l.PutBucketConfig(ctx, "nobucket", ConfigVersioning, []byte("x")); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("config of a missing bucket: %v", err)
	}
	if err := l.MakeBucket(ctx, "cfg", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.PutBucketConfig(ctx, "cfg", ConfigTagging, []byte("tags")); err != nil {
		t.Fatal(err)
	}
	v, err := l.GetBucketConfig(ctx, "cfg", ConfigTagging)
	if err != nil || string(v) != "tags" {
		t.Fatalf("GetBucketConfig = %q, %v", v, err)
	}
	if err := l.DeleteBucket(ctx, "cfg"); err != nil {
		t.Fatal(err)
	}
	if err := l.MakeBucket(ctx, "cfg", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.GetBucketConfig(ctx, "cfg", ConfigTagging); !errors.Is(err, ErrNoSuchMeta) {
		t.Fatalf("config of a re-created bucket: %v, want ErrNoSuchMeta", err)
	}
}
