package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Shard files are recycled. A file that no record references any more (its
// version was overwritten or deleted) is not unlinked but moved into a pool
// in tmp/, and CreateShard writes the next shard over a pooled file
// instead of creating one. Writing over blocks the file already has
// allocates none and frees none: the fsync that makes the shard durable
// commits no block allocation, and the filesystem has nothing to trim.
// On the project's machine (ext4 mounted with discard),
// BenchmarkShardOverwrite: 1,382-2,136 shards/s recycled against
// 1,151-1,257 unlinked (doc.go has the PUT figures).
//
// A pooled file has no name a reader can open, and a file that a reader
// still has open is unlinked instead of pooled (Local.readers), so no
// reader ever sees a recycled file's new content. The pool is bounded, and
// files that wait in it longer than recycleIdle are unlinked, so the
// space of deleted data goes back to the filesystem once writes stop
// asking for it; a write that finds the disk full empties it. tmp/ is
// emptied at every start, the pool with it.
const (
	recycleMaxFiles    = 256
	recycleMaxBytes    = 1 << 30
	recycleMaxFileSize = 256 << 20 // larger files are unlinked: their own writes dwarf the cost
	recycleIdle        = 30 * time.Second
	recyclePrefix      = "free-"
)

// recycleShards says unreferenced shard files are pooled; off only to
// measure what pooling saves (BenchmarkShardOverwrite).
var recycleShards = true

// recycler is the pool of unreferenced shard files. It knows nothing of
// names or records: the caller decides what may be pooled.
type recycler struct {
	dir string // where pooled files wait (tmp/)
	log *slog.Logger

	mu    sync.Mutex
	files []pooledFile // oldest first; take pops the newest
	bytes int64
	seq   uint64
	off   bool // the filesystem refused RENAME_NOREPLACE: pool nothing
}

type pooledFile struct {
	path  string
	size  int64
	freed time.Time
}

// keep moves the file at path, size bytes long, into the pool. A file too
// large to pool, or one that cannot be moved, is unlinked; so are the
// oldest files when the pool is over its bounds.
func (r *recycler) keep(path string, size int64, now time.Time) {
	r.mu.Lock()
	if size > recycleMaxFileSize || r.off {
		r.mu.Unlock()
		r.unlink(path)
		return
	}
	r.seq++
	dst := filepath.Join(r.dir, recyclePrefix+strconv.FormatUint(r.seq, 10))
	r.mu.Unlock()
	if err := os.Rename(path, dst); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.log.Warn("pool unreferenced shard file", "path", path, "err", err)
			r.unlink(path)
		}
		return
	}
	r.mu.Lock()
	r.files = append(r.files, pooledFile{path: dst, size: size, freed: now})
	r.bytes += size
	var evicted []pooledFile
	for len(r.files) > recycleMaxFiles || r.bytes > recycleMaxBytes {
		evicted = append(evicted, r.files[0])
		r.bytes -= r.files[0].size
		r.files = r.files[1:]
	}
	r.mu.Unlock()
	for _, f := range evicted {
		r.unlink(f.path)
	}
}

// take moves the newest pooled file to path, which must not exist, and
// returns its size. ok is false when the pool is empty or the move fails;
// an existing path fails with an error wrapping fs.ErrExist, and the file
// stays pooled.
func (r *recycler) take(path string) (size int64, ok bool, err error) {
	r.mu.Lock()
	if len(r.files) == 0 {
		r.mu.Unlock()
		return 0, false, nil
	}
	f := r.files[len(r.files)-1]
	r.files = r.files[:len(r.files)-1]
	r.bytes -= f.size
	r.mu.Unlock()
	err = unix.Renameat2(unix.AT_FDCWD, f.path, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return f.size, true, nil
	case errors.Is(err, unix.EEXIST):
		r.mu.Lock()
		r.files = append(r.files, f)
		r.bytes += f.size
		r.mu.Unlock()
		return 0, false, fmt.Errorf("recycle shard file: %w", fs.ErrExist)
	}
	// RENAME_NOREPLACE unsupported (EINVAL), or the file is gone: create
	// a new file instead.
	if errors.Is(err, unix.EINVAL) {
		r.mu.Lock()
		r.off = true
		r.mu.Unlock()
		r.log.Info("shard files are not recycled: the filesystem refuses RENAME_NOREPLACE", "err", err)
		r.drain()
	}
	r.unlink(f.path)
	return 0, false, nil
}

// trim unlinks the files pooled before now-recycleIdle and returns how
// many it unlinked.
func (r *recycler) trim(now time.Time) int {
	r.mu.Lock()
	i := 0
	for i < len(r.files) && now.Sub(r.files[i].freed) >= recycleIdle {
		r.bytes -= r.files[i].size
		i++
	}
	old := r.files[:i:i]
	r.files = r.files[i:]
	r.mu.Unlock()
	for _, f := range old {
		r.unlink(f.path)
	}
	return len(old)
}

// drain unlinks every pooled file: the filesystem needs the space.
func (r *recycler) drain() int {
	return r.trim(time.Now().Add(recycleIdle + time.Hour))
}

// pooled returns the number and total size of the pooled files.
func (r *recycler) pooled() (files int, bytes int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.files), r.bytes
}

func (r *recycler) unlink(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.log.Warn("remove shard file", "path", path, "err", err)
	}
}
