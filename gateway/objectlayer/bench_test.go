package objectlayer

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
)

// benchOpts is a PUT whose Seal costs nothing: the digests are the
// handler's work, measured with it.
func benchOpts(size int) PutOptions {
	return PutOptions{
		Size: int64(size),
		Seal: func() (string, map[string]string, error) { return "d41d8cd98f00b204e9800998ecf8427e", nil, nil },
	}
}

func benchKey(prefix string, n uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return fmt.Sprintf("%s/%x", prefix, b)
}

// BenchmarkPutSmall is 4 KiB PUTs from 16 concurrent writers: one synced
// batch per node and PUT, which Pebble commits in groups.
func BenchmarkPutSmall(b *testing.B) {
	for _, remote := range []bool{false, true} {
		b.Run(fmt.Sprintf("remote=%v", remote), func(b *testing.B) {
			c := newTestCluster(b, clusterOptions{remote: remote})
			mustMakeBucket(b, c.layer, "b")
			data := randomBytes(1, 4<<10)
			var seq atomic.Uint64
			b.SetBytes(int64(len(data)))
			b.SetParallelism(8) // 16 writers with GOMAXPROCS=2
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					key := benchKey("small", seq.Add(1))
					if _, err := c.layer.PutObject(context.Background(), "b", key, bytes.NewReader(data), benchOpts(len(data))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkPutLarge is single-stream PUTs of 1 MiB and 64 MiB, and 1 MiB
// PUTs from 16 concurrent writers.
func BenchmarkPutLarge(b *testing.B) {
	b.Run("size=1MiB/writers=16", func(b *testing.B) {
		c := newTestCluster(b, clusterOptions{})
		mustMakeBucket(b, c.layer, "b")
		data := randomBytes(2, 1<<20)
		var seq atomic.Uint64
		b.SetBytes(int64(len(data)))
		b.SetParallelism(8) // 16 writers with GOMAXPROCS=2
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				key := benchKey("large", seq.Add(1))
				if _, err := c.layer.PutObject(context.Background(), "b", key, bytes.NewReader(data), benchOpts(len(data))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	for _, size := range []int{1 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			c := newTestCluster(b, clusterOptions{})
			mustMakeBucket(b, c.layer, "b")
			data := randomBytes(2, size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				key := benchKey("large", uint64(i))
				if _, err := c.layer.PutObject(context.Background(), "b", key, bytes.NewReader(data), benchOpts(size)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGet reads whole objects: 4 KiB from 16 concurrent readers,
// 1 MiB and 64 MiB from one.
func BenchmarkGet(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("size=%dKiB", size>>10), func(b *testing.B) {
			c := newTestCluster(b, clusterOptions{})
			l := c.layer
			mustMakeBucket(b, l, "b")
			data := randomBytes(3, size)
			keys := 1
			if size <= 1<<20 {
				keys = 64
			}
			for i := range keys {
				if _, err := l.PutObject(context.Background(), "b", benchKey("get", uint64(i)), bytes.NewReader(data), benchOpts(size)); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(size))
			var seq atomic.Uint64
			get := func() {
				key := benchKey("get", seq.Add(1)%uint64(keys))
				if _, err := l.GetObject(context.Background(), "b", key, GetOptions{Length: -1}, io.Discard); err != nil {
					b.Error(err)
				}
			}
			b.ResetTimer()
			if size <= 4<<10 {
				b.SetParallelism(8) // 16 readers with GOMAXPROCS=2
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						get()
					}
				})
				return
			}
			for b.Loop() {
				get()
			}
		})
	}
}

// BenchmarkListObjects lists 1000-key pages of a bucket of 5,000 objects,
// flat and with a delimiter.
func BenchmarkListObjects(b *testing.B) {
	c := newTestCluster(b, clusterOptions{})
	l := c.layer
	mustMakeBucket(b, l, "b")
	putMany(b, l, "b", listingKeys(5000))
	for _, delim := range []string{"", "/"} {
		b.Run(fmt.Sprintf("delimiter=%q", delim), func(b *testing.B) {
			for b.Loop() {
				o := ListOptions{Delimiter: delim}
				for {
					res, err := l.ListObjects(context.Background(), "b", o)
					if err != nil {
						b.Fatal(err)
					}
					if !res.IsTruncated {
						break
					}
					o.After = res.NextAfter
				}
			}
		})
	}
}
