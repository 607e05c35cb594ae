package lifecycle

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// walkListing is a listing with every shape of key the walk meets.
func walkListing() []Version {
	t := func(s int) time.Time { return time.Unix(1_700_000_000+int64(s), 0).UTC() }
	return []Version{
		{Key: "a", VersionID: "a1", ModTime: t(10), Size: 5, IsLatest: true},
		{Key: "b", VersionID: "b3", ModTime: t(30), DeleteMarker: true, IsLatest: true},
		{Key: "b", VersionID: "b2", ModTime: t(20), Size: 7},
		{Key: "b", VersionID: "b1", ModTime: t(10), Size: 9, Tags: map[string]string{"k": "v"}},
		{Key: "c", VersionID: "c1", ModTime: t(40), DeleteMarker: true, IsLatest: true},
		{Key: "d", VersionID: "d2", ModTime: t(50), Size: 1},
		{Key: "d", VersionID: "d1", ModTime: t(45), Size: 2},
		{Key: "e", VersionID: "e2", ModTime: t(60), IsLatest: true},
		{Key: "e", VersionID: "e1", ModTime: t(55), IsLatest: true},
		{Key: "f", VersionID: "null", ModTime: t(70), Size: 3, IsLatest: true},
		{Key: "f", VersionID: "f2", ModTime: t(65), DeleteMarker: true},
		{Key: "f", VersionID: "f1", ModTime: t(61), Size: 4},
		{Key: "g", VersionID: "g1", ModTime: t(80), DeleteMarker: true, IsLatest: true},
	}
}

func TestWalkDescribe(t *testing.T) {
	all := walkListing()
	ts := func(i int) time.Time { return all[i].ModTime }
	obj := func(i int) Object {
		v := all[i]
		return Object{Key: v.Key, Size: v.Size, Tags: v.Tags, ModTime: v.ModTime, DeleteMarker: v.DeleteMarker, Versioned: true}
	}
	with := func(o Object, f func(*Object)) Object { f(&o); return o }
	want := []described{
		{with(obj(0), func(o *Object) { o.IsLatest, o.OnlyVersion = true, true }), true},
		{with(obj(1), func(o *Object) { o.IsLatest = true }), true},
		{with(obj(2), func(o *Object) { o.NoncurrentSince = ts(1) }), true},
		{with(obj(3), func(o *Object) { o.NoncurrentSince, o.NewerNoncurrent = ts(2), 1 }), true},
		{with(obj(4), func(o *Object) { o.IsLatest, o.OnlyVersion = true, true }), true},
		// A key listed without its current version: the first listed has no
		// known noncurrent time; the next one has.
		{obj(5), false},
		{with(obj(6), func(o *Object) { o.NoncurrentSince, o.NewerNoncurrent = ts(5), 1 }), true},
		// Two current versions of one key: the second is left alone.
		{with(obj(7), func(o *Object) { o.IsLatest = true }), true},
		{obj(8), false},
		{with(obj(9), func(o *Object) { o.IsLatest = true }), true},
		{with(obj(10), func(o *Object) { o.NoncurrentSince = ts(9) }), true},
		{with(obj(11), func(o *Object) { o.NoncurrentSince, o.NewerNoncurrent = ts(10), 1 }), true},
		{with(obj(12), func(o *Object) { o.IsLatest, o.OnlyVersion = true, true }), true},
	}
	var c keyCarry
	out := make([]described, len(all))
	if n := c.describe(all, false, true, out); n != len(all) {
		t.Fatalf("described %d of %d", n, len(all))
	}
	for i := range want {
		if !reflect.DeepEqual(out[i], want[i]) {
			t.Errorf("version %d (%s/%s):\n got %+v\nwant %+v", i, all[i].Key, all[i].VersionID, out[i], want[i])
		}
	}

	// Whatever the page size, and with restarts from the saved cursor
	// between pages, the walk describes every version once, the same way.
	for size := 1; size <= len(all)+1; size++ {
		for _, restart := range []int{0, 1, 2, 3} {
			if size == 1 && restart == 1 {
				// A page of one that starts a key is all held back: a
				// restart after every such page makes no progress. The
				// worker lists at least two versions at a time.
				continue
			}
			t.Run(fmt.Sprintf("pages of %d, restart every %d", size, restart), func(t *testing.T) {
				got := pagedWalk(t, all, size, restart)
				if !reflect.DeepEqual(got, want) {
					for i := range max(len(got), len(want)) {
						if i >= len(got) || i >= len(want) || !reflect.DeepEqual(got[i], want[i]) {
							t.Fatalf("differs from version %d: got %d versions %+v", i, len(got), got[min(i, len(got)-1)])
						}
					}
				}
			})
		}
	}
}

// pagedWalk walks the listing as the worker does: pages of size versions,
// a held-back version passed in front of the next page, and, every
// restart pages, a restart from the cursor as saved in Meta.
func pagedWalk(t *testing.T, all []Version, size, restart int) []described {
	t.Helper()
	type saved struct {
		After VersionMarker `json:"after"`
		Carry keyCarry      `json:"carry"`
	}
	var (
		c         keyCarry
		after     VersionMarker // last described
		listAfter VersionMarker
		held      []Version
		got       []described
	)
	for pages := 1; ; pages++ {
		if pages > 10*len(all)+10 {
			t.Fatal("the walk does not end")
		}
		start := 0
		if listAfter != (VersionMarker{}) {
			start = slices.IndexFunc(all, func(v Version) bool { return v.Marker() == listAfter }) + 1
		}
		end := min(start+size, len(all))
		page, more := all[start:end], end < len(all)
		if len(page) > 0 {
			listAfter = page[len(page)-1].Marker()
		}
		items := append(slices.Clone(held), page...)
		out := make([]described, len(items))
		n := c.describe(items, more, true, out)
		got = append(got, out[:n]...)
		if n > 0 {
			after = items[n-1].Marker()
		}
		held = slices.Clone(items[n:])
		if !more {
			if len(held) > 0 {
				t.Fatalf("%d versions held back at the end", len(held))
			}
			return got
		}
		if restart > 0 && pages%restart == 0 {
			b, err := json.Marshal(saved{after, c})
			if err != nil {
				t.Fatal(err)
			}
			var s saved
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			c, after, listAfter, held = s.Carry, s.After, s.After, nil
		}
	}
}

// TestWalkSkipsRelistedVersions: after a null version that was replaced
// since it was listed, a Store may list the key's newer versions again.
func TestWalkSkipsRelistedVersions(t *testing.T) {
	ts := func(s int) time.Time { return time.Unix(1_700_000_000+int64(s), 0).UTC() }
	var c keyCarry
	out := make([]described, 4)
	first := []Version{
		{Key: "k", VersionID: "v3", ModTime: ts(30), IsLatest: true},
		{Key: "k", VersionID: "null", ModTime: ts(20)},
	}
	if n := c.describe(first, true, true, out); n != 2 || !out[1].known || !out[1].NoncurrentSince.Equal(ts(30)) {
		t.Fatalf("first page: %d %+v", n, out[:2])
	}
	again := []Version{
		{Key: "k", VersionID: "null", ModTime: ts(40), IsLatest: true}, // the null version, written again
		{Key: "k", VersionID: "v3", ModTime: ts(30)},
		{Key: "k", VersionID: "v1", ModTime: ts(10)},
	}
	if n := c.describe(again, false, true, out); n != 3 {
		t.Fatalf("described %d", n)
	}
	if out[0].known || out[1].known {
		t.Fatalf("relisted versions described: %+v", out[:2])
	}
	want := described{Object: Object{Key: "k", ModTime: ts(10), Versioned: true, NoncurrentSince: ts(20), NewerNoncurrent: 1}, known: true}
	if !reflect.DeepEqual(out[2], want) {
		t.Fatalf("v1: %+v, want %+v", out[2], want)
	}
}
