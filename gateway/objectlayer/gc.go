package objectlayer

import (
	"bytes"
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/zones3/zones3/storage"
)

// shardRefs is, per node, the set of shard file names its records refer
// to, as a Bloom filter (a false positive only keeps a file), or nil when
// the node's records could not all be read this pass.
type shardRefs struct {
	mu      sync.Mutex
	filters []*bloom
}

func (r *shardRefs) add(i int, names []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.filters[i]; f != nil {
		for _, n := range names {
			f.add(n)
		}
	}
}

func (r *shardRefs) drop(i int) {
	r.mu.Lock()
	r.filters[i] = nil
	r.mu.Unlock()
}

func (r *shardRefs) get(i int) *bloom {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.filters[i]
}

// shardReferences starts the reference sets with the part records of the
// multipart uploads in progress. They are read before the object records
// because CompleteMultipartUpload moves a part's reference from its part
// record to the object record: read in this order, a reference that moves
// during the pass is seen in one place or the other. (A new record space
// whose writes move references must likewise come after the space they
// move them from.)
func (l *Layer) shardReferences(ctx context.Context) *shardRefs {
	refs := &shardRefs{filters: make([]*bloom, len(l.nodes))}
	forEach(len(l.nodes), func(i int) {
		if !l.health.usable(i) {
			return
		}
		info, err := l.nodes[i].Info(ctx)
		l.health.observe(ctx, i, err)
		if err != nil {
			return
		}
		f := newBloom(int(info.ShardFiles) + int(info.ShardFiles)/4 + 1024)
		start := []byte(prefixPart)
		end := prefixEnd(start)
		for {
			kvs, err := l.scan(ctx, i, storage.ScanRange{Start: start, End: end, Limit: 1000})
			if err != nil {
				return
			}
			for _, kv := range kvs {
				if r, err := decodePartRecord(kv.Value); err == nil {
					f.add(shardName(r.dataID, r.shard))
				}
			}
			if len(kvs) < 1000 {
				break
			}
			start = append(bytes.Clone(kvs[len(kvs)-1].Key), 0)
		}
		refs.filters[i] = f
	})
	return refs
}

// collectOrphans removes, on every node whose records were all read this
// pass, the committed shard files that no record refers to and that were
// written before cutoff.
func (l *Layer) collectOrphans(ctx context.Context, p *passRun, refs *shardRefs, cutoff time.Time) {
	forEach(len(l.nodes), func(i int) {
		f := refs.get(i)
		if f == nil {
			return
		}
		after := ""
		for ctx.Err() == nil {
			if !l.health.usable(i) {
				return
			}
			infos, err := l.nodes[i].ListShards(ctx, after, 1000)
			l.health.observe(ctx, i, err)
			if err != nil {
				return
			}
			var ops []storage.Op
			for _, s := range infos {
				if s.Size >= 0 && !s.ModTime.IsZero() && s.ModTime.Before(cutoff) && !f.has(s.Name) {
					ops = append(ops, storage.Op{Kind: storage.OpRemoveShard, Name: s.Name})
				}
			}
			if len(ops) > 0 {
				if _, err := l.apply(ctx, i, storage.Batch{Ops: ops}); err != nil {
					l.log.Debug("removing unreferenced shard files", "node", l.nodes[i].ID(), "err", err)
					return
				}
				l.log.Info("removed unreferenced shard files", "node", l.nodes[i].ID(), "count", len(ops))
				p.update(func(st *PassStatus) { st.OrphansRemoved += int64(len(ops)) })
				l.rep.stats.orphansRemoved.Add(int64(len(ops)))
			}
			if len(infos) < 1000 {
				return
			}
			after = infos[len(infos)-1].Name
		}
	})
}

// bloom is a Bloom filter of strings with about 1% false positives at
// its sized capacity.
type bloom struct {
	bits []uint64
	k    int
	seed maphash.Seed
}

func newBloom(n int) *bloom {
	m := max(uint64(float64(n)*10), 1<<12) // 10 bits per entry: ~1% with 7 hashes
	return &bloom{bits: make([]uint64, (m+63)/64), k: 7, seed: maphash.MakeSeed()}
}

func (b *bloom) hashes(s string) (uint64, uint64) {
	h := maphash.String(b.seed, s)
	return h, h>>33 | h<<31 | 1
}

func (b *bloom) add(s string) {
	h1, h2 := b.hashes(s)
	m := uint64(len(b.bits) * 64)
	for i := range uint64(b.k) {
		bit := (h1 + i*h2) % m
		b.bits[bit/64] |= 1 << (bit % 64)
	}
}

func (b *bloom) has(s string) bool {
	h1, h2 := b.hashes(s)
	m := uint64(len(b.bits) * 64)
	for i := range uint64(b.k) {
		bit := (h1 + i*h2) % m
		if b.bits[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}
