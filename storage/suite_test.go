package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The behaviour every Node shares, run against Local and against Remote
// through a real loopback server.

var testSecret = []byte("test cluster secret")

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func openTestLocal(t testing.TB) *Local {
	t.Helper()
	l, err := OpenLocal(t.TempDir(), LocalOptions{ID: "n1", Zone: "z1", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return l
}

// serveLocal starts a loopback internode server in front of l and returns
// a Remote for it.
func serveLocal(t testing.TB, l *Local, opts RemoteOptions) (*Remote, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(NewServer(l, testSecret, testLogger(t)))
	t.Cleanup(srv.Close)
	r := NewRemote(srv.URL, l.ID(), testSecret, opts)
	t.Cleanup(func() { r.Close() })
	return r, srv
}

func TestLocalNode(t *testing.T) {
	testNode(t, func(t *testing.T) Node { return openTestLocal(t) })
}

func TestRemoteNode(t *testing.T) {
	testNode(t, func(t *testing.T) Node {
		r, _ := serveLocal(t, openTestLocal(t), RemoteOptions{})
		return r
	})
}

// hlcValue is a value for the conditional ops: its HLC, then payload.
func hlcValue(hlc uint64, payload string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, hlc), payload...)
}

func mustApply(t *testing.T, n Node, ops ...Op) []bool {
	t.Helper()
	applied, err := n.Apply(context.Background(), Batch{Ops: ops})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if len(applied) != len(ops) {
		t.Fatalf("apply: %d results for %d ops", len(applied), len(ops))
	}
	return applied
}

func mustCreate(t *testing.T, n Node, name string, data []byte) {
	t.Helper()
	got, err := n.CreateShard(context.Background(), name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("create shard %s: %v", name, err)
	}
	if got != int64(len(data)) {
		t.Fatalf("create shard %s: wrote %d of %d bytes", name, got, len(data))
	}
}

func readShard(n Node, name string, offset, length int64) ([]byte, error) {
	rc, err := n.ReadShard(context.Background(), name, offset, length)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func testNode(t *testing.T, newNode func(t *testing.T) Node) {
	ctx := context.Background()

	t.Run("ShardLifecycle", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		data := []byte("0123456789abcdefghij")
		mustCreate(t, n, "obj1.v1.0", data)
		_, err := readShard(n, "obj1.v1.0", 0, -1)
		wantErr(t, err, ErrNotFound) // not committed yet

		got := mustApply(t, n,
			Op{Kind: OpPutIfNewer, Key: []byte("b/obj1"), Value: hlcValue(7, "meta"), HLC: 7},
			Op{Kind: OpCommitShard, Name: "obj1.v1.0", Key: []byte("b/obj1")})
		if !got[0] || !got[1] {
			t.Fatalf("applied = %v", got)
		}
		for _, tc := range []struct {
			offset, length int64
			want           string
		}{
			{0, -1, string(data)},
			{5, 3, "567"},
			{0, 0, ""},
			{15, 100, "fghij"},
			{20, -1, ""},
			{50, 10, ""},
		} {
			b, err := readShard(n, "obj1.v1.0", tc.offset, tc.length)
			if err != nil || string(b) != tc.want {
				t.Errorf("read(%d, %d) = %q, %v; want %q", tc.offset, tc.length, b, err, tc.want)
			}
		}
		info, err := n.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != "n1" || info.Zone != "z1" || info.ShardFiles != 1 || info.UsedBytes < int64(len(data)) || info.FreeBytes <= 0 {
			t.Errorf("info = %+v", info)
		}

		// Removing the shard hides it and frees it.
		mustApply(t, n, Op{Kind: OpDelete, Key: []byte("b/obj1")}, Op{Kind: OpRemoveShard, Name: "obj1.v1.0"})
		_, err = readShard(n, "obj1.v1.0", 0, -1)
		wantErr(t, err, ErrNotFound)
		if info, _ := n.Info(ctx); info.ShardFiles != 0 {
			t.Errorf("after remove: info = %+v", info)
		}
		// Removing again is no error.
		mustApply(t, n, Op{Kind: OpRemoveShard, Name: "obj1.v1.0"})
	})

	t.Run("PutGetDelete", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		_, err := n.Get(ctx, []byte("missing"))
		wantErr(t, err, ErrNotFound)
		mustApply(t, n,
			Op{Kind: OpPut, Key: []byte("k1"), Value: []byte("v1")},
			Op{Kind: OpPut, Key: []byte("k2"), Value: nil},
			Op{Kind: OpPut, Key: []byte("k3"), Value: []byte("old")},
			Op{Kind: OpPut, Key: []byte("k3"), Value: []byte("new")})
		for k, want := range map[string]string{"k1": "v1", "k2": "", "k3": "new"} {
			v, err := n.Get(ctx, []byte(k))
			if err != nil || string(v) != want || v == nil {
				t.Errorf("get %s = %q, %v; want %q", k, v, err, want)
			}
		}
		mustApply(t, n, Op{Kind: OpDelete, Key: []byte("k1")}, Op{Kind: OpDelete, Key: []byte("never")})
		_, err = n.Get(ctx, []byte("k1"))
		wantErr(t, err, ErrNotFound)
	})

	t.Run("PutIfNewer", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		key := []byte("lww")
		for _, tc := range []struct {
			hlc  uint64
			want bool
		}{{10, true}, {5, false}, {10, false}, {11, true}, {3, false}} {
			got := mustApply(t, n, Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(tc.hlc, "x"), HLC: tc.hlc})
			if got[0] != tc.want {
				t.Errorf("put-if-newer %d: applied %v, want %v", tc.hlc, got[0], tc.want)
			}
		}
		v, _ := n.Get(ctx, key)
		if !bytes.Equal(v, hlcValue(11, "x")) {
			t.Errorf("value = %x", v)
		}
		// Ops of one batch see the earlier ones.
		got := mustApply(t, n,
			Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(20, "a"), HLC: 20},
			Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(15, "b"), HLC: 15})
		if !got[0] || got[1] {
			t.Errorf("in-batch applied = %v", got)
		}
	})

	// Conditional ops decide by what the node held before the batch and
	// what the batch's earlier ops wrote, whether the batch reads its keys
	// one by one or (from iterReadMin conditional ops on) in key order.
	t.Run("ConditionalBatches", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		for _, many := range []int{0, 40} {
			pre := fmt.Sprintf("m%d/", many)
			var ops []Op
			var want []bool
			// Keys before and after the repeated one in key order, held
			// at HLC 10: some newer ops win, some older lose.
			for i := range many {
				k := []byte(fmt.Sprintf("%sk%03d", pre, i))
				mustApply(t, n, Op{Kind: OpPut, Key: k, Value: hlcValue(10, "old")})
				h := uint64(5 + 10*(i%2)) // 5 loses, 15 wins
				ops = append(ops, Op{Kind: OpPutIfNewer, Key: k, Value: hlcValue(h, "new"), HLC: h})
				want = append(want, h > 10)
			}
			key := []byte(pre + "k020x")
			mustApply(t, n, Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(10, "x"), HLC: 10})
			ops = append(ops,
				Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(9, "a"), HLC: 9},                 // older than stored
				Op{Kind: OpPut, Key: key, Value: hlcValue(30, "b")},                               // unconditional
				Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(25, "c"), HLC: 25},               // older than the put
				Op{Kind: OpDeleteIfNotNewer, Key: key, HLC: 29},                                   // older than the put
				Op{Kind: OpDeleteIfNotNewer, Key: key, HLC: 30},                                   // equal: deletes
				Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(1, "d"), HLC: 1},                 // after the delete: applies
				Op{Kind: OpPutIfNewer, Key: []byte(pre + "new"), Value: hlcValue(1, "e"), HLC: 1}) // never stored
			want = append(want, false, true, false, false, true, true, true)
			got := mustApply(t, n, ops...)
			if !slices.Equal(got, want) {
				t.Errorf("%d keys around: applied %v, want %v", many, got, want)
			}
			if v, err := n.Get(ctx, key); err != nil || !bytes.Equal(v, hlcValue(1, "d")) {
				t.Errorf("%d keys around: %q holds %x, %v", many, key, v, err)
			}
			for i := range many {
				k := []byte(fmt.Sprintf("%sk%03d", pre, i))
				wantV := hlcValue(10, "old")
				if want[i] {
					wantV = hlcValue(15, "new")
				}
				if v, err := n.Get(ctx, k); err != nil || !bytes.Equal(v, wantV) {
					t.Errorf("%q holds %x, %v", k, v, err)
				}
			}
		}
	})

	t.Run("DeleteIfNotNewer", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		key := []byte("d")
		mustApply(t, n, Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(10, "x"), HLC: 10})
		if got := mustApply(t, n, Op{Kind: OpDeleteIfNotNewer, Key: key, HLC: 9}); got[0] {
			t.Error("delete of an older HLC applied")
		}
		if _, err := n.Get(ctx, key); err != nil {
			t.Fatal(err)
		}
		if got := mustApply(t, n, Op{Kind: OpDeleteIfNotNewer, Key: key, HLC: 10}); !got[0] {
			t.Error("delete of an equal HLC skipped")
		}
		_, err := n.Get(ctx, key)
		wantErr(t, err, ErrNotFound)
		if got := mustApply(t, n, Op{Kind: OpDeleteIfNotNewer, Key: key, HLC: 1}); !got[0] {
			t.Error("delete of a missing key skipped")
		}
	})

	t.Run("TiedCommitAborted", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		key := []byte("b/tied")
		mustApply(t, n, Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(20, "winner"), HLC: 20})
		mustCreate(t, n, "tied.15", []byte("loser data"))
		got := mustApply(t, n,
			Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(15, "loser"), HLC: 15},
			Op{Kind: OpCommitShard, Name: "tied.15", Key: key})
		if got[0] || got[1] {
			t.Fatalf("applied = %v, want both skipped", got)
		}
		_, err := readShard(n, "tied.15", 0, -1)
		wantErr(t, err, ErrNotFound)
		// The temporary file was removed with the skipped op.
		_, err = n.Apply(ctx, Batch{Ops: []Op{{Kind: OpCommitShard, Name: "tied.15"}}})
		wantErr(t, err, ErrNotFound)
		// The tie may also point at a conditional op after the commit.
		mustCreate(t, n, "tied.30", []byte("newer data"))
		got = mustApply(t, n,
			Op{Kind: OpCommitShard, Name: "tied.30", Key: key},
			Op{Kind: OpPutIfNewer, Key: key, Value: hlcValue(30, "newer"), HLC: 30})
		if !got[0] || !got[1] {
			t.Fatalf("applied = %v", got)
		}
		if b, err := readShard(n, "tied.30", 0, -1); err != nil || string(b) != "newer data" {
			t.Fatalf("read = %q, %v", b, err)
		}
	})

	t.Run("MissingTempAppliesNothing", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		mustCreate(t, n, "present", []byte("p"))
		_, err := n.Apply(ctx, Batch{Ops: []Op{
			{Kind: OpPut, Key: []byte("k"), Value: []byte("v")},
			{Kind: OpCommitShard, Name: "present"},
			{Kind: OpCommitShard, Name: "absent"},
		}})
		wantErr(t, err, ErrNotFound)
		_, err = n.Get(ctx, []byte("k"))
		wantErr(t, err, ErrNotFound)
		_, err = readShard(n, "present", 0, -1)
		wantErr(t, err, ErrNotFound)
		// The first shard's temporary file is still there to commit.
		mustApply(t, n, Op{Kind: OpCommitShard, Name: "present"})
		if b, err := readShard(n, "present", 0, -1); err != nil || string(b) != "p" {
			t.Fatalf("read = %q, %v", b, err)
		}
		// A retried commit of a committed shard succeeds.
		if got := mustApply(t, n, Op{Kind: OpCommitShard, Name: "present"}); !got[0] {
			t.Error("retried commit not applied")
		}
	})

	t.Run("AbortAndReplace", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		mustCreate(t, n, "ab", []byte("data"))
		mustApply(t, n, Op{Kind: OpAbortShard, Name: "ab"}, Op{Kind: OpAbortShard, Name: "never-created"})
		_, err := n.Apply(ctx, Batch{Ops: []Op{{Kind: OpCommitShard, Name: "ab"}}})
		wantErr(t, err, ErrNotFound)

		mustCreate(t, n, "re", []byte("first version, longer"))
		mustCreate(t, n, "re", []byte("second"))
		mustApply(t, n, Op{Kind: OpCommitShard, Name: "re"})
		if b, err := readShard(n, "re", 0, -1); err != nil || string(b) != "second" {
			t.Fatalf("read = %q, %v", b, err)
		}
		mustCreate(t, n, "empty", nil)
		mustApply(t, n, Op{Kind: OpCommitShard, Name: "empty"})
		if b, err := readShard(n, "empty", 0, -1); err != nil || len(b) != 0 {
			t.Fatalf("read = %q, %v", b, err)
		}
	})

	t.Run("RecreateCommitted", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		key := []byte("b/re")
		mustCreate(t, n, "rc", []byte("old content"))
		commit := Batch{Ops: []Op{
			{Kind: OpPutIfNewer, Key: key, Value: hlcValue(5, "rc"), HLC: 5},
			{Kind: OpCommitShard, Name: "rc", Key: key},
		}}
		mustApply(t, n, commit.Ops...)
		// The same batch again (its acknowledgement lost): the tied op is
		// skipped now, and the abort it implies must spare the committed
		// file. So must an explicit abort.
		if got, err := n.Apply(ctx, commit); err != nil || got[0] || got[1] {
			t.Fatalf("retried batch: %v, %v", got, err)
		}
		mustApply(t, n, Op{Kind: OpAbortShard, Name: "rc"})
		if b, err := readShard(n, "rc", 0, -1); err != nil || string(b) != "old content" {
			t.Fatalf("after retried batch and abort: %q, %v", b, err)
		}
		// Created again, the committed file stays until a commit.
		mustCreate(t, n, "rc", []byte("new content, longer"))
		if b, err := readShard(n, "rc", 0, -1); err != nil || string(b) != "old content" {
			t.Fatalf("before commit: %q, %v", b, err)
		}
		mustApply(t, n, Op{Kind: OpCommitShard, Name: "rc"})
		if b, err := readShard(n, "rc", 0, -1); err != nil || string(b) != "new content, longer" {
			t.Fatalf("after commit: %q, %v", b, err)
		}
		if info, _ := n.Info(ctx); info.ShardFiles != 1 || info.UsedBytes < int64(len("new content, longer")) {
			t.Errorf("info = %+v", info)
		}
		// An aborted re-creation leaves the committed file.
		mustCreate(t, n, "rc", []byte("third"))
		mustApply(t, n, Op{Kind: OpAbortShard, Name: "rc"})
		mustApply(t, n, Op{Kind: OpCommitShard, Name: "rc"})
		if b, err := readShard(n, "rc", 0, -1); err != nil || string(b) != "new content, longer" {
			t.Fatalf("after aborted re-creation: %q, %v", b, err)
		}
		mustApply(t, n, Op{Kind: OpRemoveShard, Name: "rc"})
		if info, _ := n.Info(ctx); info.ShardFiles != 0 {
			t.Errorf("after remove: info = %+v", info)
		}
		_, err := readShard(n, "rc", 0, -1)
		wantErr(t, err, ErrNotFound)
	})

	t.Run("ReaderError", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		boom := errors.New("source failed")
		r := io.MultiReader(bytes.NewReader(make([]byte, 300<<10)), iotestErrReader{boom})
		_, err := n.CreateShard(ctx, "broken", r)
		wantErr(t, err, boom)
		_, err = n.Apply(ctx, Batch{Ops: []Op{{Kind: OpCommitShard, Name: "broken"}}})
		wantErr(t, err, ErrNotFound)

		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = n.CreateShard(cctx, "cancelled", strings.NewReader("x"))
		wantErr(t, err, context.Canceled)
	})

	t.Run("ReservedKeys", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		mustApply(t, n, Op{Kind: OpPut, Key: []byte("a"), Value: []byte("1")}, Op{Kind: OpPut, Key: []byte("\xfe\xff"), Value: []byte("2")})
		mustCreate(t, n, "s", []byte("x"))
		mustApply(t, n, Op{Kind: OpCommitShard, Name: "s"})
		for _, op := range []Op{
			{Kind: OpPut, Key: []byte("\xff\xffshard/s")},
			{Kind: OpDelete, Key: []byte("\xff")},
			{Kind: OpPutIfNewer, Key: []byte("\xffx"), Value: hlcValue(1, ""), HLC: 1},
			{Kind: OpPut, Key: nil, Value: []byte("v")},
		} {
			_, err := n.Apply(ctx, Batch{Ops: []Op{op}})
			wantErr(t, err, ErrInvalidKey)
		}
		_, err := n.Get(ctx, []byte("\xff\xffshard/s"))
		wantErr(t, err, ErrInvalidKey)
		for _, r := range []ScanRange{{}, {End: []byte("\xff\xff\xff")}, {Start: []byte("\xfe"), End: []byte{0xff, 0xff}}, {Start: []byte("\xff")}} {
			kvs, err := n.Scan(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range kvs {
				if kv.Key[0] == ReservedKeyPrefix {
					t.Errorf("scan %q..%q returned reserved key %q", r.Start, r.End, kv.Key)
				}
			}
		}
		// The shard's reference survived the refused ops.
		if b, err := readShard(n, "s", 0, -1); err != nil || string(b) != "x" {
			t.Fatalf("read = %q, %v", b, err)
		}
	})

	t.Run("InvalidNames", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		for _, name := range []string{"", "a/b", "..", ".", "a..b", ".hidden", "nul\x00", "/abs", strings.Repeat("x", MaxShardNameLen+1)} {
			_, err := n.CreateShard(ctx, name, strings.NewReader("x"))
			wantErr(t, err, ErrInvalidName)
			_, err = n.ReadShard(ctx, name, 0, -1)
			wantErr(t, err, ErrInvalidName)
			for _, k := range []OpKind{OpCommitShard, OpAbortShard, OpRemoveShard} {
				_, err = n.Apply(ctx, Batch{Ops: []Op{{Kind: k, Name: name}}})
				wantErr(t, err, ErrInvalidName)
			}
		}
		// Names with characters that need escaping in a URL are fine.
		for _, name := range []string{"a b%2F?#c", strings.Repeat("y", MaxShardNameLen), "ünïcode-名前"} {
			mustCreate(t, n, name, []byte(name))
			mustApply(t, n, Op{Kind: OpCommitShard, Name: name})
			if b, err := readShard(n, name, 0, -1); err != nil || string(b) != name {
				t.Fatalf("read %q = %q, %v", name, b, err)
			}
		}
	})

	t.Run("InvalidBatches", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		for _, b := range []Batch{
			{Ops: []Op{{Kind: OpPutIfNewer, Key: []byte("k"), Value: []byte("short"), HLC: 1}}},
			{Ops: []Op{{Kind: OpPutIfNewer, Key: []byte("k"), Value: hlcValue(2, ""), HLC: 1}}},
			{Ops: []Op{{Kind: OpCommitShard, Name: "s", Key: []byte("k")}}},
			{Ops: []Op{{Kind: 0, Key: []byte("k")}}},
			{Ops: []Op{{Kind: 99, Key: []byte("k")}}},
			{Ops: []Op{{Kind: OpCommitShard, Name: "s"}, {Kind: OpCommitShard, Name: "s"}}},
		} {
			if _, err := n.Apply(ctx, b); err == nil {
				t.Errorf("batch %+v accepted", b)
			}
		}
		if applied, err := n.Apply(ctx, Batch{}); err != nil || len(applied) != 0 {
			t.Errorf("empty batch: %v, %v", applied, err)
		}
	})

	t.Run("Scan", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		var ops []Op
		for c := 'a'; c <= 'j'; c++ {
			ops = append(ops, Op{Kind: OpPut, Key: []byte{byte(c)}, Value: []byte{byte(c), byte(c)}})
		}
		ops = append(ops, Op{Kind: OpPut, Key: []byte("e\x00"), Value: nil})
		mustApply(t, n, ops...)
		keys := func(kvs []KV) string {
			var s []string
			for _, kv := range kvs {
				s = append(s, string(kv.Key))
			}
			return strings.Join(s, ",")
		}
		for _, tc := range []struct {
			r    ScanRange
			want string
		}{
			{ScanRange{}, "a,b,c,d,e,e\x00,f,g,h,i,j"},
			{ScanRange{Start: []byte("c"), End: []byte("f")}, "c,d,e,e\x00"},
			{ScanRange{Start: []byte("c"), Limit: 2}, "c,d"},
			{ScanRange{Start: []byte("i")}, "i,j"},
			{ScanRange{Start: []byte("f"), End: []byte("c")}, ""},
			{ScanRange{Start: []byte("x")}, ""},
		} {
			kvs, err := n.Scan(ctx, tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(kvs); got != tc.want {
				t.Errorf("scan %+v = %q, want %q", tc.r, got, tc.want)
			}
		}
		kvs, _ := n.Scan(ctx, ScanRange{Start: []byte("e"), Limit: 2})
		if len(kvs) != 2 || string(kvs[0].Value) != "ee" || kvs[1].Value == nil || len(kvs[1].Value) != 0 {
			t.Errorf("values = %q", kvs)
		}
		kvs, _ = n.Scan(ctx, ScanRange{KeysOnly: true})
		for _, kv := range kvs {
			if kv.Value != nil {
				t.Errorf("keys-only scan returned value %q", kv.Value)
			}
		}
	})

	t.Run("ConcurrentLastWriterWins", func(t *testing.T) {
		t.Parallel()
		n := newNode(t)
		const writers, rounds = 16, 12
		key := []byte("b/contended")
		hlcs := rand.Perm(writers * rounds)
		type result struct {
			name    string
			hlc     uint64
			applied bool
		}
		results := make([]result, writers*rounds)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range rounds {
					j := w*rounds + i
					hlc := uint64(hlcs[j] + 1)
					name := fmt.Sprintf("contended.%d", hlc)
					data := []byte(name)
					if _, err := n.CreateShard(ctx, name, bytes.NewReader(data)); err != nil {
						t.Error(err)
						return
					}
					applied, err := n.Apply(ctx, Batch{Ops: []Op{
						{Kind: OpPutIfNewer, Key: key, Value: hlcValue(hlc, name), HLC: hlc},
						{Kind: OpCommitShard, Name: name, Key: key},
					}})
					if err != nil {
						t.Error(err)
						return
					}
					if applied[0] != applied[1] {
						t.Errorf("put and its shard disagree: %v", applied)
					}
					results[j] = result{name, hlc, applied[0]}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		v, err := n.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if want := hlcValue(writers*rounds, fmt.Sprintf("contended.%d", writers*rounds)); !bytes.Equal(v, want) {
			t.Fatalf("winner = %q, want %q", v, want)
		}
		var committed int64
		for _, r := range results {
			_, err := readShard(n, r.name, 0, -1)
			if r.applied != (err == nil) {
				t.Errorf("shard %s: applied %v, read error %v", r.name, r.applied, err)
			}
			if r.applied {
				committed++
			}
		}
		if info, _ := n.Info(ctx); info.ShardFiles != committed {
			t.Errorf("shard files = %d, want %d", info.ShardFiles, committed)
		}
	})
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }
