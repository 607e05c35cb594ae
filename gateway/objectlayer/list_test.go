package objectlayer

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// refList is the reference listing: S3's rules applied to a sorted slice
// of the live keys.
func refList(keys []string, o ListOptions) ListResult {
	max := o.MaxKeys
	if max <= 0 || max > 1000 {
		max = 1000
	}
	var res ListResult
	afterCP := isCommonPrefix(o.After, o.Prefix, o.Delimiter)
	count := 0
	for _, k := range keys {
		if !strings.HasPrefix(k, o.Prefix) || (o.After != "" && k <= o.After) {
			continue
		}
		if afterCP && strings.HasPrefix(k, o.After) {
			continue
		}
		if cp, ok := commonPrefix(k, o.Prefix, o.Delimiter); ok {
			if len(res.CommonPrefixes) > 0 && res.CommonPrefixes[len(res.CommonPrefixes)-1] == cp {
				continue
			}
			if count == max {
				res.IsTruncated = true
				return res
			}
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextAfter = cp
			count++
			continue
		}
		if count == max {
			res.IsTruncated = true
			return res
		}
		res.Objects = append(res.Objects, ObjectInfo{Key: k})
		res.NextAfter = k
		count++
	}
	return res
}

func sameListing(got, want ListResult) error {
	var gk []string
	for _, o := range got.Objects {
		gk = append(gk, o.Key)
	}
	var wk []string
	for _, o := range want.Objects {
		wk = append(wk, o.Key)
	}
	switch {
	case !slices.Equal(gk, wk):
		return fmt.Errorf("keys %q, want %q", gk, wk)
	case !slices.Equal(got.CommonPrefixes, want.CommonPrefixes):
		return fmt.Errorf("common prefixes %q, want %q", got.CommonPrefixes, want.CommonPrefixes)
	case got.IsTruncated != want.IsTruncated:
		return fmt.Errorf("truncated %v, want %v", got.IsTruncated, want.IsTruncated)
	case got.IsTruncated && got.NextAfter != want.NextAfter:
		return fmt.Errorf("next after %q, want %q", got.NextAfter, want.NextAfter)
	}
	return nil
}

// listingKeys returns about n keys with many shared prefixes and a few
// awkward ones.
func listingKeys(n int) []string {
	keys := []string{"a", "a/", "a//b", "a-b", "a/b", "a0", "d", "d/", "d//", "z\u00e9t\u00e0", "s", "ss/s", "/lead", "tail/"}
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	for len(keys) < n {
		var k string
		switch r.IntN(4) {
		case 0:
			k = fmt.Sprintf("d%d/s%d/f%03d", r.IntN(5), r.IntN(7), r.IntN(100))
		case 1:
			k = fmt.Sprintf("d%d/f%04d", r.IntN(5), r.IntN(1000))
		case 2:
			k = fmt.Sprintf("logs/2024-%02d-%02d/%d.log", r.IntN(12)+1, r.IntN(28)+1, r.IntN(10))
		default:
			k = fmt.Sprintf("flat%05d", r.IntN(100000))
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// putMany writes a small object under every key, in parallel.
func putMany(t testing.TB, l *Layer, bucket string, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	work := make(chan string)
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for k := range work {
				data := []byte(k)
				if _, err := l.PutObject(context.Background(), bucket, k, bytes.NewReader(data), putOpts(data)); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

func TestListObjectsMatchesReference(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	mustMakeBucket(t, l, "a")      // sorts before: its keys must not leak in
	mustMakeBucket(t, l, "b\x01x") // sorts right after b's scope
	mustPut(t, l, "a", "zzz", []byte("x"))
	mustPut(t, l, "b\x01x", "a", []byte("x"))

	keys := listingKeys(2000)
	putMany(t, l, "b", keys)
	// Delete every seventh key: tombstones must not show.
	var live []string
	for i, k := range keys {
		if i%7 == 3 {
			if err := l.DeleteObject(ctx, "b", k); err != nil {
				t.Fatal(err)
			}
			continue
		}
		live = append(live, k)
	}
	slices.Sort(live)

	check := func(t *testing.T, o ListOptions, pages int) {
		t.Helper()
		for page := 0; page < pages; page++ {
			got, err := l.ListObjects(ctx, "b", o)
			if err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			want := refList(live, o)
			if err := sameListing(got, want); err != nil {
				t.Fatalf("%+v page %d: %v", o, page, err)
			}
			for _, obj := range got.Objects {
				if obj.Size != int64(len(obj.Key)) || obj.ETag != md5Hex([]byte(obj.Key)) || obj.LastModified.IsZero() {
					t.Fatalf("listed %+v", obj)
				}
			}
			if !got.IsTruncated {
				return
			}
			o.After = got.NextAfter
		}
	}
	for _, prefix := range []string{"", "d1/", "d1/s2/", "d", "a", "logs/2024-0", "zz", "flat0"} {
		for _, delim := range []string{"", "/", "s", "/s", "-"} {
			for _, max := range []int{0, 7, 100, 1000} {
				check(t, ListOptions{Prefix: prefix, Delimiter: delim, MaxKeys: max}, 1000)
			}
			check(t, ListOptions{Prefix: prefix, Delimiter: delim, MaxKeys: 1}, 30)
		}
	}
	// Markers that are no key, a deleted key, a common prefix or past the end.
	for _, after := range []string{"a/", "d1/", "d1/s3", "d2/s0/f050", keys[3], "logs/", "zzzz", "\u00ff"} {
		for _, delim := range []string{"", "/"} {
			check(t, ListOptions{Delimiter: delim, After: after, MaxKeys: 50}, 3)
		}
	}
	// With a node down the listing is the same.
	c.setDown(1, true)
	check(t, ListOptions{Delimiter: "/", MaxKeys: 10}, 1000)
	check(t, ListOptions{Prefix: "d3/", MaxKeys: 333}, 1000)
	c.setDown(1, false)
}

// With more nodes than shards, each node holds the entries of only the
// objects placed on it.
func TestListObjectsPartialPlacement(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{nodes: 6, k: 2, m: 1})
	if c.topo.K+c.topo.M >= len(c.nodes) {
		t.Skipf("placement uses all %d nodes for every object", len(c.nodes))
	}
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	keys := listingKeys(300)
	putMany(t, l, "b", keys)
	slices.Sort(keys)
	for _, o := range []ListOptions{{}, {Delimiter: "/"}, {Prefix: "d2/", MaxKeys: 9}} {
		for {
			got, err := l.ListObjects(ctx, "b", o)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameListing(got, refList(keys, o)); err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			if !got.IsTruncated {
				break
			}
			o.After = got.NextAfter
		}
	}
}
