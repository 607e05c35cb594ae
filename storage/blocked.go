package storage

import (
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// blockedNanos is the time this process's goroutines have spent in disk
// syscalls that wait for the device: shard writes (O_DIRECT writes go
// straight to it) and fsyncs. Such a goroutine keeps its P (one of
// GOMAXPROCS) until the runtime's sysmon takes it back, which on the
// project's 2-core machine costs the other work a sizable share of the
// CPUs during large PUTs; BlockedIO lets the process hand those Ps back
// (cmd/zones3 raises GOMAXPROCS by the average number blocked).
var blockedNanos atomic.Int64

// BlockedIO returns the total time goroutines of this process have spent
// blocked in shard writes and fsyncs.
func BlockedIO() time.Duration { return time.Duration(blockedNanos.Load()) }

// blockedSince adds the time since start, which its caller spent in a
// disk syscall that may wait for the device, to BlockedIO.
func blockedSince(start time.Time) { blockedNanos.Add(int64(time.Since(start))) }

// syncTimedFS is Pebble's filesystem with the syncs of the files it
// writes (the WAL's above all, one per group of commits) counted in
// BlockedIO like the shard files' own. Against `zones3 server` in four
// alternated pairs: PUT 4 KiB ×16 2,516-2,749 ops/s against 2,144-2,485
// with only the shard files counted, PUT 1 MiB ×8 258-288 MiB/s against
// 268-295, PUT 64 MiB ×4 525 against 504 (two pairs).
type syncTimedFS struct{ vfs.FS }

func (fs syncTimedFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	return syncTimed(fs.FS.Create(name, category))
}

func (fs syncTimedFS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	return syncTimed(fs.FS.OpenReadWrite(name, category, opts...))
}

func (fs syncTimedFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	return syncTimed(fs.FS.ReuseForWrite(oldname, newname, category))
}

func (fs syncTimedFS) OpenDir(name string) (vfs.File, error) {
	return syncTimed(fs.FS.OpenDir(name))
}

func syncTimed(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	return syncTimedFile{f}, nil
}

type syncTimedFile struct{ vfs.File }

func (f syncTimedFile) Sync() error {
	defer blockedSince(time.Now())
	return f.File.Sync()
}

func (f syncTimedFile) SyncData() error {
	defer blockedSince(time.Now())
	return f.File.SyncData()
}

func (f syncTimedFile) SyncTo(length int64) (fullSync bool, err error) {
	defer blockedSince(time.Now())
	return f.File.SyncTo(length)
}
