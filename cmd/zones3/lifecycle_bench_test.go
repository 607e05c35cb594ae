package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/lifecycle"
)

// BenchmarkLifecycleExpire measures the worker expiring a bucket of small
// objects in an unversioned bucket over three Pebble nodes, as zones3
// server runs them: each iteration fills the bucket (untimed) and times
// one pass that expires every object. ZONES3_LC_BENCH_OBJECTS sets the
// number of objects (default 20,000); ZONES3_LC_BENCH_VERSIONED=1 turns
// versioning on first.
func BenchmarkLifecycleExpire(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("ZONES3_LC_BENCH_OBJECTS")); err == nil && v > 0 {
		n = v
	}
	var total time.Duration
	for i := range b.N {
		b.StopTimer()
		l, _ := openTestLayer(b)
		ctx := context.Background()
		if err := l.MakeBucket(ctx, "bench", ""); err != nil {
			b.Fatal(err)
		}
		if os.Getenv("ZONES3_LC_BENCH_VERSIONED") != "" {
			// Expirations then add delete markers, one by one.
			if err := l.SetBucketVersioning(ctx, "bench", objectlayer.VersioningEnabled); err != nil {
				b.Fatal(err)
			}
		}
		fillBucket(b, l, "bench", n)
		cfg, err := lifecycle.Parse(strings.NewReader(`<LifecycleConfiguration><Rule><ID>all</ID><Status>Enabled</Status><Filter></Filter><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`))
		if err != nil {
			b.Fatal(err)
		}
		enc, _ := cfg.Marshal()
		if err := l.PutBucketConfig(ctx, "bench", objectlayer.ConfigLifecycle, enc); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p := runOnePass(b, l)
		b.StopTimer()
		if got := p.Buckets["bench"].ObjectsExpired; got != int64(n) {
			b.Fatalf("iteration %d: the pass expired %d objects of %d", i, got, n)
		}
		total += p.Completed.Sub(p.Started)
	}
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "objects/s")
}

// fillBucket writes n 100-byte objects with 16 writers.
func fillBucket(b *testing.B, l *objectlayer.Layer, bucket string, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				putObject(b, l, bucket, fmt.Sprintf("obj/%08d", i), 100, nil)
			}
		})
	}
	wg.Wait()
}

// benchParallel is ZONES3_LC_BENCH_PARALLEL, the worker's Parallel (0:
// its default).
func benchParallel() int {
	p, _ := strconv.Atoi(os.Getenv("ZONES3_LC_BENCH_PARALLEL"))
	return p
}

// runOnePass runs a worker whose clock is a week ahead until it completed
// a pass, and returns the pass record.
func runOnePass(b *testing.B, l *objectlayer.Layer) *lifecycle.Pass {
	meta := lifecycleMeta{l}
	w, err := lifecycle.NewWorker(lifecycle.WorkerConfig{
		Store: newLifecycleStore(l), Meta: meta, Interval: time.Hour, Day: time.Hour,
		Now:           func() time.Time { return time.Now().Add(7 * 24 * time.Hour) },
		Parallel:      benchParallel(),
		LeaseLifetime: 2 * time.Second, LeaseRenew: 500 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for {
		st, err := lifecycle.ReadStatus(context.Background(), meta)
		if err == nil && st.LastPass != nil {
			return st.LastPass
		}
		time.Sleep(20 * time.Millisecond)
	}
}
