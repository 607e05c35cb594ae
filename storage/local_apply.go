package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// String returns the op kind's name.
func (k OpKind) String() string {
	switch k {
	case OpPut:
		return "put"
	case OpPutIfNewer:
		return "put-if-newer"
	case OpDelete:
		return "delete"
	case OpDeleteIfNotNewer:
		return "delete-if-not-newer"
	case OpCommitShard:
		return "commit-shard"
	case OpAbortShard:
		return "abort-shard"
	case OpRemoveShard:
		return "remove-shard"
	}
	return fmt.Sprintf("op-kind(%d)", uint8(k))
}

// errInvalidOp marks a malformed op or argument (a caller's bug).
var errInvalidOp = errors.New("invalid operation")

func (k OpKind) conditional() bool { return k == OpPutIfNewer || k == OpDeleteIfNotNewer }

// checkBatch validates every op and resolves ties: ties[i] is the index of
// the conditional op an OpCommitShard at i depends on, or -1.
func checkBatch(b Batch) (ties []int, hasCond bool, err error) {
	ties = make([]int, len(b.Ops))
	var commits map[string]bool
	for i, op := range b.Ops {
		ties[i] = -1
		var err error
		switch op.Kind {
		case OpPut, OpDelete, OpDeleteIfNotNewer:
			err = validKey(op.Key)
		case OpPutIfNewer:
			err = validKey(op.Key)
			if err == nil && (len(op.Value) < 8 || binary.BigEndian.Uint64(op.Value) != op.HLC) {
				err = fmt.Errorf("%w: value does not start with its HLC %d", errInvalidOp, op.HLC)
			}
		case OpCommitShard:
			err = ValidShardName(op.Name)
			if err == nil && commits[op.Name] {
				err = fmt.Errorf("%w: shard %q committed twice", errInvalidOp, op.Name)
			}
			if commits == nil {
				commits = make(map[string]bool)
			}
			commits[op.Name] = true
			if err == nil && op.Key != nil {
				if err = validKey(op.Key); err == nil {
					ties[i] = tiedOp(b.Ops, i)
					if ties[i] < 0 {
						err = fmt.Errorf("%w: no conditional op on key %q to tie shard %q to", errInvalidOp, op.Key, op.Name)
					}
				}
			}
		case OpAbortShard, OpRemoveShard:
			err = ValidShardName(op.Name)
		default:
			err = fmt.Errorf("%w: unknown op kind", errInvalidOp)
		}
		if err != nil {
			return nil, false, fmt.Errorf("op %d (%s): %w", i, op.Kind, err)
		}
		hasCond = hasCond || op.Kind.conditional()
	}
	return ties, hasCond, nil
}

// tiedOp finds the conditional op on ops[i].Key: the nearest before i,
// else the first after it, else -1.
func tiedOp(ops []Op, i int) int {
	for j := i - 1; j >= 0; j-- {
		if ops[j].Kind.conditional() && bytes.Equal(ops[j].Key, ops[i].Key) {
			return j
		}
	}
	for j := i + 1; j < len(ops); j++ {
		if ops[j].Kind.conditional() && bytes.Equal(ops[j].Key, ops[i].Key) {
			return j
		}
	}
	return -1
}

// lockStripes takes the striped locks of every conditional op's key and
// every shard op's name, in stripe order so that batches never deadlock,
// and returns the unlock.
func (l *Local) lockStripes(ops []Op) func() {
	var stripes []int
	for _, op := range ops {
		switch {
		case op.Kind.conditional():
			stripes = append(stripes, int(maphash.Bytes(l.lockSeed, op.Key)%numKeyLocks))
		case op.Kind == OpCommitShard || op.Kind == OpAbortShard || op.Kind == OpRemoveShard:
			stripes = append(stripes, int(maphash.String(l.lockSeed, op.Name)%numKeyLocks))
		}
	}
	slices.Sort(stripes)
	stripes = slices.Compact(stripes)
	for _, s := range stripes {
		l.keyLocks[s].Lock()
	}
	return func() {
		for _, s := range stripes {
			l.keyLocks[s].Unlock()
		}
	}
}

// hlcOf is the HLC at the start of a stored value; a value shorter than
// 8 bytes has HLC 0.
func hlcOf(v []byte) uint64 {
	if len(v) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// storedValue is what a conditional op finds under its key.
type storedValue struct {
	hlc   uint64
	found bool
}

// iterReadMin is the number of conditional ops from which a batch reads
// their keys with one iterator in key order rather than a point read
// each: consecutive seeks reuse the blocks and index positions the last
// one loaded, where each point read starts from the top of every level.
const iterReadMin = 16

// readStored reads what the DB holds under the keys of the conditional
// ops, before the batch. The caller holds the keys' stripe locks, so no
// other batch changes them until this one commits.
func (l *Local) readStored(ops []Op) (map[string]storedValue, error) {
	var keys [][]byte
	for _, op := range ops {
		if op.Kind.conditional() {
			keys = append(keys, op.Key)
		}
	}
	stored := make(map[string]storedValue, len(keys))
	if len(keys) < iterReadMin {
		for _, k := range keys {
			v, closer, err := l.db.Get(k)
			if errors.Is(err, pebble.ErrNotFound) {
				stored[string(k)] = storedValue{}
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read %q: %w", k, err)
			}
			stored[string(k)] = storedValue{hlc: hlcOf(v), found: true}
			_ = closer.Close()
		}
		return stored, nil
	}
	slices.SortFunc(keys, bytes.Compare)
	it, err := l.db.NewIter(nil)
	if err != nil {
		return nil, fmt.Errorf("read conditional keys: %w", err)
	}
	for _, k := range keys {
		if _, ok := stored[string(k)]; ok {
			continue
		}
		var sv storedValue
		if it.SeekGE(k) && bytes.Equal(it.Key(), k) {
			v, err := it.ValueAndErr()
			if err != nil {
				it.Close()
				return nil, fmt.Errorf("read %q: %w", k, err)
			}
			sv = storedValue{hlc: hlcOf(v), found: true}
		}
		stored[string(k)] = sv
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("read conditional keys: %w", err)
	}
	return stored, nil
}

// shardChange is what a batch does to one shard's file and counters.
type shardChange struct {
	name    string
	size    int64 // size of the committed file
	oldSize int64 // size its reference recorded before, or -1
	replace bool  // rename tmp/<name> over the committed file first
}

// Apply implements Node.
//
// Order of work, which is what makes a SIGKILL at any instant safe:
// conditional ops are decided and shard names locked under striped locks;
// a committed shard's file is already complete, fsynced and in shards/
// (CreateShard did that), so committing it is only its reference record,
// in the Pebble batch that is committed with Sync. A crash before the
// commit leaves a file without a record, which OpenLocal removes.
// Removed and aborted files are unlinked after the commit, still under
// their names' locks, and only if no record references them then.
func (l *Local) Apply(ctx context.Context, b Batch) ([]bool, error) {
	ties, hasCond, err := checkBatch(b)
	if err != nil {
		return nil, fmt.Errorf("storage: apply: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("storage: apply: %w", err)
	}
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.mu.RUnlock()

	unlock := l.lockStripes(b.Ops)
	defer unlock()
	var stored map[string]storedValue
	if hasCond {
		if stored, err = l.readStored(b.Ops); err != nil {
			return nil, fmt.Errorf("storage: apply: %w", err)
		}
	}
	pb := l.db.NewBatch()
	defer pb.Close()

	applied := make([]bool, len(b.Ops))
	applyRecords(pb, b.Ops, stored, applied)

	var (
		commits []shardChange
		aborts  []string // shards whose uncommitted files go
		removes []shardChange
	)
	for i, op := range b.Ops {
		switch op.Kind {
		case OpCommitShard:
			if ties[i] >= 0 && !applied[ties[i]] {
				aborts = append(aborts, op.Name)
				continue
			}
			c, retried, err := l.planCommit(op.Name)
			if err != nil {
				return nil, fmt.Errorf("storage: apply: op %d (%s): %w", i, op.Kind, err)
			}
			applied[i] = true
			if retried {
				// A commit retried after its acknowledgement was lost
				// finds the shard already committed.
				continue
			}
			commits = append(commits, c)
			var size [8]byte
			binary.BigEndian.PutUint64(size[:], uint64(c.size))
			_ = pb.Set(shardRefKey(op.Name), size[:], nil)
		case OpAbortShard:
			aborts = append(aborts, op.Name)
			applied[i] = true
		case OpRemoveShard:
			size, ok, err := l.refSize(op.Name)
			if err != nil {
				return nil, fmt.Errorf("storage: apply: op %d (%s): %w", i, op.Kind, err)
			}
			c := shardChange{name: op.Name, oldSize: -1}
			if ok {
				_ = pb.Delete(shardRefKey(op.Name), nil)
				c.oldSize = size
			}
			removes = append(removes, c)
			applied[i] = true
		}
	}
	// A replacement of a committed file is renamed over it before its
	// new record commits. Its content is the same (a name is never
	// reused for different data), so a failure after the rename needs no
	// undoing.
	var syncDirs [256]bool
	for _, c := range commits {
		if !c.replace {
			continue
		}
		if err := os.Rename(l.tmpPath(c.name), l.shardPath(c.name)); err != nil {
			return nil, fmt.Errorf("storage: apply: replace shard %q: %w", c.name, err)
		}
		l.shardMu.Lock()
		delete(l.replacing, c.name)
		l.shardMu.Unlock()
		syncDirs[fanout(c.name)] = true
	}
	for i, ok := range syncDirs {
		if ok {
			if err := l.fanoutDirs[i].Sync(); err != nil {
				return nil, fmt.Errorf("storage: apply: sync shard directory: %w", err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("storage: apply: %w", err)
	}
	if !pb.Empty() {
		if err := pb.Commit(pebble.Sync); err != nil {
			return nil, fmt.Errorf("storage: apply: commit: %w", err)
		}
	}

	for _, c := range commits {
		if c.oldSize >= 0 {
			l.shardBytes.Add(c.size - c.oldSize)
		} else {
			l.shardFiles.Add(1)
			l.shardBytes.Add(c.size)
		}
	}
	for _, c := range removes {
		l.dropReplacement(c.name)
		if c.oldSize < 0 {
			continue // not committed: an uncommitted file is not a remove's
		}
		l.shardFiles.Add(-1)
		l.shardBytes.Add(-c.oldSize)
		l.removeUnreferenced(c.name)
	}
	for _, name := range aborts {
		l.dropReplacement(name)
		l.removeUnreferenced(name)
	}
	return applied, nil
}

// planCommit finds the complete file a commit of name references. The
// caller holds name's lock. retried reports a name already committed with
// no replacement waiting. A file still being written, or none, is
// ErrNotFound.
func (l *Local) planCommit(name string) (c shardChange, retried bool, err error) {
	c = shardChange{name: name, oldSize: -1}
	oldSize, committed, err := l.refSize(name)
	if err != nil {
		return c, false, err
	}
	l.shardMu.Lock()
	replace, writing := l.replacing[name], l.writing[name] != 0
	l.shardMu.Unlock()
	path := l.shardPath(name)
	if committed {
		if !replace {
			return c, true, nil
		}
		c.oldSize, c.replace, path = oldSize, true, l.tmpPath(name)
	} else if writing {
		return c, false, fmt.Errorf("shard %q still being written: %w", name, ErrNotFound)
	}
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, false, fmt.Errorf("uncommitted shard %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return c, false, err
	}
	c.size = info.Size()
	return c, false, nil
}

// dropReplacement removes a replacement waiting in tmp/ for name. The
// caller holds name's lock.
func (l *Local) dropReplacement(name string) {
	l.shardMu.Lock()
	replace := l.replacing[name]
	delete(l.replacing, name)
	l.shardMu.Unlock()
	if replace {
		if err := os.Remove(l.tmpPath(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("remove replaced shard", "name", name, "err", err)
		}
	}
}

// removeUnreferenced recycles name's file in shards/ (or unlinks it while
// a reader has it open) unless a committed record references it or
// CreateShard is still writing it. The caller holds name's lock. A crash
// before the file leaves shards/ leaves an unreferenced file, which the
// next start removes.
func (l *Local) removeUnreferenced(name string) {
	l.shardMu.Lock()
	writing, read := l.writing[name] != 0, l.readers[name] > 0
	l.shardMu.Unlock()
	if writing {
		return
	}
	ok, err := l.hasRef(name)
	if err != nil || ok {
		return
	}
	path := l.shardPath(name)
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil || read || !info.Mode().IsRegular() || !recycleShards:
		// A reader keeps the unlinked file's content; a recycled file
		// would change under it.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("remove shard", "name", name, "err", err)
		}
	default:
		l.recycled.keep(path, info.Size(), time.Now())
	}
}

// applyRecords adds the record ops to the batch, deciding conditional ones
// by what stored holds under their keys, updated with what earlier ops of
// the batch write there.
func applyRecords(pb *pebble.Batch, ops []Op, stored map[string]storedValue, applied []bool) {
	set := func(key []byte, sv storedValue) {
		if stored != nil {
			stored[string(key)] = sv
		}
	}
	for i, op := range ops {
		switch op.Kind {
		case OpPut:
			_ = pb.Set(op.Key, op.Value, nil)
			set(op.Key, storedValue{hlc: hlcOf(op.Value), found: true})
			applied[i] = true
		case OpDelete:
			_ = pb.Delete(op.Key, nil)
			set(op.Key, storedValue{})
			applied[i] = true
		case OpPutIfNewer:
			if sv := stored[string(op.Key)]; !sv.found || sv.hlc < op.HLC {
				_ = pb.Set(op.Key, op.Value, nil)
				set(op.Key, storedValue{hlc: hlcOf(op.Value), found: true})
				applied[i] = true
			}
		case OpDeleteIfNotNewer:
			sv := stored[string(op.Key)]
			if !sv.found {
				applied[i] = true
			} else if sv.hlc <= op.HLC {
				_ = pb.Delete(op.Key, nil)
				set(op.Key, storedValue{})
				applied[i] = true
			}
		}
	}
}
