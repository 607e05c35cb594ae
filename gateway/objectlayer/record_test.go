package objectlayer

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/gateway/checksum"
)

func TestObjectRecordRoundTrip(t *testing.T) {
	for _, r := range []*objectRecord{
		{hlc: 1, modified: 1, tombstone: true},
		{hlc: 42, modified: 42, inline: true, size: 5, etag: "abc", layout: erasure.Layout{K: 2, M: 1, BlockSize: 1 << 20},
			versionID: "v", holders: []string{"n0", "n1", "n2"}, shard: 2, data: []byte("shard")},
		// Versioned records: a rewritten version keeps its creation HLC.
		{hlc: 50, modified: 42, inline: true, size: 5, etag: "abc", layout: erasure.Layout{K: 2, M: 1, BlockSize: 1 << 20},
			versionID: newVersionID(42), hasVersionID: true, versioned: true, tags: map[string]string{"k": "v", "empty": ""},
			holders: []string{"n0", "n1", "n2"}, shard: 1, data: []byte("shard")},
		{hlc: 60, modified: 60, deleteMarker: true, versioned: true, versionID: newVersionID(60), holders: []string{"n0"}},
		{hlc: 1 << 61, modified: 1 << 61, tombstone: true, versioned: true, hasVersionID: true},
		{hlc: 1 << 62, modified: 1 << 62, size: 1 << 40, etag: "e-2", header: map[string]string{"Content-Type": "x/y", "X-Amz-Meta-K": ""},
			checksums: map[string]string{"CRC32": "AAAAAA=="}, checksumType: "COMPOSITE",
			layout: erasure.Layout{K: 4, M: 2, BlockSize: 4 << 20, Hash: erasure.BLAKE3}, versionID: "v2",
			holders: []string{"a"}, shard: 5,
			parts: []partRef{{number: 1, size: 5 << 20, etag: "p1", dataID: "d1"}, {number: 3, size: 1, etag: "p3", dataID: "d3", checksums: map[string]string{"SHA256": "x"}}}},
	} {
		got, err := decodeObjectRecord(r.marshal())
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if len(got.data) == 0 {
			got.data = r.data
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
	}
	// The common part plus the node part is the whole record.
	r := &objectRecord{hlc: 7, inline: true, size: 3, versionID: "v", shard: 1, data: []byte("abc")}
	b := append(appendNode(r.appendCommon(nil), 1, 3), "abc"...)
	if !bytes.Equal(b, r.marshal()) {
		t.Error("appendCommon+appendNode differs from marshal")
	}
	for _, bad := range [][]byte{nil, []byte("short"), append(r.marshal()[:20:20], 0xff)} {
		if _, err := decodeObjectRecord(bad); !errors.Is(err, errCorruptRecord) {
			t.Errorf("decode %q: %v", bad, err)
		}
	}
	v := r.marshal()
	v[8] = 99
	if _, err := decodeObjectRecord(v); !errors.Is(err, errCorruptRecord) {
		t.Errorf("unknown version: %v", err)
	}
}

func TestSmallRecordsRoundTrip(t *testing.T) {
	for _, le := range []listEntry{
		{hlc: 9, modified: 9, size: 10, etag: "e", checksumType: "FULL_OBJECT", checksums: map[string]string{"CRC32C": "x"}, parts: 2},
		{hlc: 12, modified: 9, size: 10, etag: "e", versioned: true, hasVersionID: true, versionID: newVersionID(9), tags: map[string]string{"a": "b"}},
		{hlc: 13, modified: 13, deleteMarker: true, versioned: true, versionID: newVersionID(13), noShards: true},
		{hlc: 14, modified: 14, size: 3, etag: "e", noShards: true},
	} {
		if got, err := decodeListEntry(le.marshal()); err != nil || !reflect.DeepEqual(got, le) {
			t.Errorf("list entry: %+v, %v", got, err)
		}
	}
	// Entries of buckets without versioning stay in the short form.
	short := listEntry{hlc: 9, size: 10, etag: "e"}
	if len(short.marshal()) != 10+1+2+1+1+1 {
		t.Errorf("unversioned list entry takes %d bytes", len(short.marshal()))
	}
	br := bucketRecord{hlc: 3, region: "eu-west-1"}
	if got, err := decodeBucketRecord(br.marshal()); err != nil || got != br {
		t.Errorf("bucket: %+v, %v", got, err)
	}
	for _, ur := range []uploadRecord{
		{hlc: 4, header: map[string]string{"A": "b"}, checksumAlgorithm: "SHA256", checksumType: "COMPOSITE", layout: erasure.Layout{K: 2, M: 1}},
		{hlc: 4, layout: erasure.Layout{K: 2, M: 1}, tags: map[string]string{"t": "1"}},
	} {
		if got, err := decodeUploadRecord(ur.marshal()); err != nil || !reflect.DeepEqual(got, ur) {
			t.Errorf("upload: %+v, %v", got, err)
		}
	}
	pr := partRecord{hlc: 5, size: 6, etag: "e", dataID: "d", layout: erasure.Layout{K: 2, M: 1, BlockSize: 1}, shard: 1}
	if got, err := decodePartRecord(pr.marshal()); err != nil || !reflect.DeepEqual(got, pr) {
		t.Errorf("part: %+v, %v", got, err)
	}
	// An expiration's tombstone carries when it was written.
	for _, tomb := range []objectRecord{{hlc: 7, tombstone: true}, {hlc: 7, tombstone: true, written: 90}} {
		r, err := decodeObjectRecord(tomb.marshal())
		if err != nil || !r.tombstone || r.hlc != 7 || r.written != tomb.written || r.wallHLC() != max(7, tomb.written) {
			t.Errorf("tombstone %+v: %+v, %v", tomb, r, err)
		}
	}
	if e, err := decodeListEntry((&listEntry{hlc: 1, tombstone: true}).marshal()); err != nil || !e.tombstone || e.hlc != 1 {
		t.Errorf("list tombstone: %+v, %v", e, err)
	}
	if b, err := decodeBucketRecord((&bucketRecord{hlc: 2, tombstone: true}).marshal()); err != nil || !b.tombstone || b.hlc != 2 {
		t.Errorf("bucket tombstone: %+v, %v", b, err)
	}
	if u, err := decodeUploadRecord((&uploadRecord{hlc: 3, tombstone: true}).marshal()); err != nil || !u.tombstone || u.hlc != 3 {
		t.Errorf("upload tombstone: %+v, %v", u, err)
	}
}

func TestKeys(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"a", "b"},
		{"a\xff", "b"},
		{"\xff\xff", ""},
		{"l/b\x00", "l/b\x01"},
		{"l/b\x00d/", "l/b\x00d0"},
	} {
		if got := string(prefixEnd([]byte(tc.in))); got != tc.want {
			t.Errorf("prefixEnd(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// A bucket's keys sort together and apart from a bucket whose name
	// extends it.
	a, b := objectKey("b", "\xff\xff"), objectKey("b0", "")
	if bytes.Compare(a, b) >= 0 || bytes.Compare(a, prefixEnd(bucketScope(prefixObject, "b"))) >= 0 {
		t.Error("bucket scopes overlap")
	}
	if string(partKey("u", 7)) != "p/u\x0000007" || shardName("d", 2) != "d.2" {
		t.Error("key formats changed")
	}
}

func TestCommonPrefix(t *testing.T) {
	for _, tc := range []struct {
		key, prefix, delim, want string
		ok                       bool
	}{
		{"a/b/c", "", "/", "a/", true},
		{"a/b/c", "a/", "/", "a/b/", true},
		{"a/b", "a/", "/", "", false},
		{"a/b", "", "", "", false},
		{"abcabc", "a", "bc", "abc", true},
		{"x/y", "a", "/", "", false},
		{"a//", "a/", "/", "a//", true},
	} {
		got, ok := commonPrefix(tc.key, tc.prefix, tc.delim)
		if got != tc.want || ok != tc.ok {
			t.Errorf("commonPrefix(%q, %q, %q) = %q, %v", tc.key, tc.prefix, tc.delim, got, ok)
		}
	}
	if !isCommonPrefix("a/", "", "/") || isCommonPrefix("a/b", "", "/") || isCommonPrefix("a/", "", "") {
		t.Error("isCommonPrefix")
	}
}

func TestResolveRange(t *testing.T) {
	for _, tc := range []struct {
		size, off, n   int64
		wantOff, wantN int64
		wantErr        bool
	}{
		{0, 0, -1, 0, 0, false},
		{0, 0, 10, 0, 0, false},
		{0, 1, -1, 0, 0, true},
		{10, 0, -1, 0, 10, false},
		{10, 9, -1, 9, 1, false},
		{10, 10, -1, 0, 0, true},
		{10, 10, 0, 10, 0, false},
		{10, 3, 100, 3, 7, false},
		{10, 3, 2, 3, 2, false},
		{10, -1, 2, 0, 0, true},
		{10, 11, 1, 0, 0, true},
	} {
		off, n, err := resolveRange(tc.size, tc.off, tc.n)
		if (err != nil) != tc.wantErr || (err == nil && (off != tc.wantOff || n != tc.wantN)) {
			t.Errorf("resolveRange(%d, %d, %d) = %d, %d, %v", tc.size, tc.off, tc.n, off, n, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidRange) {
			t.Errorf("error %v is not ErrInvalidRange", err)
		}
	}
}

func TestChooseVersion(t *testing.T) {
	rec := func(hlc uint64, id string) *objectRecord {
		return &objectRecord{hlc: hlc, modified: hlc, versionID: id}
	}
	recAt := func(hlc uint64, id string, modified uint64) *objectRecord {
		return &objectRecord{hlc: hlc, modified: modified, versionID: id}
	}
	for _, tc := range []struct {
		name     string
		recs     []*objectRecord
		answered int
		want     uint64 // 0: none
		holders  int
	}{
		{"all agree", []*objectRecord{rec(5, "a"), rec(5, "a"), rec(5, "a")}, 3, 5, 3},
		{"one behind", []*objectRecord{rec(5, "a"), rec(4, "b"), rec(5, "a")}, 3, 5, 2},
		{"failed write on one node", []*objectRecord{rec(6, "c"), rec(4, "b"), rec(4, "b")}, 3, 4, 2},
		{"maybe committed, holder down", []*objectRecord{rec(6, "c"), rec(4, "b"), nil}, 2, 6, 1},
		{"same HLC, other version", []*objectRecord{rec(5, "a"), rec(5, "b"), rec(4, "x")}, 3, 0, 0},
		{"none", []*objectRecord{nil, nil, nil}, 3, 0, 0},
		{"only a failed write", []*objectRecord{rec(6, "c"), nil, nil}, 3, 0, 0},
		// Copies of one version count together: a tag change that missed
		// a node leaves its copy with an older HLC.
		{"rewrite missed a node", []*objectRecord{recAt(7, "a", 5), recAt(5, "a", 5), recAt(7, "a", 5)}, 3, 7, 3},
		{"rewrite on one node, one down", []*objectRecord{recAt(7, "a", 5), recAt(5, "a", 5), nil}, 2, 7, 2},
		{"tombstone over a version", []*objectRecord{{hlc: 9, tombstone: true}, recAt(5, "a", 5), {hlc: 9, tombstone: true}}, 3, 9, 2},
		{"version back after a failed tombstone", []*objectRecord{{hlc: 9, tombstone: true}, recAt(5, "a", 5), recAt(5, "a", 5)}, 3, 5, 2},
	} {
		st := &objectState{placed: []int{0, 1, 2}, recs: tc.recs, answered: tc.answered}
		st.choose(2)
		var got uint64
		if st.cur != nil {
			got = st.cur.hlc
		}
		if got != tc.want || len(st.holders) != tc.holders {
			t.Errorf("%s: chose %d with %d holders, want %d with %d", tc.name, got, len(st.holders), tc.want, tc.holders)
		}
	}
}

func TestHLC(t *testing.T) {
	wall := time.Unix(100, 0)
	c := hlcClock{now: func() time.Time { return wall }}
	a := c.next()
	b := c.next()
	// Values are even: the odd value past one is an expiration's.
	if a != uint64(wall.UnixNano()) || b != a+2 {
		t.Errorf("next: %d, %d", a, b)
	}
	c.observe(a + 1001)
	if n := c.next(); n != a+1002 {
		t.Errorf("after observing a later HLC: %d", n)
	}
	for range 100 {
		if h := rewriteHLC(a + 3); h&1 != 0 || h <= a+3 || h > a+3+258 {
			t.Fatalf("rewriteHLC(%d) = %d", a+3, h)
		}
	}
	c.observe(5)
	wall = wall.Add(time.Hour)
	if n := c.next(); n != uint64(wall.UnixNano()) {
		t.Errorf("the wall clock moved on: %d", n)
	}
	if !hlcTime(a).Equal(time.Unix(100, 0)) {
		t.Error("hlcTime")
	}
}

func TestCRCCombine(t *testing.T) {
	data := randomBytes(5, 10000)
	for _, alg := range []checksum.Algorithm{checksum.CRC32, checksum.CRC32C, checksum.CRC64NVME} {
		for _, cut := range [][]int{{0, 10000}, {1, 10000}, {5000, 10000}, {3, 4, 9999, 10000}, {10000}} {
			var values []string
			var sizes []int64
			prev := 0
			for _, end := range cut {
				h := alg.New()
				h.Write(data[prev:end])
				values = append(values, checksum.EncodeDigest(h.Sum(nil)))
				sizes = append(sizes, int64(end-prev))
				prev = end
			}
			got, err := fullObjectCRC(alg, values, sizes)
			h := alg.New()
			h.Write(data)
			if want := checksum.EncodeDigest(h.Sum(nil)); err != nil || got != want {
				t.Errorf("%s cut at %v: %s, %v; want %s", alg, cut, got, err, want)
			}
		}
	}
	if _, err := fullObjectCRC(checksum.SHA256, []string{"x"}, []int64{1}); err == nil {
		t.Error("SHA256 combined")
	}
}

func FuzzDecodeRecords(f *testing.F) {
	f.Add((&objectRecord{hlc: 5, modified: 3, inline: true, versionID: "v", tags: map[string]string{"a": "b"}, data: []byte("x")}).marshal())
	f.Add((&objectRecord{hlc: 5, deleteMarker: true, versioned: true}).marshal())
	f.Add(entryOf(&objectRecord{hlc: 9, modified: 8, hasVersionID: true, versioned: true, versionID: newVersionID(8)}).marshal())
	f.Add((&uploadRecord{hlc: 1, tags: map[string]string{"t": ""}}).marshal())
	f.Add((&objectRecord{hlc: 7, tombstone: true, written: 90}).marshal())
	f.Add(entryOf(&objectRecord{hlc: 10, inline: true, size: 3}).marshal())
	f.Fuzz(func(t *testing.T, v []byte) {
		if r, err := decodeObjectRecord(v); err == nil {
			if _, err := decodeObjectRecord(r.marshal()); err != nil {
				t.Fatalf("re-encoded object record: %v", err)
			}
		}
		if e, err := decodeListEntry(v); err == nil {
			if _, err := decodeListEntry(e.marshal()); err != nil {
				t.Fatalf("re-encoded list entry: %v", err)
			}
		}
		if u, err := decodeUploadRecord(v); err == nil {
			if _, err := decodeUploadRecord(u.marshal()); err != nil {
				t.Fatalf("re-encoded upload record: %v", err)
			}
		}
	})
}
