package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// pooled returns the recycling pool's file count, checking it against the
// files waiting in tmp/.
func pooledFiles(t *testing.T, l *Local) int {
	t.Helper()
	n, _ := l.recycled.pooled()
	matches, err := filepath.Glob(filepath.Join(l.tmpDir, recyclePrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != n {
		t.Fatalf("pool says %d files, tmp/ holds %d: %v", n, len(matches), matches)
	}
	return n
}

func commitShard(t *testing.T, l *Local, name string, data []byte) {
	t.Helper()
	mustCreate(t, l, name, data)
	mustApply(t, l, Op{Kind: OpCommitShard, Name: name})
}

// TestRecycledShardFiles removes committed shards and creates new ones
// over their files: shorter, longer and equal in length, with O_DIRECT
// (larger than the copy buffer) and without. Every new shard reads back
// exactly, and the pool empties as it is used.
func TestRecycledShardFiles(t *testing.T) {
	l := openTestLocal(t)
	big := func(seed byte, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed + byte(i*7)
		}
		return b
	}
	sizes := []int{
		3*copyBufferSize + 100, // direct
		10,                     // much shorter: the rest is cut off
		copyBufferSize/2 + 5,   // longer than the file it takes
		copyBufferSize/2 + 5,   // same length
		2*copyBufferSize + 4096,
	}
	prev := ""
	for i, size := range sizes {
		name := "shard" + string(rune('a'+i))
		data := big(byte(i), size)
		commitShard(t, l, name, data)
		if i > 0 && pooledFiles(t, l) != 0 {
			t.Fatalf("shard %d: the pooled file was not taken", i)
		}
		got, err := readShard(l, name, 0, -1)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("shard %d (%d bytes): read %d bytes, %v", i, size, len(got), err)
		}
		if info, err := os.Stat(l.shardPath(name)); err != nil || info.Size() != int64(size) {
			t.Fatalf("shard %d: file %v, %v; want %d bytes", i, info, err, size)
		}
		if prev != "" {
			mustApply(t, l, Op{Kind: OpRemoveShard, Name: prev})
			if n := pooledFiles(t, l); n != 1 {
				t.Fatalf("after removing %s: %d pooled files", prev, n)
			}
			if _, err := readShard(l, prev, 0, -1); err == nil {
				t.Fatalf("removed shard %s still readable", prev)
			}
		}
		prev = name
	}
	info, err := l.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.ShardFiles != 1 || info.UsedBytes < int64(sizes[len(sizes)-1]) {
		t.Errorf("info = %+v", info)
	}
}

// TestRecycleSparesOpenReaders checks that a shard removed while a reader
// has it open is unlinked, not pooled: the reader reads the old bytes to
// the end although a new shard is written meanwhile.
func TestRecycleSparesOpenReaders(t *testing.T) {
	ctx := context.Background()
	l := openTestLocal(t)
	old := bytes.Repeat([]byte("old shard bytes "), 4096)
	commitShard(t, l, "old", old)
	rc, err := l.ReadShard(ctx, "old", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 100)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatal(err)
	}
	mustApply(t, l, Op{Kind: OpRemoveShard, Name: "old"})
	if n := pooledFiles(t, l); n != 0 {
		t.Fatalf("a file with an open reader was pooled (%d)", n)
	}
	commitShard(t, l, "new", bytes.Repeat([]byte("NEW"), 30000))
	rest, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(head, rest...), old) {
		t.Fatal("the open reader did not read the removed shard's bytes")
	}
	if len(l.readers) != 0 {
		t.Errorf("readers left counted: %v", l.readers)
	}

	// Without a reader the file is pooled.
	mustApply(t, l, Op{Kind: OpRemoveShard, Name: "new"})
	if n := pooledFiles(t, l); n != 1 {
		t.Fatalf("pooled %d files, want 1", n)
	}
}

// TestRecyclePoolBounds checks the pool's bounds: files over
// recycleMaxFileSize are unlinked, the oldest go when the pool is full,
// idle ones are trimmed, and a restart empties it.
func TestRecyclePoolBounds(t *testing.T) {
	dir := t.TempDir()
	r := &recycler{dir: dir, log: testLogger(t)}
	file := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	t0 := time.Now()
	huge := file("huge", recycleMaxFileSize+1)
	r.keep(huge, recycleMaxFileSize+1, t0)
	if n, _ := r.pooled(); n != 0 {
		t.Fatalf("a file over the size bound was pooled")
	}
	if _, err := os.Stat(huge); !os.IsNotExist(err) {
		t.Fatalf("the oversized file was not unlinked: %v", err)
	}
	for i := range recycleMaxFiles + 3 {
		r.keep(file(fmt.Sprintf("f%d", i), 1), 1, t0.Add(time.Duration(i)*time.Second))
	}
	if n, b := r.pooled(); n != recycleMaxFiles || b != recycleMaxFiles {
		t.Fatalf("pool of %d files, %d bytes; want %d", n, b, recycleMaxFiles)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != recycleMaxFiles {
		t.Fatalf("%d files on disk, want %d", len(entries), recycleMaxFiles)
	}
	// Files freed at t0+3s.. remain; trimming at t0+3s+recycleIdle+0.5s
	// unlinks the first one left (t0+3s) only.
	if n := r.trim(t0.Add(3*time.Second + recycleIdle + time.Second/2)); n != 1 {
		t.Fatalf("trim unlinked %d files, want 1", n)
	}
	if n := r.trim(t0.Add(time.Hour)); n != recycleMaxFiles-1 {
		t.Fatalf("trim unlinked %d files, want all %d", n, recycleMaxFiles-1)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files left after trimming: %d", len(entries))
	}
	// take on an empty pool creates nothing.
	if _, ok, err := r.take(filepath.Join(dir, "x")); ok || err != nil {
		t.Fatalf("take from empty pool = %v, %v", ok, err)
	}

	// A restart empties the pool in tmp/.
	opts := LocalOptions{ID: "n1", Logger: testLogger(t)}
	ldir := t.TempDir()
	l, err := OpenLocal(ldir, opts)
	if err != nil {
		t.Fatal(err)
	}
	commitShard(t, l, "a", []byte("aaa"))
	mustApply(t, l, Op{Kind: OpRemoveShard, Name: "a"})
	if n := pooledFiles(t, l); n != 1 {
		t.Fatalf("pooled %d, want 1", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = OpenLocal(ldir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n := pooledFiles(t, l); n != 0 {
		t.Fatalf("pool after restart: %d", n)
	}
}

// TestRecycleTakeExisting checks that taking a pooled file for a name
// whose file exists leaves both alone.
func TestRecycleTakeExisting(t *testing.T) {
	dir := t.TempDir()
	r := &recycler{dir: dir, log: testLogger(t)}
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("pooled"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.keep(src, 6, time.Now())
	dst := filepath.Join(dir, "dst")
	if err := os.WriteFile(dst, []byte("existing"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := r.take(dst); ok || err == nil {
		t.Fatalf("take over an existing file = %v, %v", ok, err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "existing" {
		t.Fatalf("existing file changed: %q", b)
	}
	if n, _ := r.pooled(); n != 1 {
		t.Fatalf("pooled file lost: %d", n)
	}
	if size, ok, err := r.take(filepath.Join(dir, "dst2")); !ok || err != nil || size != 6 {
		t.Fatalf("take = %d, %v, %v", size, ok, err)
	}
}
