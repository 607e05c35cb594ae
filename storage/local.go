package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"golang.org/x/sys/unix"
)

// The on-disk layout of a node's data directory.
const (
	pebbleDirName = "pebble" // the Pebble database
	shardsDirName = "shards" // committed shard files, in 256 fan-out subdirectories
	tmpDirName    = "tmp"    // replacement shard files, emptied at every start

	// partialPrefix names the replacement files CreateShard is still
	// writing in tmp/. Shard names may not start with '.', so they never
	// collide with a shard.
	partialPrefix = ".part-"

	// MaxShardNameLen is the longest shard name a node accepts.
	MaxShardNameLen = 200
)

// Defaults for LocalOptions. Three nodes share one process in
// `zones3 server`, whose resident size should stay under 300 MiB, so the
// per-node Pebble memory is kept small: block cache plus at most two
// memtables (a full one being flushed and the active one).
const (
	DefaultCacheBytes    = 32 << 20
	DefaultMemTableBytes = 16 << 20
)

// Reserved keys (all start with ReservedKeyPrefix).
var (
	// shardRefPrefix + name is the reference record of a committed shard
	// file; its value is the file size (8 bytes, big-endian). A file in
	// shards/ without its record is garbage from an interrupted commit.
	shardRefPrefix = []byte("\xff\xffshard/")
	// probeKey is rewritten by readiness probes to check Pebble is writable.
	probeKey = []byte("\xff\xffprobe")
)

// copyBufferSize is the buffer CreateShard streams a shard through: with
// O_DIRECT, 1 MiB writes gave PUT 64 MiB ×4 473-551 MiB/s against 414-477
// with 256 KiB ones in alternated runs (the disk waits less between
// writes).
const copyBufferSize = 1 << 20

// serveBufferSize is the buffer the internode server streams a shard
// through when it cannot hand the file to sendfile(2).
const serveBufferSize = 256 << 10

// numKeyLocks is the number of striped locks serializing the
// read-check-write of conditional ops on one key.
const numKeyLocks = 1024

// LocalOptions configures OpenLocal.
type LocalOptions struct {
	ID     string
	Zone   string
	Logger *slog.Logger // nil means slog.Default()

	// Cache, if set, is a block cache shared with other nodes of the
	// process (`zones3 server` runs three); CacheBytes is then ignored.
	Cache *BlockCache
	// CacheBytes is the size of the node's own Pebble block cache (default
	// DefaultCacheBytes).
	CacheBytes int64
	// MemTableBytes is the Pebble memtable size (default DefaultMemTableBytes).
	MemTableBytes int64
}

// Local is a storage node on the local disk: a Pebble database for records
// and a directory of write-once shard files. It implements Node.
type Local struct {
	id, zone  string
	dir       string
	tmpDir    string
	shardsDir string
	log       *slog.Logger
	db        *pebble.DB

	// fanoutDirs are the 256 open shard subdirectories, kept open so that
	// creating a shard can fsync its directory without reopening it.
	fanoutDirs [256]*os.File

	// keyLocks are striped locks, taken by the hash of a conditional op's
	// key or of a shard name. A name's lock orders what CreateShard,
	// OpCommitShard, OpAbortShard and OpRemoveShard decide about its file.
	lockSeed maphash.Seed
	keyLocks [numKeyLocks]sync.Mutex

	// shardMu guards the two sets below; a name's entry changes only
	// under its striped lock too. Both live in memory only: after a
	// restart the files they describe are gone (unreferenced, or in tmp/).
	shardMu sync.Mutex
	// writing holds the names whose file in shards/ CreateShard is still
	// writing, each with its writer's token. Such a file cannot be
	// committed.
	writing  map[string]uint64
	writeSeq uint64
	// replacing holds the names of committed shards created again: the
	// new file waits complete in tmp/<name> until a commit renames it over
	// the old one.
	replacing map[string]bool
	// readers counts the open ReadShard streams of each name, which keep
	// the name's file from being recycled (recycle.go).
	readers map[string]int

	// recycled pools unreferenced shard files for CreateShard to write
	// over; trimStop ends the loop that empties it when idle.
	recycled recycler
	trimStop chan struct{}
	trimDone chan struct{}

	shardBytes atomic.Int64 // sizes of committed shard files
	shardFiles atomic.Int64 // number of committed shard files

	bufPool sync.Pool // *[]byte of copyBufferSize, aligned for O_DIRECT
	// mayDirect says large shard files are written with O_DIRECT
	// (direct.go); false once the filesystem refused it.
	mayDirect atomic.Bool

	// mu guards closed; every call that touches Pebble holds it for reading
	// so that Close waits for them.
	mu     sync.RWMutex
	closed bool
}

var _ Node = (*Local)(nil)

// OpenLocal opens (creating if needed) the node stored in dir. Before it
// returns it removes every temporary shard file and every shard file that
// no committed record references, so that after a crash at any moment only
// acknowledged writes remain.
func OpenLocal(dir string, opts LocalOptions) (*Local, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("node", opts.ID)
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	if opts.MemTableBytes <= 0 {
		opts.MemTableBytes = DefaultMemTableBytes
	}
	l := &Local{
		id:        opts.ID,
		zone:      opts.Zone,
		dir:       dir,
		tmpDir:    filepath.Join(dir, tmpDirName),
		shardsDir: filepath.Join(dir, shardsDirName),
		log:       log,
		lockSeed:  maphash.MakeSeed(),
		writing:   make(map[string]uint64),
		replacing: make(map[string]bool),
		readers:   make(map[string]int),
		trimStop:  make(chan struct{}),
		trimDone:  make(chan struct{}),
	}
	l.recycled = recycler{dir: l.tmpDir, log: log}
	l.bufPool.New = func() any {
		b := alignedBuffer(copyBufferSize)
		return &b
	}
	l.mayDirect.Store(true)
	if err := l.makeDirs(); err != nil {
		return nil, err
	}
	if err := l.clearTmp(); err != nil {
		return nil, err
	}

	db, err := pebble.Open(filepath.Join(dir, pebbleDirName), pebbleOptions(opts, log))
	if err != nil {
		return nil, fmt.Errorf("storage: open pebble in %s: %w", dir, err)
	}
	l.db = db

	if err := l.openFanoutDirs(); err != nil {
		l.closeFiles()
		_ = db.Close()
		return nil, err
	}
	if err := l.removeUnreferencedShards(); err != nil {
		l.closeFiles()
		_ = db.Close()
		return nil, err
	}
	go l.trimLoop()
	log.Info("storage node open", "dir", dir, "zone", opts.Zone,
		"shardFiles", l.shardFiles.Load(), "shardBytes", l.shardBytes.Load())
	return l, nil
}

// walMinSyncInterval is how long a WAL sync waits for more commits to join.
var walMinSyncInterval = 500 * time.Microsecond

// pebbleOptions tunes Pebble for many concurrent writers of small synced
// batches. Group commit needs no option: concurrent Commit(pebble.Sync)
// calls share WAL syncs in Pebble's commit pipeline.
func pebbleOptions(opts LocalOptions, log *slog.Logger) *pebble.Options {
	var cache *pebble.Cache
	if opts.Cache != nil {
		cache = opts.Cache.c
	}
	o := &pebble.Options{
		Cache:              cache,
		CacheSize:          opts.CacheBytes,
		MemTableSize:       uint64(opts.MemTableBytes),
		FormatMajorVersion: pebble.FormatNewest,
		// Bounded memory: writes stall rather than queue a third memtable.
		MemTableStopWritesThreshold: 2,
		// Three nodes share a process; keep the table cache modest.
		MaxOpenFiles: 500,
		// A short pause between WAL syncs lets more concurrent commits
		// share one fsync. The nodes of one machine share its disk, whose
		// fsyncs are the limit of small PUTs, not the CPU.
		WALMinSyncInterval: func() time.Duration { return walMinSyncInterval },
		Logger:             pebbleLogger{log.With("component", "pebble")},
		FS:                 syncTimedFS{vfs.Default},
	}
	// Bloom filters on every level (10 bits a key, about 1% false
	// positives): a point read (every quorum read, the conditional ops
	// of small batches) skips the tables that do not hold its key
	// instead of reading an index and a data block of each table whose
	// key range spans it. Measured on the one workload tried, a lifecycle
	// pass over 1,000,000 objects still reading each key by a point read:
	// 67% of a core without them, 61% with them (see storage/doc.go for
	// what took it to 18%).
	o.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	return o
}

// BlockCache is a Pebble block cache that several Locals of one process
// share, so that their cache memory is bounded once, not once per node.
type BlockCache struct{ c *pebble.Cache }

// NewBlockCache returns a cache of at most bytes. Memory is allocated as
// blocks are cached, not up front.
func NewBlockCache(bytes int64) *BlockCache { return &BlockCache{c: pebble.NewCache(bytes)} }

// Release drops the creator's hold on the cache; each open node holds its
// own until closed. Call it once no more nodes will be opened with it.
func (c *BlockCache) Release() { c.c.Unref() }

// pebbleLogger routes Pebble's log lines to slog.
type pebbleLogger struct{ log *slog.Logger }

// Infof logs at debug level: Pebble's informational lines (WAL recovery,
// compactions) are for debugging a node, not for an operator's log.
func (p pebbleLogger) Infof(format string, args ...any) {
	if p.log.Enabled(context.Background(), slog.LevelDebug) {
		p.log.Debug(fmt.Sprintf(format, args...))
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.log.Error(fmt.Sprintf(format, args...))
}

// Fatalf is called by Pebble on an unrecoverable invariant violation; the
// node cannot continue, and a panic keeps the stack for the operator.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.log.Error(msg, "fatal", true)
	panic("pebble: " + msg)
}

func (l *Local) makeDirs() error {
	for _, d := range []string{l.dir, l.tmpDir, l.shardsDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("storage: create %s: %w", d, err)
		}
	}
	for i := range 256 {
		d := filepath.Join(l.shardsDir, fanoutName(i))
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("storage: create %s: %w", d, err)
		}
	}
	// Make the directory entries themselves durable (cheap when unchanged).
	for _, d := range []string{l.shardsDir, l.dir} {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// clearTmp removes every temporary shard file: none was committed.
func (l *Local) clearTmp() error {
	entries, err := os.ReadDir(l.tmpDir)
	if err != nil {
		return fmt.Errorf("storage: read %s: %w", l.tmpDir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(l.tmpDir, e.Name())); err != nil {
			return fmt.Errorf("storage: clear temporary shards: %w", err)
		}
	}
	if len(entries) > 0 {
		l.log.Info("removed temporary shard files", "count", len(entries))
	}
	return nil
}

func (l *Local) openFanoutDirs() error {
	for i := range l.fanoutDirs {
		f, err := os.Open(filepath.Join(l.shardsDir, fanoutName(i)))
		if err != nil {
			return fmt.Errorf("storage: open shard directory: %w", err)
		}
		l.fanoutDirs[i] = f
	}
	return nil
}

// removeUnreferencedShards deletes the shard files without a reference
// record (being written, or awaiting a commit that never became durable)
// and counts the rest. It looks each file up rather than loading every
// reference, so its memory does not grow with the number of shards.
func (l *Local) removeUnreferencedShards() error {
	var files, size, removed int64
	for _, d := range l.fanoutDirs {
		entries, err := d.ReadDir(-1)
		if err != nil {
			return fmt.Errorf("storage: read %s: %w", d.Name(), err)
		}
		for _, e := range entries {
			path := filepath.Join(d.Name(), e.Name())
			if !e.Type().IsRegular() {
				l.log.Warn("unexpected entry in shard directory", "path", path)
				continue
			}
			ok, err := l.hasRef(e.Name())
			if err != nil {
				return err
			}
			if !ok {
				if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("storage: remove unreferenced shard: %w", err)
				}
				removed++
				continue
			}
			info, err := e.Info()
			if err != nil {
				return fmt.Errorf("storage: stat shard: %w", err)
			}
			files++
			size += info.Size()
		}
	}
	l.shardFiles.Store(files)
	l.shardBytes.Store(size)
	if removed > 0 {
		l.log.Info("removed unreferenced shard files", "count", removed)
	}
	return nil
}

func (l *Local) hasRef(name string) (bool, error) {
	_, ok, err := l.refSize(name)
	return ok, err
}

// refSize returns the file size a shard's committed reference records.
func (l *Local) refSize(name string) (size int64, ok bool, err error) {
	v, closer, err := l.db.Get(shardRefKey(name))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("storage: read shard reference %q: %w", name, err)
	}
	if len(v) == 8 {
		size = int64(binary.BigEndian.Uint64(v))
	}
	_ = closer.Close()
	return size, true, nil
}

// nameLock returns the striped lock of a shard name.
func (l *Local) nameLock(name string) *sync.Mutex {
	return &l.keyLocks[maphash.String(l.lockSeed, name)%numKeyLocks]
}

// lockRef takes name's lock and reports whether a committed reference
// names the shard. The caller runs unlock whatever the error.
func (l *Local) lockRef(name string) (unlock func(), referenced bool, err error) {
	mu := l.nameLock(name)
	mu.Lock()
	referenced, err = l.hasRef(name)
	return mu.Unlock, referenced, err
}

// Close closes the database. It waits for calls in progress; later calls
// fail with ErrUnavailable.
func (l *Local) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	close(l.trimStop)
	<-l.trimDone
	l.closeFiles()
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("storage: close pebble: %w", err)
	}
	return nil
}

func (l *Local) closeFiles() {
	for i, f := range l.fanoutDirs {
		if f != nil {
			_ = f.Close()
			l.fanoutDirs[i] = nil
		}
	}
}

// trimLoop unlinks the shard files that waited in the recycling pool
// longer than recycleIdle, until Close.
func (l *Local) trimLoop() {
	defer close(l.trimDone)
	t := time.NewTicker(recycleIdle / 3)
	defer t.Stop()
	for {
		select {
		case <-l.trimStop:
			return
		case now := <-t.C:
			if n := l.recycled.trim(now); n > 0 {
				l.log.Debug("unlinked idle recycled shard files", "count", n)
			}
		}
	}
}

// errClosed is returned by calls on a closed Local.
var errClosed = fmt.Errorf("storage: node closed: %w", ErrUnavailable)

// enter takes the read side of mu, failing if the node is closed. The
// caller must call l.mu.RUnlock when done.
func (l *Local) enter() error {
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return errClosed
	}
	return nil
}

// ID implements Node.
func (l *Local) ID() string { return l.id }

// Dir returns the node's data directory.
func (l *Local) Dir() string { return l.dir }

// Get implements Node.
func (l *Local) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := validKey(key); err != nil {
		return nil, fmt.Errorf("storage: get: %w", err)
	}
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.mu.RUnlock()
	v, closer, err := l.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("storage: get %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: get %q: %w", key, err)
	}
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	_ = closer.Close()
	return out, nil
}

// userKeysEnd bounds every scan below the reserved range.
var userKeysEnd = []byte{ReservedKeyPrefix}

// Scan implements Node.
func (l *Local) Scan(ctx context.Context, r ScanRange) ([]KV, error) {
	upper := userKeysEnd
	if len(r.End) > 0 && bytes.Compare(r.End, upper) < 0 {
		upper = r.End
	}
	if bytes.Compare(r.Start, upper) >= 0 {
		return nil, nil
	}
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.mu.RUnlock()
	it, err := l.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: r.Start, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("storage: scan: %w", err)
	}
	var out []KV
	for valid := it.First(); valid; valid = it.Next() {
		if r.Limit > 0 && len(out) >= r.Limit {
			break
		}
		if len(out)%256 == 255 {
			if err := ctx.Err(); err != nil {
				_ = it.Close()
				return nil, fmt.Errorf("storage: scan: %w", err)
			}
		}
		kv := KV{Key: bytes.Clone(it.Key())}
		if !r.KeysOnly {
			v, err := it.ValueAndErr()
			if err != nil {
				_ = it.Close()
				return nil, fmt.Errorf("storage: scan: %w", err)
			}
			kv.Value = append([]byte{}, v...)
		}
		out = append(out, kv)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("storage: scan: %w", err)
	}
	return out, nil
}

// Info implements Node.
func (l *Local) Info(ctx context.Context) (NodeInfo, error) {
	if err := l.enter(); err != nil {
		return NodeInfo{}, err
	}
	defer l.mu.RUnlock()
	info := NodeInfo{
		ID:         l.id,
		Zone:       l.zone,
		UsedBytes:  l.shardBytes.Load() + int64(l.db.Metrics().DiskSpaceUsage()),
		ShardFiles: l.shardFiles.Load(),
	}
	var st unix.Statfs_t
	if err := unix.Statfs(l.dir, &st); err != nil {
		return NodeInfo{}, fmt.Errorf("storage: statfs %s: %w", l.dir, err)
	}
	info.FreeBytes = int64(st.Bavail) * int64(st.Bsize)
	return info, nil
}

// Ready reports whether the node can take writes: Pebble is open and a
// synced write of a probe record succeeds.
func (l *Local) Ready(ctx context.Context) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.mu.RUnlock()
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(time.Now().UnixNano()))
	if err := l.db.Set(probeKey, v[:], pebble.Sync); err != nil {
		return fmt.Errorf("storage: probe write: %w", err)
	}
	return nil
}

// validKey accepts the keys of the gateway's schema: non-empty and outside
// the reserved range.
func validKey(key []byte) error {
	if len(key) == 0 {
		return fmt.Errorf("empty key: %w", ErrInvalidKey)
	}
	if key[0] == ReservedKeyPrefix {
		return fmt.Errorf("key %q in reserved range: %w", key, ErrInvalidKey)
	}
	return nil
}

// ValidShardName reports whether name can name a shard file: non-empty, at
// most MaxShardNameLen bytes, without '/', NUL or "..", and not starting
// with '.'. Invalid names wrap ErrInvalidName.
func ValidShardName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty shard name: %w", ErrInvalidName)
	case len(name) > MaxShardNameLen:
		return fmt.Errorf("shard name of %d bytes: %w", len(name), ErrInvalidName)
	case strings.ContainsAny(name, "/\x00"), strings.Contains(name, ".."), name[0] == '.':
		return fmt.Errorf("shard name %q: %w", name, ErrInvalidName)
	}
	return nil
}

func shardRefKey(name string) []byte {
	k := make([]byte, 0, len(shardRefPrefix)+len(name))
	return append(append(k, shardRefPrefix...), name...)
}

// fanout spreads shard files over 256 subdirectories (FNV-1a of the name)
// so that no directory grows huge.
func fanout(name string) int {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return int(h & 0xff)
}

func fanoutName(i int) string { return fmt.Sprintf("%02x", i) }

func (l *Local) shardPath(name string) string {
	return filepath.Join(l.shardsDir, fanoutName(fanout(name)), name)
}

func (l *Local) tmpPath(name string) string { return filepath.Join(l.tmpDir, name) }

func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("storage: open directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("storage: sync directory %s: %w", path, err)
	}
	return nil
}
