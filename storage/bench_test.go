package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Run with a short fixed count, e.g.
//
//	go test ./storage/ -run '^$' -bench ShardWriteAmp -benchtime 512x
//	go test ./storage/ -run '^$' -bench PebbleValueWriteAmp -benchtime 512x
//	go test ./storage/ -run '^$' -bench Inline4KiB -benchtime 3s
//
// Write amplification is bytes this process sent to the block layer
// (/proc/self/io write_bytes) over bytes given. It leaves out the ext4
// journal, written by a kernel thread.

// processWriteBytes reads write_bytes from /proc/self/io.
func processWriteBytes(b *testing.B) int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		b.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "write_bytes: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Skip("no write_bytes in /proc/self/io")
	return 0
}

func openBenchLocal(b *testing.B) *Local {
	l, err := OpenLocal(b.TempDir(), LocalOptions{ID: "bench", Logger: testLogger(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// BenchmarkShardWriteAmp writes 1 MiB shards the way the gateway does: a
// shard file, then a synced batch with its metadata record and commit.
func BenchmarkShardWriteAmp(b *testing.B) {
	const shardSize = 1 << 20
	ctx := context.Background()
	l := openBenchLocal(b)
	data := bytes.Repeat([]byte("0123456789abcdef"), shardSize/16)
	meta := make([]byte, 512)
	b.SetBytes(shardSize)
	start := processWriteBytes(b)
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("obj%d.v1.0", i)
		if _, err := l.CreateShard(ctx, name, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		key := []byte(fmt.Sprintf("b/obj%d", i))
		binary.BigEndian.PutUint64(meta, uint64(i+1))
		if _, err := l.Apply(ctx, Batch{Ops: []Op{
			{Kind: OpPutIfNewer, Key: key, Value: meta, HLC: uint64(i + 1)},
			{Kind: OpCommitShard, Name: name, Key: key},
		}}); err != nil {
			b.Fatal(err)
		}
	}
	// Include the flush of the metadata records.
	if err := l.db.Flush(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	written := processWriteBytes(b) - start
	b.ReportMetric(float64(written)/float64(int64(b.N)*shardSize), "write-amp")
}

// BenchmarkPebbleValueWriteAmp is the alternative not taken: 1 MiB values
// stored in Pebble itself (same options as Local), measured until the
// flushes and compactions they cause have finished.
func BenchmarkPebbleValueWriteAmp(b *testing.B) {
	const valueSize = 1 << 20
	db, err := pebble.Open(b.TempDir(), pebbleOptions(LocalOptions{
		CacheBytes: DefaultCacheBytes, MemTableBytes: DefaultMemTableBytes,
	}, testLogger(b)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// Random, so that compression does not flatter Pebble (shard data is
	// erasure-coded, usually compressed, user data).
	value := make([]byte, valueSize)
	rand.NewChaCha8([32]byte{1}).Read(value)
	b.SetBytes(valueSize)
	start := processWriteBytes(b)
	b.ResetTimer()
	for i := range b.N {
		binary.LittleEndian.PutUint64(value, uint64(i))
		// Object names arrive in no particular order.
		key := fmt.Sprintf("b/obj%016x", uint64(i)*0x9e3779b97f4a7c15)
		if err := db.Set([]byte(key), value, pebble.Sync); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Flush(); err != nil {
		b.Fatal(err)
	}
	for idle := 0; idle < 3; {
		m := db.Metrics()
		if m.Compact.NumInProgress == 0 && m.Flush.NumInProgress == 0 {
			idle++
		} else {
			idle = 0
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.StopTimer()
	written := processWriteBytes(b) - start
	b.ReportMetric(float64(written)/float64(int64(b.N)*valueSize), "write-amp")
}

// benchInline4KiB applies synced 4 KiB conditional puts from 16 writers.
func benchInline4KiB(b *testing.B, n Node) {
	ctx := context.Background()
	var seq atomic.Uint64
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((16 + procs - 1) / procs) // 16 writers on 1, 2, 4, 8 or 16 procs
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		value := make([]byte, 4096)
		for pb.Next() {
			i := seq.Add(1)
			binary.BigEndian.PutUint64(value, i)
			if _, err := n.Apply(ctx, Batch{Ops: []Op{
				{Kind: OpPutIfNewer, Key: []byte(fmt.Sprintf("b/small%09d", i)), Value: value, HLC: i},
			}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

func BenchmarkLocalInline4KiB(b *testing.B) { benchInline4KiB(b, openBenchLocal(b)) }

func BenchmarkRemoteInline4KiB(b *testing.B) {
	r, _ := serveLocal(b, openBenchLocal(b), RemoteOptions{})
	benchInline4KiB(b, r)
}

// BenchmarkRemoteShard1MiB is BenchmarkShardWriteAmp's work through the
// internode API, plus reading each shard back.
func BenchmarkRemoteShard1MiB(b *testing.B) {
	const shardSize = 1 << 20
	ctx := context.Background()
	r, _ := serveLocal(b, openBenchLocal(b), RemoteOptions{})
	b.SetBytes(2 * shardSize)
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("obj%d", i)
		if _, err := r.CreateShard(ctx, name, &patternReader{n: shardSize}); err != nil {
			b.Fatal(err)
		}
		if _, err := r.Apply(ctx, Batch{Ops: []Op{{Kind: OpCommitShard, Name: name}}}); err != nil {
			b.Fatal(err)
		}
		rc, err := r.ReadShard(ctx, name, 0, -1)
		if err != nil {
			b.Fatal(err)
		}
		if err := checkPattern(rc, 0, shardSize); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}

// BenchmarkPebbleInline4KiB is the floor for BenchmarkLocalInline4KiB:
// plain synced Pebble sets, 16 writers, same options.
func BenchmarkPebbleInline4KiB(b *testing.B) {
	db, err := pebble.Open(b.TempDir(), pebbleOptions(LocalOptions{
		CacheBytes: DefaultCacheBytes, MemTableBytes: DefaultMemTableBytes,
	}, testLogger(b)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var seq atomic.Uint64
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((16 + procs - 1) / procs)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		value := make([]byte, 4096)
		for pb.Next() {
			i := seq.Add(1)
			binary.BigEndian.PutUint64(value, i)
			if err := db.Set([]byte(fmt.Sprintf("b/small%09d", i)), value, pebble.Sync); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

// BenchmarkCreateShard64MiB measures one large shard written and fsynced,
// with O_DIRECT (where the filesystem takes it) and through the page cache.
func BenchmarkCreateShard64MiB(b *testing.B) {
	const size = 64 << 20
	for _, direct := range []bool{true, false} {
		b.Run(fmt.Sprintf("direct=%v", direct), func(b *testing.B) {
			l := openBenchLocal(b)
			l.mayDirect.Store(direct)
			b.SetBytes(size)
			cpu := processCPU(b)
			for i := range b.N {
				if _, err := l.CreateShard(context.Background(), fmt.Sprintf("large%d", i), &patternReader{n: size}); err != nil {
					b.Fatal(err)
				}
				if _, err := l.Apply(context.Background(), Batch{Ops: []Op{{Kind: OpAbortShard, Name: fmt.Sprintf("large%d", i)}}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N*size), "cpu-ns/B")
			if direct && !l.mayDirect.Load() {
				b.Log("the filesystem refused O_DIRECT: measured through the page cache")
			}
		})
	}
}

// BenchmarkShardParallel1MiB is BenchmarkShardWriteAmp's work from 8
// concurrent writers, as concurrent PUTs produce it.
func BenchmarkShardParallel1MiB(b *testing.B) {
	const shardSize = 1 << 20
	ctx := context.Background()
	l := openBenchLocal(b)
	data := bytes.Repeat([]byte("0123456789abcdef"), shardSize/16)
	var seq atomic.Uint64
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((8 + procs - 1) / procs)
	b.SetBytes(shardSize)
	b.RunParallel(func(pb *testing.PB) {
		meta := make([]byte, 512)
		for pb.Next() {
			i := seq.Add(1)
			name := fmt.Sprintf("obj%d.v1.0", i)
			if _, err := l.CreateShard(ctx, name, bytes.NewReader(data)); err != nil {
				b.Error(err)
				return
			}
			key := []byte(fmt.Sprintf("b/obj%d", i))
			binary.BigEndian.PutUint64(meta, i)
			if _, err := l.Apply(ctx, Batch{Ops: []Op{
				{Kind: OpPutIfNewer, Key: key, Value: meta, HLC: i},
				{Kind: OpCommitShard, Name: name, Key: key},
			}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// processCPU is the user plus system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Skipf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCreateCommit1MiB is the per-node work of a 1 MiB-shard PUT
// from 8 concurrent writers: CreateShard, then a synced Apply with the
// record and the tied OpCommitShard. Besides MB/s it reports the CPU
// (user + system, getrusage) per byte written.
//
//	go test ./storage/ -run '^$' -bench CreateCommit1MiB -benchtime 2000x
func BenchmarkCreateCommit1MiB(b *testing.B) {
	const shardSize = 1 << 20
	ctx := context.Background()
	l := openBenchLocal(b)
	data := bytes.Repeat([]byte("0123456789abcdef"), shardSize/16)
	var seq atomic.Uint64
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((8 + procs - 1) / procs)
	b.SetBytes(shardSize)
	cpu := processCPU(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		meta := make([]byte, 512)
		for pb.Next() {
			i := seq.Add(1)
			name := fmt.Sprintf("obj%d.v1.0", i)
			if _, err := l.CreateShard(ctx, name, bytes.NewReader(data)); err != nil {
				b.Error(err)
				return
			}
			key := []byte(fmt.Sprintf("b/obj%d", i))
			binary.BigEndian.PutUint64(meta, i)
			if _, err := l.Apply(ctx, Batch{Ops: []Op{
				{Kind: OpPutIfNewer, Key: key, Value: meta, HLC: i},
				{Kind: OpCommitShard, Name: name, Key: key},
			}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N*shardSize), "cpu-ns/B")
}

// BenchmarkShardOverwrite is the per-node work of PUTs that overwrite
// their keys, 16 writers: each op creates a 512 KiB shard (the shard of a
// 1 MiB object with RS(2,1)) and commits it in the synced batch that
// removes the shard it replaces, four of the writer's own shards back.
// "recycled" writes over the removed files (recycle.go), "unlinked"
// creates every file anew and unlinks the removed ones. write-amp is as
// in BenchmarkShardWriteAmp: writing over a pooled file writes its bytes
// once, as a new file does.
//
//	go test ./storage/ -run '^$' -bench ShardOverwrite -benchtime 4000x
func BenchmarkShardOverwrite(b *testing.B) {
	for _, recycle := range []bool{true, false} {
		name := map[bool]string{true: "recycled", false: "unlinked"}[recycle]
		b.Run(name, func(b *testing.B) {
			defer func(old bool) { recycleShards = old }(recycleShards)
			recycleShards = recycle
			const shardSize = 512<<10 + 32
			const ring = 4
			ctx := context.Background()
			l := openBenchLocal(b)
			data := bytes.Repeat([]byte{0x5a}, shardSize)
			var writers atomic.Uint64
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((16 + procs - 1) / procs)
			b.SetBytes(shardSize)
			start := processWriteBytes(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := writers.Add(1)
				for i := 0; pb.Next(); i++ {
					name := fmt.Sprintf("w%d.%d", w, i)
					if _, err := l.CreateShard(ctx, name, bytes.NewReader(data)); err != nil {
						b.Error(err)
						return
					}
					ops := []Op{{Kind: OpCommitShard, Name: name}}
					if i >= ring {
						ops = append(ops, Op{Kind: OpRemoveShard, Name: fmt.Sprintf("w%d.%d", w, i-ring)})
					}
					if _, err := l.Apply(ctx, Batch{Ops: ops}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "shards/s")
			written := processWriteBytes(b) - start
			b.ReportMetric(float64(written)/float64(int64(b.N)*shardSize), "write-amp")
		})
	}
}
