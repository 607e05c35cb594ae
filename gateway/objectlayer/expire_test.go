package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// listedRefs lists the bucket's current versions as the lifecycle worker
// does and returns them as ExpireRefs, by key.
func listedRefs(t *testing.T, l *Layer, bucket string) map[string]ExpireRef {
	t.Helper()
	res, err := l.ListObjectVersions(context.Background(), bucket, ListVersionsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]ExpireRef{}
	for _, v := range res.Versions {
		if v.IsLatest {
			refs[v.Key] = ExpireRef{Key: v.Key, Stamp: v.Stamp}
		}
	}
	return refs
}

func expire(t *testing.T, l *Layer, bucket string, refs ...ExpireRef) []error {
	t.Helper()
	errs, err := l.ExpireObjects(context.Background(), bucket, refs)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

func mustBeGone(t *testing.T, l *Layer, bucket, key string) {
	t.Helper()
	if _, err := l.StatObject(context.Background(), bucket, key); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("%s after its expiration: %v", key, err)
	}
}

func TestExpireObjects(t *testing.T) {
	t.Parallel()
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote=%v", remote), func(t *testing.T) {
			c := newTestCluster(t, clusterOptions{remote: remote})
			l := c.layer
			ctx := context.Background()
			mustMakeBucket(t, l, "b")
			small := randomBytes(1, 1000)
			for i := range 6 {
				mustPut(t, l, "b", fmt.Sprint("k", i), small)
			}
			big := randomBytes(2, 300<<10)
			mustPut(t, l, "b", "big", big)
			refs := listedRefs(t, l, "b")
			if refs["big"].Stamp != 0 {
				t.Errorf("an object with shard files has a stamp")
			}
			for i := range 6 {
				if s := refs[fmt.Sprint("k", i)].Stamp; s == 0 || s&1 != 0 {
					t.Fatalf("k%d listed with stamp %d", i, s)
				}
			}
			// After the listing, k1 is overwritten and k2's tags change:
			// neither is the version listed any more.
			newer := randomBytes(3, 500)
			mustPut(t, l, "b", "k1", newer)
			if _, err := l.PutObjectTags(ctx, "b", "k2", "", map[string]string{"a": "b"}); err != nil {
				t.Fatal(err)
			}
			errs := expire(t, l, "b", refs["k0"], refs["k1"], refs["k2"], refs["k3"], refs["big"])
			if errs[0] != nil || errs[3] != nil {
				t.Errorf("expire k0, k3: %v, %v", errs[0], errs[3])
			}
			if !errors.Is(errs[1], ErrPreconditionFailed) || !errors.Is(errs[2], ErrPreconditionFailed) {
				t.Errorf("expire of changed keys: %v, %v", errs[1], errs[2])
			}
			if !errors.Is(errs[4], ErrNotBatchable) {
				t.Errorf("expire of an object with shards: %v", errs[4])
			}
			mustBeGone(t, l, "b", "k0")
			mustBeGone(t, l, "b", "k3")
			checkObject(t, l, "b", "k1", newer)
			checkObject(t, l, "b", "k2", small)
			checkObject(t, l, "b", "big", big)
			res, err := l.ListObjects(ctx, "b", ListOptions{})
			if err != nil || len(res.Objects) != 5 {
				t.Errorf("listing after the expirations: %d objects, %v", len(res.Objects), err)
			}

			// Done again (a worker that restarted): nothing to do.
			errs = expire(t, l, "b", refs["k0"])
			if !errors.Is(errs[0], ErrPreconditionFailed) {
				t.Errorf("a second expiration: %v", errs[0])
			}
			// A write after the expiration is a new object.
			mustPut(t, l, "b", "k0", newer)
			checkObject(t, l, "b", "k0", newer)

			// One node down: the expiration holds on the others, and
			// with another node down later the object stays gone.
			c.setDown(0, true)
			errs = expire(t, l, "b", refs["k4"])
			c.setDown(0, false)
			if errs[0] != nil {
				t.Fatalf("expire with a node down: %v", errs[0])
			}
			c.setDown(1, true)
			mustBeGone(t, l, "b", "k4")
			c.setDown(1, false)

			// Two nodes down: no quorum, and it says so.
			c.setDown(0, true)
			c.setDown(1, true)
			errs = expire(t, l, "b", refs["k5"])
			c.setDown(0, false)
			c.setDown(1, false)
			if errs[0] == nil || errors.Is(errs[0], ErrPreconditionFailed) {
				t.Errorf("expire with two nodes down: %v", errs[0])
			}
		})
	}
}

func TestExpireObjectsRefusesVersionedBuckets(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	mustMakeBucket(t, l, "v")
	mustPut(t, l, "v", "k", []byte("x"))
	refs := listedRefs(t, l, "v")
	if err := l.SetBucketVersioning(context.Background(), "v", VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ExpireObjects(context.Background(), "v", []ExpireRef{refs["k"]}); !errors.Is(err, ErrNotBatchable) {
		t.Errorf("expire in a versioned bucket: %v", err)
	}
	checkObject(t, l, "v", "k", []byte("x"))
	mustPut(t, l, "v", "k2", []byte("y"))
	if s := listedRefs(t, l, "v")["k2"].Stamp; s != 0 {
		t.Errorf("a version in a versioned bucket has stamp %d", s)
	}
}

// TestExpireObjectsLosesToWrites runs expirations of listed objects while
// the same keys are written again: every write came after the listing, so
// each must survive, whichever reaches each node first.
func TestExpireObjectsLosesToWrites(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{remote: true})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	const n = 200
	for i := range n {
		mustPut(t, l, "b", fmt.Sprintf("k%03d", i), []byte("old"))
	}
	listed := listedRefs(t, l, "b")
	refs := make([]ExpireRef, 0, n)
	for i := range n {
		refs = append(refs, listed[fmt.Sprintf("k%03d", i)])
	}
	// Each key's write and expiration start together, a few keys at a
	// time, so that they interleave on the nodes in every order.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		sem <- struct{}{}
		var pair sync.WaitGroup
		pair.Go(func() {
			data := fmt.Appendf(nil, "new %d", i)
			if _, err := l.PutObject(ctx, "b", fmt.Sprintf("k%03d", i), bytes.NewReader(data), putOpts(data)); err != nil {
				t.Error(err)
			}
		})
		pair.Go(func() {
			if _, err := l.ExpireObjects(ctx, "b", refs[i:i+1]); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			pair.Wait()
			<-sem
		})
	}
	wg.Wait()
	for i := range n {
		var buf bytes.Buffer
		if _, err := l.GetObject(ctx, "b", fmt.Sprintf("k%03d", i), GetOptions{Length: -1}, &buf); err != nil || buf.String() != fmt.Sprint("new ", i) {
			t.Errorf("k%03d after a write raced its expiration: %q, %v", i, buf.String(), err)
		}
	}
}
