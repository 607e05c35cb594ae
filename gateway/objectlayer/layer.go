package objectlayer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// DefaultInlineLimit is the largest object stored inline in its metadata
// records.
const DefaultInlineLimit = 128 << 10

// DefaultStreamBlockSize is the erasure block size of objects longer than
// one block. A GET verifies a block's K shard blocks and then copies them
// to the socket; with 512 KiB blocks (256 KiB shard blocks with RS(2,1))
// that working set likely stays in a core's L2 beside the other streams', and
// GET 64 MiB ×4 against `zones3 server` ran 3-6% faster than with 1 MiB
// blocks in three alternated pairs (2,002-2,094 MiB/s against
// 1,942-2,011), PUT 64 MiB ×4 the same (543-565 against 500-595); 256 KiB
// blocks were slower again (1,950-1,988 against 2,132-2,141). An object
// that fits in one 1 MiB block keeps it: two 512 KiB blocks made GET
// 1 MiB ×8 4-7% slower.
const DefaultStreamBlockSize = 512 << 10

// bucketCacheTTL is how long a bucket seen to exist is trusted without
// asking the nodes again. A bucket deleted through another gateway may so
// take writes for this long.
const bucketCacheTTL = 2 * time.Second

// cleanupTimeout bounds the background removal of replaced shard files.
const cleanupTimeout = time.Minute

// Options configures a Layer.
type Options struct {
	Logger *slog.Logger // nil means slog.Default()
	// InlineLimit is the largest known size stored inline (default
	// DefaultInlineLimit); negative disables inline storage.
	InlineLimit int
	// BlockSize is the erasure block size of new objects that fit in one
	// block (default erasure.DefaultBlockSize).
	BlockSize int
	// StreamBlockSize is the erasure block size of longer objects, of
	// objects of unknown size and of multipart uploads (default
	// DefaultStreamBlockSize, at most BlockSize).
	StreamBlockSize int
	// Now is the wall clock of the hybrid logical clock (default time.Now).
	Now func() time.Time
	// ProbeInterval is how often nodes that are not up are probed (default
	// one second); negative disables probing.
	ProbeInterval time.Duration
	// Health is the node state machine, shared with whoever reports node
	// states (default: a new one with default thresholds).
	Health *placement.Health
	// RepairOptions configure the repair queue and the scanner.
	RepairOptions
}

// Layer is the object layer over a set of storage nodes. It implements API
// and is safe for concurrent use.
type Layer struct {
	nodes       []storage.Node
	topo        *placement.Topology
	log         *slog.Logger
	inlineLimit int
	layout      erasure.Layout // of new objects that fit in one block
	// streamLayout is the layout of longer new objects (see
	// DefaultStreamBlockSize).
	streamLayout erasure.Layout
	clock        hlcClock
	health       *nodeHealth
	nodeIndex    map[string]int // node ID -> index in nodes
	rep          *repairState

	encoders sync.Map // erasure.Layout -> *erasure.Encoder

	bucketMu    sync.Mutex
	bucketSeen  map[string]time.Time // bucket -> when this gateway last saw it exist
	bucketClock func() time.Time

	configs configCache // bucket configurations read recently

	recordBufs sync.Pool // *[]byte, inline object records
	bodyBufs   sync.Pool // *[]byte of inlineLimit bytes, small bodies

	reads readGuard // reads in progress, which removals of their files wait for

	bg     sync.WaitGroup // background cleanups and the prober
	stop   chan struct{}
	closed atomic.Bool
}

var _ API = (*Layer)(nil)

// New returns a Layer over nodes, where nodes[i] is topo.Nodes[i].
func New(nodes []storage.Node, topo *placement.Topology, opts Options) (*Layer, error) {
	if topo == nil {
		return nil, errors.New("objectlayer: no topology")
	}
	if len(nodes) != len(topo.Nodes) {
		return nil, fmt.Errorf("objectlayer: %d nodes for a topology of %d", len(nodes), len(topo.Nodes))
	}
	for i, n := range nodes {
		if n == nil {
			return nil, fmt.Errorf("objectlayer: node %d is nil", i)
		}
		if n.ID() != topo.Nodes[i].ID {
			return nil, fmt.Errorf("objectlayer: node %d is %q, topology says %q", i, n.ID(), topo.Nodes[i].ID)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.InlineLimit == 0 {
		opts.InlineLimit = DefaultInlineLimit
	}
	if opts.BlockSize <= 0 {
		opts.BlockSize = erasure.DefaultBlockSize
	}
	if opts.StreamBlockSize <= 0 {
		opts.StreamBlockSize = DefaultStreamBlockSize
	}
	opts.StreamBlockSize = min(opts.StreamBlockSize, opts.BlockSize)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ProbeInterval == 0 {
		opts.ProbeInterval = time.Second
	}
	l := &Layer{
		nodes:        nodes,
		topo:         topo,
		log:          opts.Logger,
		inlineLimit:  opts.InlineLimit,
		layout:       erasure.Layout{K: topo.K, M: topo.M, BlockSize: opts.BlockSize},
		streamLayout: erasure.Layout{K: topo.K, M: topo.M, BlockSize: opts.StreamBlockSize},
		clock:        hlcClock{now: opts.Now},
		bucketSeen:   make(map[string]time.Time),
		configs:      configCache{entries: make(map[string]configCacheEntry)},
		bucketClock:  time.Now,
		stop:         make(chan struct{}),
	}
	for _, layout := range []erasure.Layout{l.layout, l.streamLayout} {
		if _, err := l.encoder(layout); err != nil {
			return nil, fmt.Errorf("objectlayer: %w", err)
		}
	}
	if opts.Health == nil {
		opts.Health = placement.NewHealth(placement.HealthConfig{})
	}
	l.health = newNodeHealth(opts.Health, topo.Nodes)
	l.nodeIndex = make(map[string]int, len(nodes))
	for i, n := range nodes {
		l.nodeIndex[n.ID()] = i
	}
	if opts.ProbeInterval > 0 {
		l.bg.Go(func() { l.probe(opts.ProbeInterval) })
	}
	l.startRepair(opts.RepairOptions)
	return l, nil
}

// Close stops the node prober, the repair queue and the scanner, and waits
// for background cleanups. It does not close the nodes.
func (l *Layer) Close() {
	if l.closed.Swap(true) {
		return
	}
	l.stopRepair()
	close(l.stop)
	l.bg.Wait()
}

// encoder returns the (shared) encoder of layout.
func (l *Layer) encoder(layout erasure.Layout) (*erasure.Encoder, error) {
	if e, ok := l.encoders.Load(layout); ok {
		return e.(*erasure.Encoder), nil
	}
	e, err := erasure.NewEncoder(layout)
	if err != nil {
		return nil, err
	}
	actual, _ := l.encoders.LoadOrStore(layout, e)
	return actual.(*erasure.Encoder), nil
}

// background runs fn after the request that queued it returned, for work
// whose failure only leaves garbage behind. Close waits for it.
func (l *Layer) background(fn func(ctx context.Context)) {
	l.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		fn(ctx)
	})
}

// hlcClock is a hybrid logical clock: nanoseconds of wall time, but always
// past every value it handed out or observed, so that a write through a
// gateway whose clock lags still orders after what that gateway read.
type hlcClock struct {
	last atomic.Uint64
	now  func() time.Time
}

// next returns a new timestamp, greater than every earlier one. It is
// always even: the odd value just past a version's HLC is left for a
// write that must lose to every later write of the key (see
// expiryTombstoneHLC).
func (c *hlcClock) next() uint64 {
	wall := uint64(c.now().UnixNano())
	for {
		last := c.last.Load()
		n := max(wall, last+1)
		n += n & 1
		if c.last.CompareAndSwap(last, n) {
			return n
		}
	}
}

// observe moves the clock past h, a timestamp read from a record.
func (c *hlcClock) observe(h uint64) {
	for {
		last := c.last.Load()
		if h <= last || c.last.CompareAndSwap(last, h) {
			return
		}
	}
}

// newDataID returns a random 128-bit hex identifier for shard files and
// versions.
func newDataID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// forEach runs fn(j) for every j in [0, n) concurrently and waits for all;
// the last runs in the calling goroutine, the others on idle workers.
func forEach(n int, fn func(j int)) {
	if n <= 0 {
		return
	}
	var wg sync.WaitGroup
	for j := range n - 1 {
		wg.Add(1)
		workers.run(func() {
			defer wg.Done()
			fn(j)
		})
	}
	fn(n - 1)
	wg.Wait()
}

// workerPool runs short tasks on long-lived goroutines. A node call goes
// deep into Pebble or net/http; a fresh goroutine per call would grow its
// stack by copying every time.
type workerPool struct {
	tasks chan func()
	idle  atomic.Int32
}

// maxIdleWorkers bounds the goroutines kept waiting for tasks.
const maxIdleWorkers = 64

var workers = &workerPool{tasks: make(chan func())}

// run runs f on an idle worker, or on a new goroutine that then stays on
// as a worker while fewer than maxIdleWorkers are idle.
func (p *workerPool) run(f func()) {
	select {
	case p.tasks <- f:
	default:
		go p.work(f)
	}
}

func (p *workerPool) work(f func()) {
	for {
		f()
		if p.idle.Add(1) > maxIdleWorkers {
			p.idle.Add(-1)
			return
		}
		f = <-p.tasks
		p.idle.Add(-1)
	}
}

// errNodeDown is returned for calls not made because the node is down.
var errNodeDown = fmt.Errorf("node marked down: %w", storage.ErrUnavailable)

// get reads key from node i, tracking the node's health. A node marked
// down is not asked.
func (l *Layer) get(ctx context.Context, i int, key []byte) ([]byte, error) {
	if !l.health.usable(i) {
		return nil, errNodeDown
	}
	v, err := l.nodes[i].Get(ctx, key)
	l.health.observe(ctx, i, err)
	return v, err
}

// apply applies b on node i, tracking the node's health.
func (l *Layer) apply(ctx context.Context, i int, b storage.Batch) ([]bool, error) {
	if !l.health.usable(i) {
		return nil, errNodeDown
	}
	applied, err := l.nodes[i].Apply(ctx, b)
	l.health.observe(ctx, i, err)
	return applied, err
}

// scan scans node i, tracking the node's health.
func (l *Layer) scan(ctx context.Context, i int, r storage.ScanRange) ([]storage.KV, error) {
	if !l.health.usable(i) {
		return nil, errNodeDown
	}
	kvs, err := l.nodes[i].Scan(ctx, r)
	l.health.observe(ctx, i, err)
	return kvs, err
}

// removeShards removes, in the background, the shard files names[j] on node
// nodes[j] (entries with no names are skipped), once the reads of them in
// progress here have ended (readGuard).
func (l *Layer) removeShards(nodes []int, names [][]string) {
	total := 0
	for _, n := range names {
		total += len(n)
	}
	if total == 0 {
		return
	}
	l.background(func(ctx context.Context) {
		for _, n := range names {
			for _, name := range n {
				if err := l.reads.wait(ctx, l.stop, dataIDOf(name)); err != nil {
					// Left to the scanner's garbage collection.
					l.log.Info("replaced shard files still being read", "shard", name, "err", err)
					return
				}
			}
		}
		forEach(len(nodes), func(j int) {
			if len(names[j]) == 0 {
				return
			}
			ops := make([]storage.Op, len(names[j]))
			for k, name := range names[j] {
				ops[k] = storage.Op{Kind: storage.OpRemoveShard, Name: name}
			}
			if _, err := l.apply(ctx, nodes[j], storage.Batch{Ops: ops}); err != nil {
				l.log.Warn("removing replaced shard files", "node", l.nodes[nodes[j]].ID(), "shards", names[j], "err", err)
			}
		})
	})
}

// quorumError reports that fewer than need of the nodes took part.
func quorumError(op string, got, need int, errs []error) error {
	if e := errors.Join(errs...); e != nil {
		return fmt.Errorf("%s: %d nodes answered, %d needed: %w: %v", op, got, need, ErrQuorum, e)
	}
	return fmt.Errorf("%s: %d nodes answered, %d needed: %w", op, got, need, ErrQuorum)
}
