package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidShardName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"obj.v1.3", true},
		{"a", true},
		{"with space and %", true},
		{strings.Repeat("n", MaxShardNameLen), true},
		{strings.Repeat("n", MaxShardNameLen+1), false},
		{"", false},
		{".", false},
		{"..", false},
		{"a..b", false},
		{".part-123", false},
		{"a/b", false},
		{"a\x00b", false},
	} {
		err := ValidShardName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidShardName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidShardName(%q) = %v, not ErrInvalidName", tc.name, err)
		}
	}
}

func TestTiedOp(t *testing.T) {
	k := []byte("k")
	ops := []Op{
		{Kind: OpPutIfNewer, Key: k},             // 0
		{Kind: OpPut, Key: k},                    // 1: not conditional
		{Kind: OpCommitShard, Name: "a", Key: k}, // 2 -> 0
		{Kind: OpDeleteIfNotNewer, Key: k},       // 3
		{Kind: OpCommitShard, Name: "b", Key: k}, // 4 -> 3
		{Kind: OpCommitShard, Name: "c", Key: []byte("other")},
		{Kind: OpPutIfNewer, Key: []byte("other")}, // 6
	}
	for i, want := range map[int]int{2: 0, 4: 3, 5: 6} {
		if got := tiedOp(ops, i); got != want {
			t.Errorf("tiedOp(%d) = %d, want %d", i, got, want)
		}
	}
	if got := tiedOp([]Op{{Kind: OpCommitShard, Key: k}, {Kind: OpPut, Key: k}}, 0); got != -1 {
		t.Errorf("tiedOp without conditional op = %d", got)
	}
}

func TestLocalReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := LocalOptions{ID: "n1", Zone: "z1", Logger: testLogger(t)}
	l, err := OpenLocal(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	n := Node(l)
	mustCreate(t, n, "keep", []byte("kept shard"))
	mustCreate(t, n, "uncommitted", []byte("never committed"))
	mustApply(t, n,
		Op{Kind: OpPutIfNewer, Key: []byte("b/k"), Value: hlcValue(3, "meta"), HLC: 3},
		Op{Kind: OpCommitShard, Name: "keep", Key: []byte("b/k")})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Calls on a closed node fail as unavailable.
	_, err = l.Get(ctx, []byte("b/k"))
	wantErr(t, err, ErrUnavailable)
	_, err = l.Apply(ctx, Batch{Ops: []Op{{Kind: OpPut, Key: []byte("x")}}})
	wantErr(t, err, ErrUnavailable)
	_, err = l.CreateShard(ctx, "late", strings.NewReader("x"))
	wantErr(t, err, ErrUnavailable)
	wantErr(t, l.Ready(ctx), ErrUnavailable)

	l, err = OpenLocal(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v, err := l.Get(ctx, []byte("b/k")); err != nil || !bytes.Equal(v, hlcValue(3, "meta")) {
		t.Fatalf("get = %q, %v", v, err)
	}
	if b, err := readShard(l, "keep", 0, -1); err != nil || string(b) != "kept shard" {
		t.Fatalf("read = %q, %v", b, err)
	}
	// The temporary file did not survive the restart.
	_, err = l.Apply(ctx, Batch{Ops: []Op{{Kind: OpCommitShard, Name: "uncommitted"}}})
	wantErr(t, err, ErrNotFound)
	info, err := l.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ShardFiles != 1 || info.UsedBytes < int64(len("kept shard")) {
		t.Errorf("info = %+v", info)
	}
	if err := l.Ready(ctx); err != nil {
		t.Errorf("ready: %v", err)
	}
}

// TestLocalStartupCleanup plants the leftovers of crashes at every step of
// a write and checks OpenLocal clears them.
func TestLocalStartupCleanup(t *testing.T) {
	dir := t.TempDir()
	opts := LocalOptions{ID: "n1", Logger: testLogger(t)}
	l, err := OpenLocal(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, l, "committed", []byte("c"))
	mustApply(t, l, Op{Kind: OpCommitShard, Name: "committed"})
	orphan := l.shardPath("renamed-but-not-committed")
	l.Close()

	for path, data := range map[string]string{
		filepath.Join(dir, tmpDirName, ".part-12345"):  "partial",
		filepath.Join(dir, tmpDirName, "complete-tmp"): "complete",
		orphan: "orphan",
	} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err = OpenLocal(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if entries, _ := os.ReadDir(filepath.Join(dir, tmpDirName)); len(entries) != 0 {
		t.Errorf("tmp not cleared: %v", entries)
	}
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unreferenced shard survived: %v", err)
	}
	if b, err := readShard(l, "committed", 0, -1); err != nil || string(b) != "c" {
		t.Errorf("committed shard: %q, %v", b, err)
	}
	if info, _ := l.Info(context.Background()); info.ShardFiles != 1 {
		t.Errorf("info = %+v", info)
	}
}

func TestLocalCreateShardFailureLeavesNoFile(t *testing.T) {
	l := openTestLocal(t)
	boom := errors.New("boom")
	_, err := l.CreateShard(context.Background(), "x", iotestErrReader{boom})
	wantErr(t, err, boom)
	entries, err := os.ReadDir(l.tmpDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
	if _, err := os.Lstat(l.shardPath("x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("failed shard file left: %v", err)
	}
}

// TestLocalCommitWhileWriting checks that a shard file being written in
// shards/ cannot be committed, and that creating its name again meanwhile
// replaces it.
func TestLocalCommitWhileWriting(t *testing.T) {
	ctx := context.Background()
	l := openTestLocal(t)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := l.CreateShard(ctx, "slow", pr)
		done <- err
	}()
	if _, err := pw.Write([]byte("first half ")); err != nil {
		t.Fatal(err)
	}
	// The file exists now (the write above was read by CreateShard).
	_, err := l.Apply(ctx, Batch{Ops: []Op{{Kind: OpCommitShard, Name: "slow"}}})
	wantErr(t, err, ErrNotFound)
	// An abort does not touch a file being written either.
	mustApply(t, l, Op{Kind: OpAbortShard, Name: "slow"})
	if _, err := pw.Write([]byte("second half")); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustApply(t, l, Op{Kind: OpCommitShard, Name: "slow"})
	if b, err := readShard(l, "slow", 0, -1); err != nil || string(b) != "first half second half" {
		t.Fatalf("read = %q, %v", b, err)
	}

	// A second creation that finishes first displaces the first one's
	// file; the first one failing then leaves the second's in place.
	pr, pw = io.Pipe()
	go func() {
		_, err := l.CreateShard(ctx, "twice", pr)
		done <- err
	}()
	if _, err := pw.Write([]byte("abandoned")); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, l, "twice", []byte("complete"))
	pw.CloseWithError(errors.New("client gone"))
	if err := <-done; err == nil {
		t.Fatal("cut stream accepted")
	}
	mustApply(t, l, Op{Kind: OpCommitShard, Name: "twice"})
	if b, err := readShard(l, "twice", 0, -1); err != nil || string(b) != "complete" {
		t.Fatalf("read = %q, %v", b, err)
	}
}

func TestSharedBlockCache(t *testing.T) {
	cache := NewBlockCache(8 << 20)
	var nodes []*Local
	for i := range 3 {
		l, err := OpenLocal(t.TempDir(), LocalOptions{ID: string(rune('a' + i)), Cache: cache, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, l)
	}
	cache.Release()
	for _, l := range nodes {
		mustApply(t, l, Op{Kind: OpPut, Key: []byte("k"), Value: []byte(l.ID())})
		if err := l.db.Flush(); err != nil {
			t.Fatal(err)
		}
		if v, err := l.Get(context.Background(), []byte("k")); err != nil || string(v) != l.ID() {
			t.Errorf("node %s: get = %q, %v", l.ID(), v, err)
		}
	}
	for _, l := range nodes {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}
}
