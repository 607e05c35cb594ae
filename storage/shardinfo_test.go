package storage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestLocalShardInfo(t *testing.T) {
	l := openTestLocal(t)
	testShardInfo(t, l, l)
}

func TestRemoteShardInfo(t *testing.T) {
	l := openTestLocal(t)
	r, _ := serveLocal(t, l, RemoteOptions{})
	testShardInfo(t, l, r)
}

// testShardInfo checks StatShards and ListShards of n, which serves l.
func testShardInfo(t *testing.T, l *Local, n Node) {
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	names := []string{"c.0", "a.1", "b.2", "a.0"}
	for i, name := range names {
		mustCreate(t, n, name, bytes.Repeat([]byte{'x'}, 10*(i+1)))
	}
	for _, name := range names {
		mustApply(t, n, Op{Kind: OpCommitShard, Name: name})
	}
	mustCreate(t, n, "uncommitted", []byte("not yet"))

	infos, err := n.StatShards(ctx, []string{"a.1", "uncommitted", "missing", "c.0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		size int64
	}{{"a.1", 20}, {"uncommitted", -1}, {"missing", -1}, {"c.0", 10}}
	if len(infos) != len(want) {
		t.Fatalf("stat: %d answers, want %d", len(infos), len(want))
	}
	for i, w := range want {
		got := infos[i]
		if got.Name != w.name || got.Size != w.size {
			t.Errorf("stat %d = %+v, want %s of %d bytes", i, got, w.name, w.size)
		}
		if w.size >= 0 && (got.ModTime.Before(before) || got.ModTime.After(time.Now().Add(time.Second))) {
			t.Errorf("stat %s: modification time %v, want about now", w.name, got.ModTime)
		}
		if w.size < 0 && !got.ModTime.IsZero() {
			t.Errorf("stat %s: modification time %v of a missing file", w.name, got.ModTime)
		}
	}
	if infos, err := n.StatShards(ctx, nil); err != nil || len(infos) != 0 {
		t.Errorf("stat of no names = %v, %v", infos, err)
	}

	list := func(after string, limit int) string {
		t.Helper()
		infos, err := n.ListShards(ctx, after, limit)
		if err != nil {
			t.Fatalf("list after %q: %v", after, err)
		}
		var parts []string
		for _, s := range infos {
			parts = append(parts, fmt.Sprintf("%s:%d", s.Name, s.Size))
		}
		return strings.Join(parts, " ")
	}
	if got, want := list("", 0), "a.0:40 a.1:20 b.2:30 c.0:10"; got != want {
		t.Errorf("list = %q, want %q", got, want)
	}
	if got, want := list("a.0", 2), "a.1:20 b.2:30"; got != want {
		t.Errorf("list after a.0, 2 = %q, want %q", got, want)
	}
	if got, want := list("c.0", 0), ""; got != want {
		t.Errorf("list after the last = %q, want %q", got, want)
	}

	// A committed shard whose file is gone from the disk is reported
	// missing, and still listed, so the scanner can see what to rebuild.
	if err := os.Remove(l.shardPath("b.2")); err != nil {
		t.Fatal(err)
	}
	if infos, err := n.StatShards(ctx, []string{"b.2"}); err != nil || infos[0].Size != -1 {
		t.Errorf("stat of a deleted file = %+v, %v; want size -1", infos, err)
	}
	if got, want := list("a.1", 0), "b.2:-1 c.0:10"; got != want {
		t.Errorf("list with a deleted file = %q, want %q", got, want)
	}
	// Removed shards are no longer listed.
	mustApply(t, n, Op{Kind: OpRemoveShard, Name: "a.0"})
	if got, want := list("", 1), "a.1:20"; got != want {
		t.Errorf("list after remove = %q, want %q", got, want)
	}

	_, err = n.StatShards(ctx, []string{"ok", "../escape"})
	wantErr(t, err, ErrInvalidName)
	_, err = n.StatShards(ctx, make([]string, MaxStatShards+1))
	if err == nil {
		t.Error("stat of too many names succeeded")
	}
}

func TestRemoteShardInfoAuth(t *testing.T) {
	ctx := context.Background()
	l := openTestLocal(t)
	_, srv := serveLocal(t, l, RemoteOptions{})
	wrong := NewRemote(srv.URL, "n1", []byte("wrong secret"), RemoteOptions{})
	defer wrong.Close()
	_, err := wrong.StatShards(ctx, []string{"a"})
	wantErr(t, err, ErrUnauthorized)
	_, err = wrong.ListShards(ctx, "", 0)
	wantErr(t, err, ErrUnauthorized)

	// Names that are not the ones their digest names are refused.
	encode := func(names ...string) []byte {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		kvs := make([]KV, len(names))
		for i, n := range names {
			kvs[i] = KV{Key: []byte(n)}
		}
		writeScan(w, kvs)
		return b.Bytes()
	}
	sum := sha256.Sum256(encode("a"))
	req, _ := http.NewRequest("POST", srv.URL+"/internode/v1/stat-shards", bytes.NewReader(encode("b")))
	req.Header.Set(headerContentSHA256, hex.EncodeToString(sum[:]))
	signRequest(req, testSecret, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered stat-shards: %d, want 401", resp.StatusCode)
	}
	// A malformed body is a bad request, not a crash.
	body := []byte{1, 200}
	sum = sha256.Sum256(body)
	req, _ = http.NewRequest("POST", srv.URL+"/internode/v1/stat-shards", bytes.NewReader(body))
	req.Header.Set(headerContentSHA256, hex.EncodeToString(sum[:]))
	signRequest(req, testSecret, time.Now())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed stat-shards: %d, want 400", resp.StatusCode)
	}
}

// FuzzShardInfos feeds arbitrary bytes to the decoding of a stat-shards
// request and of a shard info answer: errors, never panics, and what
// decodes encodes back the same.
func FuzzShardInfos(f *testing.F) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeScan(w, shardInfoKVs([]ShardInfo{{Name: "a.0", Size: 10, ModTime: time.Unix(5, 6)}, {Name: "b.1", Size: -1}}))
	f.Add(b.Bytes())
	f.Add([]byte{0})
	f.Add([]byte{1, 3, 'a', '.', '0', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := readScan(bufio.NewReader(bytes.NewReader(data)), true); err != nil {
			return
		}
		kvs, err := readScan(bufio.NewReader(bytes.NewReader(data)), false)
		if err != nil {
			t.Fatalf("keys-only read accepted what a full read refuses: %v", err)
		}
		infos, err := shardInfosFromKVs(kvs)
		if err != nil {
			return
		}
		again, err := shardInfosFromKVs(shardInfoKVs(infos))
		if err != nil || len(again) != len(infos) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range infos {
			if again[i].Name != infos[i].Name || again[i].Size != infos[i].Size || !again[i].ModTime.Equal(infos[i].ModTime) {
				t.Fatalf("round trip of %+v gave %+v", infos[i], again[i])
			}
		}
	})
}
