package objectlayer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// testCluster is a Layer over real storage nodes in temporary directories,
// one per zone, each wrapped so that a test can take it down.
type testCluster struct {
	layer  *Layer
	locals []*storage.Local
	nodes  []*faultyNode
	topo   *placement.Topology
}

type clusterOptions struct {
	nodes  int  // default 3, one per zone
	remote bool // reach the nodes through the internode HTTP API
	k, m   int  // erasure layout; 0 lets placement choose
	layer  Options
}

func newTestCluster(t testing.TB, o clusterOptions) *testCluster {
	t.Helper()
	if o.nodes == 0 {
		o.nodes = 3
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if o.layer.Logger == nil {
		o.layer.Logger = logger
	}
	c := &testCluster{}
	var pnodes []placement.Node
	var nodes []storage.Node
	secret := []byte("test cluster secret")
	for i := range o.nodes {
		id := fmt.Sprintf("node%d", i)
		zone := fmt.Sprintf("zone%d", i%3)
		local, err := storage.OpenLocal(t.TempDir(), storage.LocalOptions{ID: id, Zone: zone, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { local.Close() })
		c.locals = append(c.locals, local)
		var n storage.Node = local
		if o.remote {
			srv := httptest.NewServer(storage.NewServer(local, secret, logger))
			t.Cleanup(srv.Close)
			n = storage.NewRemote(srv.URL, id, secret, storage.RemoteOptions{})
		}
		fn := &faultyNode{Node: n}
		c.nodes = append(c.nodes, fn)
		nodes = append(nodes, fn)
		pnodes = append(pnodes, placement.Node{ID: id, Zone: zone})
	}
	topo, err := placement.New(pnodes)
	if o.k > 0 {
		topo, err = placement.NewWithLayout(pnodes, o.k, o.m)
	}
	if err != nil {
		t.Fatal(err)
	}
	c.topo = topo
	if o.layer.ProbeInterval == 0 {
		o.layer.ProbeInterval = -1 // tests bring nodes back with markUp
	}
	l, err := New(nodes, topo, o.layer)
	if err != nil {
		t.Fatal(err)
	}
	c.layer = l
	t.Cleanup(l.Close)
	return c
}

// setDown takes node i down (every call fails as unavailable) or back up.
func (c *testCluster) setDown(i int, down bool) {
	c.nodes[i].down.Store(down)
	if !down {
		c.layer.health.observe(context.Background(), i, nil)
	}
}

// shardFiles returns the names of the committed shard files of every node
// and the number of temporary ones. Files the node pooled for reuse
// (tmp/free-*, storage/recycle.go) are neither.
func (c *testCluster) shardFiles(t testing.TB) (committed []string, temporary int) {
	t.Helper()
	c.layer.bg.Wait() // background cleanups
	for _, l := range c.locals {
		err := filepath.WalkDir(l.Dir(), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(l.Dir(), path)
			switch top := firstDir(rel); top {
			case "shards":
				committed = append(committed, filepath.Base(path))
			case "tmp":
				if !strings.HasPrefix(filepath.Base(path), "free-") {
					temporary++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return committed, temporary
}

// globShards returns the paths of the committed shard files under a
// node's directory.
func globShards(dir string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(filepath.Join(dir, "shards"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, path)
		}
		return err
	})
	return paths, err
}

func firstDir(rel string) string {
	for {
		d := filepath.Dir(rel)
		if d == "." {
			return rel
		}
		rel = d
	}
}

// faultyNode is a storage.Node that a test can take down.
type faultyNode struct {
	storage.Node
	down atomic.Bool
	// failCreate, when set, fails CreateShard (the node is otherwise up).
	failCreate atomic.Bool
}

var errTestDown = fmt.Errorf("test node down: %w", storage.ErrUnavailable)

func (f *faultyNode) CreateShard(ctx context.Context, name string, r io.Reader) (int64, error) {
	if f.down.Load() || f.failCreate.Load() {
		return 0, errTestDown
	}
	return f.Node.CreateShard(ctx, name, r)
}

func (f *faultyNode) ReadShard(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	if f.down.Load() {
		return nil, errTestDown
	}
	return f.Node.ReadShard(ctx, name, offset, length)
}

func (f *faultyNode) Apply(ctx context.Context, b storage.Batch) ([]bool, error) {
	if f.down.Load() {
		return nil, errTestDown
	}
	return f.Node.Apply(ctx, b)
}

func (f *faultyNode) Get(ctx context.Context, key []byte) ([]byte, error) {
	if f.down.Load() {
		return nil, errTestDown
	}
	return f.Node.Get(ctx, key)
}

func (f *faultyNode) Scan(ctx context.Context, r storage.ScanRange) ([]storage.KV, error) {
	if f.down.Load() {
		return nil, errTestDown
	}
	return f.Node.Scan(ctx, r)
}

func (f *faultyNode) Info(ctx context.Context) (storage.NodeInfo, error) {
	if f.down.Load() {
		return storage.NodeInfo{}, errTestDown
	}
	return f.Node.Info(ctx)
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for k := range 8 {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// putOpts returns PutOptions for data whose Seal returns its MD5.
func putOpts(data []byte) PutOptions {
	return PutOptions{
		Size: int64(len(data)),
		Seal: func() (string, map[string]string, error) {
			sum := md5.Sum(data)
			return hex.EncodeToString(sum[:]), nil, nil
		},
	}
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// corruptFile flips a byte in the middle of path.
func corruptFile(t testing.TB, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b[:], at); err != nil {
		t.Fatal(err)
	}
}
