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

// lockKeys takes the striped locks of every conditional op's key, in
// stripe order so that batches never deadlock, and returns the unlock.
func (l *Local) lockKeys(ops []Op) func() {
	var stripes []int
	for _, op := range ops {
		if op.Kind.conditional() {
			stripes = append(stripes, int(maphash.Bytes(l.lockSeed, op.Key)%numKeyLocks))
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

// storedHLC returns the HLC of the value under key as the batch sees it
// (earlier ops of the batch included). A value shorter than 8 bytes has
// HLC 0.
func storedHLC(b *pebble.Batch, key []byte) (hlc uint64, found bool, err error) {
	v, closer, err := b.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if len(v) >= 8 {
		hlc = binary.BigEndian.Uint64(v)
	}
	_ = closer.Close()
	return hlc, true, nil
}

// committedShard is a shard renamed into shards/ by a batch not yet durable.
type committedShard struct {
	tmp, path string
	size      int64
	oldSize   int64 // size of a file the rename replaced, or -1
}

// Apply implements Node.
//
// Order of work, which is what makes a SIGKILL at any instant safe:
// conditional ops are decided under their keys' striped locks; committed
// shards (already fsynced by CreateShard) are renamed into shards/ and the
// directories fsynced; then the Pebble batch holding their reference
// records is committed with Sync. A crash before the commit leaves renamed
// files without records, which OpenLocal removes. Unlinks of removed and
// aborted files happen only after the commit.
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

	unlock := func() {}
	var pb *pebble.Batch
	if hasCond {
		unlock = l.lockKeys(b.Ops)
		pb = l.db.NewIndexedBatch()
	} else {
		pb = l.db.NewBatch()
	}
	defer func() { unlock() }()
	defer pb.Close()

	applied := make([]bool, len(b.Ops))
	if err := l.applyRecords(pb, b.Ops, applied); err != nil {
		return nil, fmt.Errorf("storage: apply: %w", err)
	}

	var (
		committed []committedShard
		unlinks   []string // aborted temporary files, unlinked after commit
		removes   []string // removed shard files, unlinked after commit
		syncDirs  [256]bool
	)
	rollback := func() {
		for _, c := range slices.Backward(committed) {
			if err := os.Rename(c.path, c.tmp); err != nil {
				l.log.Error("roll back shard commit", "path", c.path, "err", err)
			}
		}
	}
	for i, op := range b.Ops {
		switch op.Kind {
		case OpCommitShard:
			if ties[i] >= 0 && !applied[ties[i]] {
				unlinks = append(unlinks, l.tmpPath(op.Name))
				continue
			}
			c, err := l.renameShard(op.Name)
			if errors.Is(err, fs.ErrNotExist) {
				// A commit retried after its acknowledgement was lost
				// finds the shard already in place.
				ok, herr := l.hasRef(op.Name)
				if herr == nil && ok {
					applied[i] = true
					continue
				}
				err = fmt.Errorf("temporary shard %q: %w", op.Name, ErrNotFound)
			}
			if err != nil {
				rollback()
				return nil, fmt.Errorf("storage: apply: op %d (%s): %w", i, op.Kind, err)
			}
			committed = append(committed, c)
			syncDirs[fanout(op.Name)] = true
			var size [8]byte
			binary.BigEndian.PutUint64(size[:], uint64(c.size))
			_ = pb.Set(shardRefKey(op.Name), size[:], nil)
			applied[i] = true
		case OpAbortShard:
			unlinks = append(unlinks, l.tmpPath(op.Name))
			applied[i] = true
		case OpRemoveShard:
			_ = pb.Delete(shardRefKey(op.Name), nil)
			removes = append(removes, l.shardPath(op.Name))
			applied[i] = true
		}
	}
	// The renames must be durable before the records naming the files are.
	for i, ok := range syncDirs {
		if !ok {
			continue
		}
		if err := l.fanoutDirs[i].Sync(); err != nil {
			rollback()
			return nil, fmt.Errorf("storage: apply: sync shard directory: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		rollback()
		return nil, fmt.Errorf("storage: apply: %w", err)
	}
	if !pb.Empty() {
		if err := pb.Commit(pebble.Sync); err != nil {
			rollback()
			return nil, fmt.Errorf("storage: apply: commit: %w", err)
		}
	}
	unlock()
	unlock = func() {}

	for _, c := range committed {
		if c.oldSize >= 0 {
			l.shardBytes.Add(c.size - c.oldSize)
		} else {
			l.shardFiles.Add(1)
			l.shardBytes.Add(c.size)
		}
	}
	for _, p := range unlinks {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("remove aborted shard", "path", p, "err", err)
		}
	}
	for _, p := range removes {
		l.unlinkShard(p)
	}
	return applied, nil
}

// applyRecords adds the record ops to the batch, deciding conditional ones.
func (l *Local) applyRecords(pb *pebble.Batch, ops []Op, applied []bool) error {
	for i, op := range ops {
		switch op.Kind {
		case OpPut:
			_ = pb.Set(op.Key, op.Value, nil)
			applied[i] = true
		case OpDelete:
			_ = pb.Delete(op.Key, nil)
			applied[i] = true
		case OpPutIfNewer:
			hlc, found, err := storedHLC(pb, op.Key)
			if err != nil {
				return fmt.Errorf("op %d: read %q: %w", i, op.Key, err)
			}
			if !found || hlc < op.HLC {
				_ = pb.Set(op.Key, op.Value, nil)
				applied[i] = true
			}
		case OpDeleteIfNotNewer:
			hlc, found, err := storedHLC(pb, op.Key)
			if err != nil {
				return fmt.Errorf("op %d: read %q: %w", i, op.Key, err)
			}
			if !found {
				applied[i] = true
			} else if hlc <= op.HLC {
				_ = pb.Delete(op.Key, nil)
				applied[i] = true
			}
		}
	}
	return nil
}

// renameShard moves tmp/<name> into shards/. The data was fsynced by
// CreateShard; the caller fsyncs the directory.
func (l *Local) renameShard(name string) (committedShard, error) {
	c := committedShard{tmp: l.tmpPath(name), path: l.shardPath(name), oldSize: -1}
	info, err := os.Lstat(c.tmp)
	if err != nil {
		return c, err
	}
	c.size = info.Size()
	if old, err := os.Lstat(c.path); err == nil {
		c.oldSize = old.Size()
	}
	if err := os.Rename(c.tmp, c.path); err != nil {
		return c, err
	}
	return c, nil
}

// unlinkShard removes a shard file whose record is gone. A crash before the
// unlink leaves an unreferenced file, which the next start removes.
func (l *Local) unlinkShard(path string) {
	info, err := os.Lstat(path)
	if err != nil {
		return
	}
	if err := os.Remove(path); err != nil {
		l.log.Warn("remove shard", "path", path, "err", err)
		return
	}
	l.shardFiles.Add(-1)
	l.shardBytes.Add(-info.Size())
}
