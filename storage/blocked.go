package storage

import (
	"sync/atomic"
	"time"
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

// blocking runs a disk syscall that may wait for the device and counts
// its time in BlockedIO.
func blocking(f func() error) error {
	start := time.Now()
	err := f()
	blockedNanos.Add(int64(time.Since(start)))
	return err
}

// blockingWrite is blocking for a write.
func blockingWrite(write func([]byte) (int, error), p []byte) (int, error) {
	start := time.Now()
	n, err := write(p)
	blockedNanos.Add(int64(time.Since(start)))
	return n, err
}
