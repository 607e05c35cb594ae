package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// FuzzWalkPaging builds a listing from the input and checks that the walk
// describes it the same way whatever the page size and wherever it
// restarts from a saved cursor.
func FuzzWalkPaging(f *testing.F) {
	f.Add(uint8(2), uint8(1), []byte{1, 2, 0, 0, 3, 1, 5, 0, 2})
	f.Add(uint8(1), uint8(0), []byte{3, 3, 3})
	f.Add(uint8(5), uint8(2), []byte{1, 0, 0, 0, 0, 0, 7, 6, 1})
	f.Fuzz(func(t *testing.T, size, restart uint8, shape []byte) {
		if len(shape) > 200 {
			return
		}
		page := int(size%8) + 1
		every := int(restart % 4)
		if page == 1 && every == 1 {
			return // makes no progress; the worker lists two at least
		}
		var all []Version
		key, first := 0, true
		for i, b := range shape {
			if b&1 != 0 && i > 0 {
				key++
				first = true
			}
			all = append(all, Version{
				Key:          fmt.Sprintf("k%03d", key),
				VersionID:    fmt.Sprintf("v%03d", i),
				ModTime:      time.Unix(int64(1_000_000-i), 0).UTC(),
				Size:         int64(b),
				DeleteMarker: b&2 != 0,
				IsLatest:     first != (b&4 != 0),
			})
			first = false
		}
		var c keyCarry
		whole := make([]described, len(all))
		if n := c.describe(all, false, true, whole); n != len(all) {
			t.Fatalf("described %d of %d", n, len(all))
		}
		for i, d := range whole {
			if d.known && d.IsLatest == (d.NoncurrentSince != time.Time{}) {
				t.Fatalf("version %d: %+v", i, d)
			}
		}
		if got := pagedWalk(t, all, page, every); len(got)+len(whole) > 0 && !reflect.DeepEqual(got, whole) {
			t.Fatalf("pages of %d, restart every %d: differs from the whole listing", page, every)
		}
	})
}

// FuzzRecords decodes arbitrary lease, cursor and pass records: never a
// panic, and what decodes writes back the same.
func FuzzRecords(f *testing.F) {
	f.Add([]byte(`{"holder":"gw","seq":3,"expires":"2024-01-01T00:00:00Z"}`))
	f.Add((&passCursor{Started: time.Unix(5, 0).UTC(), Bucket: "b", Phase: phaseVersions, After: VersionMarker{Key: "k", VersionID: "v"},
		Carry: keyCarry{Key: "k", Versions: 2, Noncurrent: 1, Successor: time.Unix(4, 0).UTC()}, Counts: map[string]*Counts{"b": {Scanned: 3}}}).marshal())
	f.Add(marshalPass(Pass{Started: time.Unix(1, 0).UTC(), Completed: time.Unix(2, 0).UTC(), Holder: "gw", Buckets: map[string]Counts{"b": {Errors: 1}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := parseLeaseRecord(b)
		if r.Holder == "" {
			t.Fatal("a lease record without a holder")
		}
		meta := newMemMeta()
		for _, name := range []string{MetaLease, MetaCursor, MetaPass} {
			meta.records[name] = b
		}
		ctx := context.Background()
		if _, err := ReadStatus(ctx, meta); err != nil {
			return
		}
		if c, err := loadCursor(ctx, meta); err == nil && c != nil {
			var again passCursor
			if err := json.Unmarshal(c.marshal(), &again); err != nil {
				t.Fatalf("cursor does not round-trip: %v", err)
			}
		}
	})
}
