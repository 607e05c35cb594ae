package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zones3/zones3/storage"
)

func mustSetVersioning(t testing.TB, l *Layer, bucket string, state VersioningState) {
	t.Helper()
	if err := l.SetBucketVersioning(context.Background(), bucket, state); err != nil {
		t.Fatal(err)
	}
}

func mustGetVersion(t testing.TB, l *Layer, bucket, key, versionID string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := l.GetObject(context.Background(), bucket, key, GetOptions{Length: -1, VersionID: versionID}, &buf); err != nil {
		t.Fatalf("get %s/%s version %q: %v", bucket, key, versionID, err)
	}
	return buf.Bytes()
}

func mustDelete(t testing.TB, l *Layer, bucket, key, versionID string) DeleteResult {
	t.Helper()
	res, err := l.DeleteObjectVersion(context.Background(), bucket, key, DeleteOptions{VersionID: versionID})
	if err != nil {
		t.Fatalf("delete %s/%s version %q: %v", bucket, key, versionID, err)
	}
	return res
}

// listVersions pages through ListObjectVersions maxKeys at a time.
func listVersions(t testing.TB, l *Layer, bucket string, o ListVersionsOptions) ListVersionsResult {
	t.Helper()
	var all ListVersionsResult
	for range 100000 {
		res, err := l.ListObjectVersions(context.Background(), bucket, o)
		if err != nil {
			t.Fatalf("list versions %+v: %v", o, err)
		}
		all.Versions = append(all.Versions, res.Versions...)
		all.CommonPrefixes = append(all.CommonPrefixes, res.CommonPrefixes...)
		if !res.IsTruncated {
			return all
		}
		if res.NextKeyMarker == "" {
			t.Fatalf("truncated page without a next marker: %+v", res)
		}
		o.KeyMarker, o.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
	t.Fatal("listing does not end")
	return all
}

// versionsOf lists the versions of one key, newest first.
func versionsOf(t testing.TB, l *Layer, bucket, key string) []ObjectInfo {
	t.Helper()
	var out []ObjectInfo
	for _, v := range listVersions(t, l, bucket, ListVersionsOptions{Prefix: key}).Versions {
		if v.Key == key {
			out = append(out, v)
		}
	}
	return out
}

func versionIDs(vs []ObjectInfo) []string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.VersionID
		if v.DeleteMarker {
			ids[i] += "(dm)"
		}
	}
	return ids
}

func TestVersionIDs(t *testing.T) {
	t.Parallel()
	prev := ""
	for i, h := range []uint64{1 << 62, 1<<62 - 1, 1 << 40, 12345, 1} {
		id := newVersionID(h)
		if len(id) != versionIDLen || !ValidVersionID(id) {
			t.Fatalf("%q: not a valid version ID", id)
		}
		got, ok := parseVersionID(id)
		if !ok || got != h {
			t.Fatalf("%q decodes to %d, want %d", id, got, h)
		}
		if i > 0 && id <= prev {
			t.Errorf("ID of an older version %q does not sort after %q", id, prev)
		}
		prev = id
		if strings.ContainsAny(id, "+/=%&?#\x00") {
			t.Errorf("%q is not URL-safe", id)
		}
	}
	for _, bad := range []string{"", "nul", "NULL", "abc", strings.Repeat("z", 21), strings.Repeat("z", 23), strings.Repeat("!", 22), newVersionID(5)[:21] + "+"} {
		if ValidVersionID(bad) {
			t.Errorf("%q accepted as a version ID", bad)
		}
	}
	// The last character carries 4 unused bits, which must be zero.
	id := []byte(newVersionID(7))
	id[21] = versionIDAlphabet[strings.IndexByte(versionIDAlphabet, id[21])|1]
	if ValidVersionID(string(id)) {
		t.Errorf("%q with padding bits set accepted", id)
	}
}

func TestVersioningEnabled(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	if s, err := l.BucketVersioning(ctx, "b"); err != nil || s != VersioningOff {
		t.Fatalf("new bucket versioning %q, %v", s, err)
	}
	mustSetVersioning(t, l, "b", VersioningEnabled)

	// Large versions so that their shard files can be counted.
	datas := [][]byte{randomBytes(1, 200<<10), randomBytes(2, 300<<10), []byte("small third")}
	var ids []string
	for _, d := range datas {
		info := mustPut(t, l, "b", "k", d)
		if !ValidVersionID(info.VersionID) || info.VersionID == NullVersionID {
			t.Fatalf("version ID %q", info.VersionID)
		}
		ids = append(ids, info.VersionID)
	}
	if files, _ := c.shardFiles(t); len(files) != 6 {
		t.Errorf("%d shard files, want 6: noncurrent versions keep theirs", len(files))
	}
	checkObject(t, l, "b", "k", datas[2])
	for i, id := range ids {
		if got := mustGetVersion(t, l, "b", "k", id); !bytes.Equal(got, datas[i]) {
			t.Errorf("version %d read %d bytes, want %d", i, len(got), len(datas[i]))
		}
		info, err := l.StatVersion(ctx, "b", "k", id)
		if err != nil || info.VersionID != id || info.Size != int64(len(datas[i])) {
			t.Errorf("stat version %d: %+v, %v", i, info, err)
		}
	}
	vs := versionsOf(t, l, "b", "k")
	if got, want := versionIDs(vs), []string{ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Fatalf("versions %v, want newest first %v", got, want)
	}
	for i, v := range vs {
		if v.IsLatest != (i == 0) {
			t.Errorf("version %d IsLatest %v", i, v.IsLatest)
		}
	}
	if res, err := l.ListObjects(ctx, "b", ListOptions{}); err != nil || len(res.Objects) != 1 || res.Objects[0].Size != int64(len(datas[2])) {
		t.Fatalf("list objects: %+v, %v", res, err)
	}

	// A delete without a version adds a marker.
	del, err := l.DeleteObjectVersion(ctx, "b", "k", DeleteOptions{})
	if err != nil || !del.DeleteMarker || !ValidVersionID(del.VersionID) || del.VersionID == NullVersionID {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	info, err := l.StatObject(ctx, "b", "k")
	if !errors.Is(err, ErrNoSuchKey) || !info.DeleteMarker || info.VersionID != del.VersionID {
		t.Fatalf("stat under a delete marker: %+v, %v", info, err)
	}
	info, err = l.GetObject(ctx, "b", "k", GetOptions{Length: -1}, io.Discard)
	if !errors.Is(err, ErrNoSuchKey) || !info.DeleteMarker {
		t.Fatalf("get under a delete marker: %+v, %v", info, err)
	}
	if _, err := l.StatVersion(ctx, "b", "k", del.VersionID); !errors.Is(err, ErrDeleteMarker) {
		t.Fatalf("stat of the delete marker by ID: %v", err)
	}
	if res, _ := l.ListObjects(ctx, "b", ListOptions{}); len(res.Objects) != 0 {
		t.Fatalf("list objects shows a deleted key: %+v", res)
	}
	if got := mustGetVersion(t, l, "b", "k", ids[1]); !bytes.Equal(got, datas[1]) {
		t.Error("noncurrent version unreadable under a delete marker")
	}
	vs = versionsOf(t, l, "b", "k")
	if len(vs) != 4 || !vs[0].DeleteMarker || !vs[0].IsLatest || vs[1].IsLatest {
		t.Fatalf("versions under a marker: %+v", vs)
	}

	// Removing the marker brings the newest version back.
	if res := mustDelete(t, l, "b", "k", del.VersionID); !res.DeleteMarker || res.VersionID != del.VersionID {
		t.Errorf("delete marker removal: %+v", res)
	}
	checkObject(t, l, "b", "k", datas[2])

	// Removing the current version makes the one before current; removing
	// a version frees its shard files.
	mustDelete(t, l, "b", "k", ids[2])
	checkObject(t, l, "b", "k", datas[1])
	mustDelete(t, l, "b", "k", ids[0])
	if files, _ := c.shardFiles(t); len(files) != 3 {
		t.Errorf("%d shard files after removing a version, want 3", len(files))
	}
	if _, err := l.StatVersion(ctx, "b", "k", ids[0]); !errors.Is(err, ErrNoSuchVersion) {
		t.Errorf("stat of a removed version: %v", err)
	}
	// Removing a removed version succeeds, as in S3.
	mustDelete(t, l, "b", "k", ids[0])
	if err := l.DeleteBucket(ctx, "b"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Errorf("delete of a bucket with versions: %v", err)
	}
	mustDelete(t, l, "b", "k", ids[1])
	if _, err := l.StatObject(ctx, "b", "k"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("stat after the last version went: %v", err)
	}
	if files, _ := c.shardFiles(t); len(files) != 0 {
		t.Errorf("shard files left: %v", files)
	}
	if vs := versionsOf(t, l, "b", "k"); len(vs) != 0 {
		t.Errorf("versions left: %+v", vs)
	}
	if err := l.DeleteBucket(ctx, "b"); err != nil {
		t.Errorf("delete of the emptied bucket: %v", err)
	}
}

func TestVersionArgumentErrors(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	mustSetVersioning(t, l, "b", VersioningEnabled)
	mustPut(t, l, "b", "k", []byte("x"))
	for _, bad := range []string{"nope", "1", strings.Repeat("a", 40)} {
		if _, err := l.StatVersion(ctx, "b", "k", bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("stat version %q: %v", bad, err)
		}
		if _, err := l.DeleteObjectVersion(ctx, "b", "k", DeleteOptions{VersionID: bad}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("delete version %q: %v", bad, err)
		}
		if _, err := l.PutObjectTags(ctx, "b", "k", bad, nil); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("tag version %q: %v", bad, err)
		}
		if _, err := l.ListObjectVersions(ctx, "b", ListVersionsOptions{KeyMarker: "k", VersionIDMarker: bad}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("list after version %q: %v", bad, err)
		}
	}
	unknown := newVersionID(12345)
	if _, err := l.StatVersion(ctx, "b", "k", unknown); !errors.Is(err, ErrNoSuchVersion) {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := l.StatVersion(ctx, "b", "other", unknown); !errors.Is(err, ErrNoSuchVersion) {
		t.Errorf("version of a missing key: %v", err)
	}
	if _, err := l.StatVersion(ctx, "nobucket", "k", unknown); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("version in a missing bucket: %v", err)
	}
	if _, err := l.StatVersion(ctx, "b", "k", NullVersionID); !errors.Is(err, ErrNoSuchVersion) {
		t.Errorf("null version that does not exist: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "b", "Off"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown versioning state: %v", err)
	}
	if err := l.SetBucketVersioning(ctx, "nobucket", VersioningEnabled); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("versioning of a missing bucket: %v", err)
	}
}

func TestNullVersions(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")

	// Without versioning: the object is the null version, shown without
	// an ID.
	first := randomBytes(1, 200<<10)
	if info := mustPut(t, l, "b", "k", first); info.VersionID != "" {
		t.Fatalf("unversioned put shows version %q", info.VersionID)
	}
	if got := mustGetVersion(t, l, "b", "k", NullVersionID); !bytes.Equal(got, first) {
		t.Fatal("null version of an unversioned bucket")
	}
	if vs := versionsOf(t, l, "b", "k"); len(vs) != 1 || vs[0].VersionID != NullVersionID || !vs[0].IsLatest {
		t.Fatalf("versions of an unversioned bucket: %+v", vs)
	}

	// Enabling versioning keeps it as the null version.
	mustSetVersioning(t, l, "b", VersioningEnabled)
	second := randomBytes(2, 300<<10)
	v2 := mustPut(t, l, "b", "k", second)
	if got := mustGetVersion(t, l, "b", "k", NullVersionID); !bytes.Equal(got, first) {
		t.Fatal("null version after versioning was enabled")
	}
	if got := versionIDs(versionsOf(t, l, "b", "k")); !slices.Equal(got, []string{v2.VersionID, NullVersionID}) {
		t.Fatalf("versions %v", got)
	}

	// Suspended: a put replaces the null version and keeps the others.
	mustSetVersioning(t, l, "b", VersioningSuspended)
	third := randomBytes(3, 250<<10)
	if info := mustPut(t, l, "b", "k", third); info.VersionID != NullVersionID {
		t.Fatalf("suspended put version %q", info.VersionID)
	}
	if got := versionIDs(versionsOf(t, l, "b", "k")); !slices.Equal(got, []string{NullVersionID, v2.VersionID}) {
		t.Fatalf("versions after a suspended put %v", got)
	}
	checkObject(t, l, "b", "k", third)
	if got := mustGetVersion(t, l, "b", "k", v2.VersionID); !bytes.Equal(got, second) {
		t.Fatal("versioned version lost by a suspended put")
	}
	if files, _ := c.shardFiles(t); len(files) != 6 {
		t.Errorf("%d shard files, want 6: the replaced null version's go", len(files))
	}

	// A delete adds a null delete marker, which replaces the null version.
	del, err := l.DeleteObjectVersion(ctx, "b", "k", DeleteOptions{})
	if err != nil || !del.DeleteMarker || del.VersionID != NullVersionID {
		t.Fatalf("suspended delete: %+v, %v", del, err)
	}
	vs := versionsOf(t, l, "b", "k")
	if got := versionIDs(vs); !slices.Equal(got, []string{"null(dm)", v2.VersionID}) {
		t.Fatalf("versions after a suspended delete %v", got)
	}
	if files, _ := c.shardFiles(t); len(files) != 3 {
		t.Errorf("%d shard files, want 3", len(files))
	}

	// Enabled again: the null marker becomes noncurrent, in its place.
	mustSetVersioning(t, l, "b", VersioningEnabled)
	v4 := mustPut(t, l, "b", "k", []byte("fourth"))
	if got := versionIDs(versionsOf(t, l, "b", "k")); !slices.Equal(got, []string{v4.VersionID, "null(dm)", v2.VersionID}) {
		t.Fatalf("versions %v", got)
	}
	// Removing the current version makes the null marker current.
	mustDelete(t, l, "b", "k", v4.VersionID)
	if info, err := l.StatObject(ctx, "b", "k"); !errors.Is(err, ErrNoSuchKey) || info.VersionID != NullVersionID {
		t.Fatalf("current null marker: %+v, %v", info, err)
	}
	mustDelete(t, l, "b", "k", NullVersionID)
	checkObject(t, l, "b", "k", second)
}

func TestUnversionedDeleteByNullVersion(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	mustPut(t, l, "b", "k", randomBytes(1, 200<<10))
	if res := mustDelete(t, l, "b", "k", NullVersionID); res.DeleteMarker || res.VersionID != NullVersionID {
		t.Errorf("delete result %+v", res)
	}
	if _, err := l.StatObject(ctx, "b", "k"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("stat after deleting the null version: %v", err)
	}
	if files, _ := c.shardFiles(t); len(files) != 0 {
		t.Errorf("shard files left: %v", files)
	}
	// Without versioning a delete writes no marker.
	mustPut(t, l, "b", "k2", []byte("x"))
	if res, err := l.DeleteObjectVersion(ctx, "b", "k2", DeleteOptions{}); err != nil || res.DeleteMarker || res.VersionID != "" {
		t.Errorf("unversioned delete: %+v, %v", res, err)
	}
	if vs := listVersions(t, l, "b", ListVersionsOptions{}); len(vs.Versions) != 0 {
		t.Errorf("versions left: %+v", vs)
	}
}

// versionModel is what a bucket's versions should be: per key, newest
// first.
type versionModel map[string][]modelVersion

type modelVersion struct {
	id   string
	data []byte
	dm   bool
}

func (m versionModel) expect(prefix string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		for _, v := range m[k] {
			s := k + "@" + v.id
			if v.dm {
				s += "(dm)"
			}
			out = append(out, s)
		}
	}
	return out
}

func flatVersions(vs []ObjectInfo) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Key + "@" + v.VersionID
		if v.DeleteMarker {
			out[i] += "(dm)"
		}
	}
	return out
}

func TestListObjectVersionsPaging(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	m := versionModel{}
	put := func(key string, n int) {
		data := []byte(fmt.Sprintf("%s-%d", key, n))
		info := mustPut(t, l, "b", key, data)
		id := info.VersionID
		if id == "" {
			id = NullVersionID
		}
		if id == NullVersionID {
			m[key] = slices.DeleteFunc(m[key], func(v modelVersion) bool { return v.id == NullVersionID })
		}
		m[key] = append([]modelVersion{{id: id, data: data}}, m[key]...)
	}
	// Null versions from before versioning, then several versions per key,
	// a suspended stretch (null versions in the middle), markers.
	for _, k := range []string{"a/1", "a/2", "b", "c/x/1"} {
		put(k, 0)
	}
	mustSetVersioning(t, l, "b", VersioningEnabled)
	for i := 1; i <= 3; i++ {
		for _, k := range []string{"a/1", "a/2", "b", "c/x/1", "d"} {
			put(k, i)
		}
	}
	mustSetVersioning(t, l, "b", VersioningSuspended)
	put("a/1", 4)
	put("d", 4)
	mustSetVersioning(t, l, "b", VersioningEnabled)
	put("a/1", 5)
	for _, k := range []string{"b", "d"} {
		res, err := l.DeleteObjectVersion(ctx, "b", k, DeleteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m[k] = append([]modelVersion{{id: res.VersionID, dm: true}}, m[k]...)
	}

	want := m.expect("")
	for _, maxKeys := range []int{1, 2, 3, 5, 7, 1000} {
		got := flatVersions(listVersions(t, l, "b", ListVersionsOptions{MaxKeys: maxKeys}).Versions)
		if !slices.Equal(got, want) {
			t.Fatalf("max-keys %d:\n got %v\nwant %v", maxKeys, got, want)
		}
	}
	if got := flatVersions(listVersions(t, l, "b", ListVersionsOptions{Prefix: "a/", MaxKeys: 2}).Versions); !slices.Equal(got, m.expect("a/")) {
		t.Fatalf("prefix a/: %v", got)
	}
	// Starting inside a key, at each of its versions.
	for i, v := range m["a/1"] {
		res := listVersions(t, l, "b", ListVersionsOptions{KeyMarker: "a/1", VersionIDMarker: v.id, MaxKeys: 2})
		got := flatVersions(res.Versions)
		idx := slices.Index(want, "a/1@"+v.id)
		if !slices.Equal(got, want[idx+1:]) {
			t.Fatalf("after version %d (%s):\n got %v\nwant %v", i, v.id, got, want[idx+1:])
		}
		for _, o := range res.Versions {
			if o.IsLatest && o.Key == "a/1" {
				t.Errorf("version after a marker shown as latest")
			}
		}
	}
	if got := flatVersions(listVersions(t, l, "b", ListVersionsOptions{KeyMarker: "b"}).Versions); !slices.Equal(got, append(m.expect("c"), m.expect("d")...)) {
		t.Fatalf("after key b: %v", got)
	}
	// Common prefixes.
	res := listVersions(t, l, "b", ListVersionsOptions{Delimiter: "/", MaxKeys: 1})
	if !slices.Equal(res.CommonPrefixes, []string{"a/", "c/"}) {
		t.Fatalf("common prefixes %v", res.CommonPrefixes)
	}
	if got := flatVersions(res.Versions); !slices.Equal(got, append(m.expect("b"), m.expect("d")...)) {
		t.Fatalf("versions beside common prefixes %v", got)
	}
	// The data of every version.
	for k, vs := range m {
		for _, v := range vs {
			if v.dm {
				continue
			}
			if got := mustGetVersion(t, l, "b", k, v.id); !bytes.Equal(got, v.data) {
				t.Errorf("%s@%s reads %q, want %q", k, v.id, got, v.data)
			}
		}
	}
	// ListObjects shows the current versions only.
	lr, err := l.ListObjects(ctx, "b", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range lr.Objects {
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, []string{"a/1", "a/2", "c/x/1"}) {
		t.Errorf("list objects %v", keys)
	}
}

func TestObjectTags(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")

	// Without versioning.
	opts := putOpts([]byte("data"))
	opts.Tags = map[string]string{"a": "1"}
	info, err := l.PutObject(ctx, "b", "plain", bytes.NewReader([]byte("data")), opts)
	if err != nil || !maps.Equal(info.Tags, opts.Tags) {
		t.Fatalf("put with tags: %+v, %v", info, err)
	}
	time.Sleep(2 * time.Millisecond)
	tagged, err := l.PutObjectTags(ctx, "b", "plain", "", map[string]string{"b": "2", "c": ""})
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.StatObject(ctx, "b", "plain")
	if err != nil || !maps.Equal(got.Tags, map[string]string{"b": "2", "c": ""}) || !got.LastModified.Equal(info.LastModified) || tagged.LastModified != info.LastModified {
		t.Fatalf("after tagging: %+v (put at %v), %v", got, info.LastModified, err)
	}
	checkObject(t, l, "b", "plain", []byte("data"))
	if _, err := l.PutObjectTags(ctx, "b", "plain", "", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.StatObject(ctx, "b", "plain"); got.Tags != nil {
		t.Errorf("tags after removal: %v", got.Tags)
	}
	if _, err := l.PutObjectTags(ctx, "b", "missing", "", nil); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("tags of a missing key: %v", err)
	}

	// With versioning: each version has its own tags; a large version's
	// shard files stay as they are.
	mustSetVersioning(t, l, "b", VersioningEnabled)
	big := randomBytes(4, 300<<10)
	opts = putOpts(big)
	opts.Tags = map[string]string{"v": "1"}
	v1, err := l.PutObject(ctx, "b", "k", bytes.NewReader(big), opts)
	if err != nil {
		t.Fatal(err)
	}
	v2 := mustPut(t, l, "b", "k", []byte("second"))
	files, _ := c.shardFiles(t)
	if _, err := l.PutObjectTags(ctx, "b", "k", v1.VersionID, map[string]string{"v": "one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.PutObjectTags(ctx, "b", "k", "", map[string]string{"v": "two"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := c.shardFiles(t); !slices.Equal(after, files) {
		t.Errorf("tagging changed the shard files: %v -> %v", files, after)
	}
	s1, _ := l.StatVersion(ctx, "b", "k", v1.VersionID)
	s2, _ := l.StatObject(ctx, "b", "k")
	if s1.Tags["v"] != "one" || s2.Tags["v"] != "two" || s2.VersionID != v2.VersionID || !s1.LastModified.Equal(v1.LastModified) {
		t.Fatalf("version tags: %+v / %+v", s1, s2)
	}
	checkObject(t, l, "b", "k", []byte("second"))
	if got := mustGetVersion(t, l, "b", "k", v1.VersionID); !bytes.Equal(got, big) {
		t.Fatal("tagged noncurrent version unreadable")
	}
	// Listings carry each version's tags (the lifecycle worker reads them).
	vs := versionsOf(t, l, "b", "k")
	if len(vs) != 2 || vs[0].Tags["v"] != "two" || vs[1].Tags["v"] != "one" {
		t.Fatalf("listed tags: %+v", vs)
	}
	// A delete marker has no tags.
	del := mustDelete(t, l, "b", "k", "")
	if _, err := l.PutObjectTags(ctx, "b", "k", del.VersionID, nil); !errors.Is(err, ErrDeleteMarker) {
		t.Errorf("tagging a delete marker: %v", err)
	}
	if _, err := l.PutObjectTags(ctx, "b", "k", "", nil); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("tagging a key under a delete marker: %v", err)
	}
	// Multipart uploads carry their tags to the object.
	id, err := l.NewMultipartUpload(ctx, "b", "mp", Upload{Tags: map[string]string{"mp": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	p := mustPutPart(t, l, "b", "mp", id, 1, []byte("part"))
	mi, err := l.CompleteMultipartUpload(ctx, "b", "mp", id, []CompletePart{{PartNumber: 1, ETag: p.ETag}})
	if err != nil || mi.Tags["mp"] != "yes" || !ValidVersionID(mi.VersionID) {
		t.Fatalf("complete: %+v, %v", mi, err)
	}

	// Bucket tags.
	if _, err := l.BucketTags(ctx, "b"); !errors.Is(err, ErrNoSuchTagSet) {
		t.Errorf("bucket without tags: %v", err)
	}
	if err := l.SetBucketTags(ctx, "b", map[string]string{"team": "x", "cost": ""}); err != nil {
		t.Fatal(err)
	}
	if bt, err := l.BucketTags(ctx, "b"); err != nil || !maps.Equal(bt, map[string]string{"team": "x", "cost": ""}) {
		t.Errorf("bucket tags %v, %v", bt, err)
	}
	if err := l.SetBucketTags(ctx, "b", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.BucketTags(ctx, "b"); !errors.Is(err, ErrNoSuchTagSet) {
		t.Errorf("bucket tags after removal: %v", err)
	}
}

func TestVersionsWithZoneDown(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	mustSetVersioning(t, l, "b", VersioningEnabled)
	datas := [][]byte{randomBytes(1, 300<<10), []byte("inline"), randomBytes(2, 200<<10)}
	var ids []string
	v0 := mustPut(t, l, "b", "k", datas[0])
	ids = append(ids, v0.VersionID)

	// One zone down while versions are written and deleted.
	c.setDown(0, true)
	for _, d := range datas[1:] {
		ids = append(ids, mustPut(t, l, "b", "k", d).VersionID)
	}
	dm := mustDelete(t, l, "b", "k", "")
	mustDelete(t, l, "b", "k", dm.VersionID) // the newest version is back
	mustDelete(t, l, "b", "k", ids[1])       // a noncurrent version goes
	if _, err := l.PutObjectTags(ctx, "b", "k", ids[0], map[string]string{"z": "down"}); err != nil {
		t.Fatal(err)
	}
	checkObject(t, l, "b", "k", datas[2])

	// Each zone in turn down: what was acknowledged reads the same. The
	// data of versions written without zone 0 has only two shards until
	// the repair scanner rebuilds the third: it reads while zone 0 is the
	// one down.
	for down := range 3 {
		for i := range 3 {
			c.setDown(i, i == down)
		}
		if down == 0 {
			checkObject(t, l, "b", "k", datas[2])
		} else if cur, err := l.StatObject(ctx, "b", "k"); err != nil || cur.VersionID != ids[2] {
			t.Fatalf("zone %d down: current %+v, %v", down, cur, err)
		}
		if got := mustGetVersion(t, l, "b", "k", ids[0]); !bytes.Equal(got, datas[0]) {
			t.Fatalf("zone %d down: version 0 unreadable", down)
		}
		if _, err := l.StatVersion(ctx, "b", "k", ids[1]); !errors.Is(err, ErrNoSuchVersion) {
			t.Fatalf("zone %d down: removed version %v", down, err)
		}
		if _, err := l.StatVersion(ctx, "b", "k", dm.VersionID); !errors.Is(err, ErrNoSuchVersion) {
			t.Fatalf("zone %d down: removed marker %v", down, err)
		}
		if s, err := l.StatVersion(ctx, "b", "k", ids[0]); err != nil || s.Tags["z"] != "down" {
			t.Fatalf("zone %d down: tags %+v, %v", down, s, err)
		}
		if got := versionIDs(versionsOf(t, l, "b", "k")); !slices.Equal(got, []string{ids[2], ids[0]}) {
			t.Fatalf("zone %d down: versions %v, want %v", down, got, []string{ids[2], ids[0]})
		}
	}
	for i := range 3 {
		c.setDown(i, false)
	}
	// The current version removed with a zone down: the older one (written
	// with every zone up) becomes current, also as seen without the zone
	// that missed it.
	mustDelete(t, l, "b", "k", ids[2])
	ids[2] = mustPut(t, l, "b", "k", datas[2]).VersionID
	checkObject(t, l, "b", "k", datas[2])
	c.setDown(1, true)
	mustDelete(t, l, "b", "k", ids[2])
	c.setDown(1, false)
	c.setDown(2, true)
	checkObject(t, l, "b", "k", datas[0])
	c.setDown(2, false)
	checkObject(t, l, "b", "k", datas[0])
}

func TestConcurrentVersionedWritesTwoGateways(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	mustSetVersioning(t, c.layer, "b", VersioningEnabled)
	other, err := New(toNodes(c.nodes), c.topo, Options{Logger: c.layer.log, ProbeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	layers := []*Layer{c.layer, other}

	const writers, each = 4, 6
	var mu sync.Mutex
	written := map[string][]byte{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			l := layers[w%2]
			for i := range each {
				size := 100 + i
				if i%2 == 1 {
					size = 150 << 10 // shard files
				}
				data := randomBytes(uint64(w*100+i), size)
				info, err := l.PutObject(context.Background(), "b", "k", bytes.NewReader(data), putOpts(data))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				written[info.VersionID] = data
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, l := range layers {
		vs := versionsOf(t, l, "b", "k")
		if len(vs) != writers*each {
			t.Fatalf("%d versions listed, %d written", len(vs), writers*each)
		}
		for i := 1; i < len(vs); i++ {
			if !vs[i-1].LastModified.After(vs[i].LastModified) && vs[i-1].VersionID > vs[i].VersionID {
				t.Fatalf("versions out of order at %d", i)
			}
		}
		// The newest version is the current one, through either gateway.
		cur, err := l.StatObject(context.Background(), "b", "k")
		if err != nil || cur.VersionID != vs[0].VersionID {
			t.Fatalf("current %+v, %v; newest listed %s", cur, err, vs[0].VersionID)
		}
		for id, data := range written {
			if got := mustGetVersion(t, l, "b", "k", id); !bytes.Equal(got, data) {
				t.Fatalf("version %s reads other data", id)
			}
		}
	}
	if files, tmp := c.shardFiles(t); len(files) != 3*writers*each/2 || tmp != 0 {
		t.Errorf("%d shard files (%d temporary), want %d", len(files), tmp, 3*writers*each/2)
	}
}

func toNodes(f []*faultyNode) []storage.Node {
	out := make([]storage.Node, len(f))
	for i, n := range f {
		out[i] = n
	}
	return out
}

// A gateway whose cached versioning state is behind must not overwrite (and
// free the shard files of) a version another gateway wrote with versioning
// on: meeting a versioned record makes it read the state again.
func TestStaleVersioningStateKeepsVersions(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	a := c.layer
	b, err := New(toNodes(c.nodes), c.topo, Options{Logger: a.log, ProbeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	mustMakeBucket(t, a, "b")
	if s, err := b.BucketVersioning(ctx, "b"); err != nil || s != VersioningOff {
		t.Fatalf("b sees %q, %v", s, err) // and caches it
	}
	mustSetVersioning(t, a, "b", VersioningEnabled)
	first := randomBytes(1, 300<<10)
	v1 := mustPut(t, a, "b", "k", first)
	second := randomBytes(2, 200<<10)
	v2 := mustPut(t, b, "b", "k", second)
	if !ValidVersionID(v2.VersionID) || v2.VersionID == NullVersionID {
		t.Fatalf("write through the stale gateway got version %q", v2.VersionID)
	}
	if got := mustGetVersion(t, b, "b", "k", v1.VersionID); !bytes.Equal(got, first) {
		t.Fatal("the first version was lost")
	}
	b.Close() // waits for its background removals
	if files, _ := c.shardFiles(t); len(files) != 6 {
		t.Errorf("%d shard files, want 6", len(files))
	}
}

func TestEscapedKeysKeepOrder(t *testing.T) {
	t.Parallel()
	keys := []string{"", "\x00", "\x00\x00", "\x01", "\x01\x00", "\x02", "a", "a\x00", "a\x00b", "a\x01", "a\x01\x02", "a\x02", "ab", "\xff"}
	for i, k := range keys {
		got, ok := unescapeKey(appendEscapedKey(nil, k))
		if !ok || got != k {
			t.Fatalf("%q round trips to %q", k, got)
		}
		for _, o := range keys[i+1:] {
			a := append(appendEscapedKey(nil, k), 0, 'z')
			b := append(appendEscapedKey(nil, o), 0)
			if bytes.Compare(a, b) >= 0 {
				t.Errorf("version keys of %q sort after %q's", k, o)
			}
		}
	}
	for _, bad := range []string{"\x01", "\x01\x03", "a\x01"} {
		if _, ok := unescapeKey([]byte(bad)); ok {
			t.Errorf("%q unescaped", bad)
		}
	}

	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	mustMakeBucket(t, l, "b")
	mustSetVersioning(t, l, "b", VersioningEnabled)
	m := versionModel{}
	for _, k := range []string{"n", "n\x00", "n\x00a", "n\x01", "n\x02", "n/x"} {
		for i := range 2 {
			info := mustPut(t, l, "b", k, []byte{byte(i)})
			m[k] = append([]modelVersion{{id: info.VersionID}}, m[k]...)
		}
	}
	want := m.expect("n")
	for _, maxKeys := range []int{1, 3, 1000} {
		if got := flatVersions(listVersions(t, l, "b", ListVersionsOptions{Prefix: "n", MaxKeys: maxKeys}).Versions); !slices.Equal(got, want) {
			t.Fatalf("max-keys %d:\n got %q\nwant %q", maxKeys, got, want)
		}
	}
	if got := flatVersions(listVersions(t, l, "b", ListVersionsOptions{Prefix: "n\x00"}).Versions); !slices.Equal(got, m.expect("n\x00")) {
		t.Fatalf("prefix n\\x00: %q", got)
	}
}

// Writers add versions and removers take away whatever version is current,
// through two gateways at once: in the end the current version is the
// newest one left, as each gateway sees it.
func TestConcurrentRemovalsOfCurrentVersion(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	mustMakeBucket(t, c.layer, "b")
	mustSetVersioning(t, c.layer, "b", VersioningEnabled)
	other, err := New(toNodes(c.nodes), c.topo, Options{Logger: c.layer.log, ProbeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	layers := []*Layer{c.layer, other}
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		l := layers[w%2]
		wg.Go(func() {
			for i := range 15 {
				data := randomBytes(uint64(w*1000+i), 64+i)
				if w >= 2 {
					// Removers: the current version goes, or a tag
					// changes on it.
					cur, err := l.StatObject(ctx, "b", "k")
					if err != nil {
						continue
					}
					if i%3 == 0 {
						_, err = l.PutObjectTags(ctx, "b", "k", cur.VersionID, map[string]string{"i": fmt.Sprint(i)})
					} else {
						_, err = l.DeleteObjectVersion(ctx, "b", "k", DeleteOptions{VersionID: cur.VersionID})
					}
					if err != nil && !errors.Is(err, ErrNoSuchVersion) {
						t.Error(err)
					}
					continue
				}
				if _, err := l.PutObject(ctx, "b", "k", bytes.NewReader(data), putOpts(data)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, l := range layers {
		vs := versionsOf(t, l, "b", "k")
		cur, err := l.StatObject(ctx, "b", "k")
		if len(vs) == 0 {
			if !errors.Is(err, ErrNoSuchKey) {
				t.Fatalf("no versions left, current %+v, %v", cur, err)
			}
			continue
		}
		if err != nil || cur.VersionID != vs[0].VersionID {
			t.Fatalf("current %s (%v); newest listed %s of %v", cur.VersionID, err, vs[0].VersionID, versionIDs(vs))
		}
		res, err := l.ListObjects(ctx, "b", ListOptions{})
		if err != nil || len(res.Objects) != 1 || !res.Objects[0].LastModified.Equal(vs[0].LastModified) {
			t.Fatalf("list objects %+v, %v; newest version %+v", res, err, vs[0])
		}
	}
}

// The current records left behind by a race (an older version copied over
// them after a newer one was written) are settled to the newest version.
func TestSettleHead(t *testing.T) {
	t.Parallel()
	c := newTestCluster(t, clusterOptions{})
	l := c.layer
	ctx := context.Background()
	mustMakeBucket(t, l, "b")
	mustSetVersioning(t, l, "b", VersioningEnabled)
	older := randomBytes(1, 200<<10)
	vOld := mustPut(t, l, "b", "k", older)
	newer := []byte("newer")
	vNew := mustPut(t, l, "b", "k", newer)

	// What a lost race leaves: each node's o/ and l/ hold the older
	// version, written with a higher HLC than the newer one's.
	placed := l.topo.Place("b", "k")
	for j, i := range placed {
		v, err := c.nodes[i].Get(ctx, versionKey(prefixVersion, "b", "k", vOld.VersionID))
		if err != nil {
			t.Fatal(err)
		}
		r, err := decodeObjectRecord(v)
		if err != nil {
			t.Fatal(err)
		}
		r.hlc = l.clock.next()
		if _, err := c.nodes[i].Apply(ctx, storage.Batch{Ops: []storage.Op{
			{Kind: storage.OpPutIfNewer, Key: objectKey("b", "k"), Value: r.marshal(), HLC: r.hlc},
			{Kind: storage.OpPutIfNewer, Key: listKey("b", "k"), Value: entryOf(r).marshal(), HLC: r.hlc},
		}}); err != nil {
			t.Fatalf("slot %d: %v", j, err)
		}
	}
	if cur, _ := l.StatObject(ctx, "b", "k"); cur.VersionID != vOld.VersionID {
		t.Fatalf("the race was not set up: current %s", cur.VersionID)
	}
	l.settleHead(ctx, "b", "k")
	if cur, err := l.StatObject(ctx, "b", "k"); err != nil || cur.VersionID != vNew.VersionID {
		t.Fatalf("after settling: current %+v, %v", cur, err)
	}
	checkObject(t, l, "b", "k", newer)
	if got := mustGetVersion(t, l, "b", "k", vOld.VersionID); !bytes.Equal(got, older) {
		t.Fatal("older version lost")
	}
	// Settled records stay settled; with no version left the current
	// records go.
	l.settleHead(ctx, "b", "k")
	for _, id := range []string{vNew.VersionID, vOld.VersionID} {
		mustDelete(t, l, "b", "k", id)
	}
	l.settleHead(ctx, "b", "k")
	if _, err := l.StatObject(ctx, "b", "k"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("stat with no versions left: %v", err)
	}
}

func TestRaced(t *testing.T) {
	vkey, okey := []byte("v"), []byte("o")
	ops := []storage.Op{
		{Kind: storage.OpPutIfNewer, Key: vkey},
		{Kind: storage.OpCommitShard, Key: vkey, Name: "s"},
		{Kind: storage.OpPutIfNewer, Key: []byte("w")},
		{Kind: storage.OpPutIfNewer, Key: okey},
	}
	for _, tc := range []struct {
		applied [][]bool
		errs    []error
		want    bool
	}{
		{[][]bool{{true, true, true, true}, {true, true, true, true}}, []error{nil, nil}, false},
		{[][]bool{{false, false, false, false}, {true, true, true, true}}, []error{nil, nil}, false},
		{[][]bool{{true, true, true, false}, {true, true, true, true}}, []error{nil, nil}, true},
		{[][]bool{{false, false, false, true}, nil}, []error{nil, errSkipped}, true},
		{[][]bool{{true, true, true, false}, nil}, []error{errSkipped, errSkipped}, false},
	} {
		res := make([]slotApply, len(tc.applied))
		for j, a := range tc.applied {
			res[j] = slotApply{ops: ops, applied: a}
		}
		if got := raced(res, tc.errs, vkey, okey); got != tc.want {
			t.Errorf("%v %v: raced %v", tc.applied, tc.errs, got)
		}
	}
}
