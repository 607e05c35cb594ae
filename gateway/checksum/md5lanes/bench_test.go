package md5lanes

import (
	"crypto/md5"
	"fmt"
	"hash"
	"sync"
	"syscall"
	"testing"
	"time"
)

// processCPU returns the CPU time (user + system) the process used so far:
// on a shared machine it moves less with other load than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStreams hashes 1, 4 and 16 concurrent 16 MiB streams in 256 KiB
// writes with md5lanes and with crypto/md5, and reports the CPU time per
// byte hashed besides the wall-clock rate.
func BenchmarkStreams(b *testing.B) {
	const size, write = 16 << 20, 256 << 10
	buf := make([]byte, write)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	impls := []struct {
		name string
		new  func() hash.Hash
	}{{"lanes", func() hash.Hash { return New() }}, {"crypto", md5.New}}
	for _, streams := range []int{1, 4, 16} {
		for _, impl := range impls {
			b.Run(fmt.Sprintf("streams=%d/%s", streams, impl.name), func(b *testing.B) {
				b.SetBytes(int64(streams) * size)
				cpu0 := processCPU()
				for b.Loop() {
					var wg sync.WaitGroup
					for range streams {
						wg.Go(func() {
							h := impl.new()
							for range size / write {
								h.Write(buf)
							}
							h.Sum(nil)
						})
					}
					wg.Wait()
				}
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/float64(streams*size), "cpu-ns/B")
			})
		}
	}
}
