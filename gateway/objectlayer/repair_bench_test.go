package objectlayer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// swapNode is a storage.Node whose implementation a benchmark can replace
// (a node whose disk was swapped) behind the same internode server.
type swapNode struct{ p atomic.Pointer[storage.Local] }

func (s *swapNode) ID() string { return s.p.Load().ID() }
func (s *swapNode) CreateShard(ctx context.Context, name string, r io.Reader) (int64, error) {
	return s.p.Load().CreateShard(ctx, name, r)
}
func (s *swapNode) ReadShard(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	return s.p.Load().ReadShard(ctx, name, off, n)
}
func (s *swapNode) Apply(ctx context.Context, b storage.Batch) ([]bool, error) {
	return s.p.Load().Apply(ctx, b)
}
func (s *swapNode) Get(ctx context.Context, key []byte) ([]byte, error) {
	return s.p.Load().Get(ctx, key)
}
func (s *swapNode) Scan(ctx context.Context, r storage.ScanRange) ([]storage.KV, error) {
	return s.p.Load().Scan(ctx, r)
}
func (s *swapNode) Info(ctx context.Context) (storage.NodeInfo, error) {
	return s.p.Load().Info(ctx)
}
func (s *swapNode) StatShards(ctx context.Context, names []string) ([]storage.ShardInfo, error) {
	return s.p.Load().StatShards(ctx, names)
}
func (s *swapNode) ListShards(ctx context.Context, after string, limit int) ([]storage.ShardInfo, error) {
	return s.p.Load().ListShards(ctx, after, limit)
}

// BenchmarkHealWipedNode measures how fast a heal refills a node whose
// data folder was replaced by an empty one: three nodes behind the
// internode HTTP API on loopback (RS(2,1)), 512 MiB of objects of the
// given size, node 2 wiped, then one heal pass. rebuilt-MiB/s is the shard
// bytes written to the refilled node per second of the pass (half the
// object bytes with RS(2,1)); objects-MiB/s the object bytes whose
// redundancy was restored per second.
func BenchmarkHealWipedNode(b *testing.B) {
	for _, size := range []int{1 << 20, 8 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			log := slog.New(slog.DiscardHandler)
			secret := []byte("bench secret")
			var nodes []storage.Node
			var pnodes []placement.Node
			var swaps []*swapNode
			for i := range 3 {
				id := fmt.Sprintf("node%d", i)
				local, err := storage.OpenLocal(b.TempDir(), storage.LocalOptions{ID: id, Logger: log})
				if err != nil {
					b.Fatal(err)
				}
				sw := &swapNode{}
				sw.p.Store(local)
				swaps = append(swaps, sw)
				b.Cleanup(func() { sw.p.Load().Close() })
				srv := httptest.NewServer(storage.NewServer(sw, secret, log))
				b.Cleanup(srv.Close)
				nodes = append(nodes, storage.NewRemote(srv.URL, id, secret, storage.RemoteOptions{}))
				pnodes = append(pnodes, placement.Node{ID: id, Zone: fmt.Sprintf("z%d", i)})
			}
			topo, err := placement.New(pnodes)
			if err != nil {
				b.Fatal(err)
			}
			l, err := New(nodes, topo, Options{Logger: log, ProbeInterval: -1, RepairOptions: RepairOptions{ScanInterval: -1}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(l.Close)
			mustMakeBucket(b, l, "b")
			const total = 512 << 20
			data := randomBytes(3, size)
			for i := range total / size {
				if _, err := l.PutObject(context.Background(), "b", fmt.Sprintf("o%04d", i), bytes.NewReader(data), benchOpts(size)); err != nil {
					b.Fatal(err)
				}
			}
			var rebuilt int64
			var took time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				old := swaps[2].p.Load()
				dir := old.Dir()
				old.Close()
				if err := os.RemoveAll(dir); err != nil {
					b.Fatal(err)
				}
				fresh, err := storage.OpenLocal(dir, storage.LocalOptions{ID: old.ID(), Logger: log})
				if err != nil {
					b.Fatal(err)
				}
				swaps[2].p.Store(fresh)
				b.StartTimer()
				start := time.Now()
				ps := mustHeal(b, l)
				took += time.Since(start)
				rebuilt += ps.BytesRebuilt
			}
			b.ReportMetric(float64(rebuilt)/(1<<20)/took.Seconds(), "rebuilt-MiB/s")
			b.ReportMetric(float64(total)*float64(b.N)/(1<<20)/took.Seconds(), "objects-MiB/s")
		})
	}
}
