package checksum

import (
	"crypto/md5"
	"fmt"
	"hash"
	"io"
	"sync"
	"testing"

	"github.com/zones3/zones3/gateway/checksum/md5lanes"
)

// repeatReader returns size bytes of a fixed pattern without allocating.
type repeatReader struct {
	pattern []byte
	left    int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], r.pattern)
	}
	r.left -= int64(n)
	return n, nil
}

// BenchmarkReader measures the Reader over a 16 MiB body for each
// algorithm, with and without the SigV4 payload SHA-256, for 64 KiB and
// 1 MiB reads, serial and Parallel. Besides MB/s (wall time) it reports
// cpu-ns/B, the process CPU time per byte, which other load on a shared
// machine hardly moves; for Parallel it counts both goroutines.
func BenchmarkReader(b *testing.B) {
	const size = 16 << 20
	pattern := newBody(1 << 20).data
	type benchCase struct {
		alg        Algorithm
		payloadSHA bool
		bufSize    int
		parallel   bool
	}
	var cases []benchCase
	for _, alg := range []Algorithm{"", CRC32, CRC32C, CRC64NVME, SHA1, SHA256} {
		for _, payloadSHA := range []bool{false, true} {
			cases = append(cases,
				benchCase{alg, payloadSHA, 64 << 10, false},
				benchCase{alg, payloadSHA, 1 << 20, false},
				benchCase{alg, payloadSHA, 1 << 20, true})
		}
	}
	for _, c := range cases {
		algName := string(c.alg)
		if algName == "" {
			algName = "none"
		}
		name := fmt.Sprintf("alg=%s/payloadsha=%v/buf=%dK/parallel=%v", algName, c.payloadSHA, c.bufSize>>10, c.parallel)
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, c.bufSize)
			e := Expect{Algorithm: c.alg, Size: -1, Parallel: c.parallel}
			if c.payloadSHA {
				e.SHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
			}
			b.SetBytes(size)
			cpu0 := processCPU()
			for b.Loop() {
				r, err := NewReader(&repeatReader{pattern: pattern, left: size}, e)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Read(buf); err != nil {
						break
					}
				}
				_ = r.ETag()
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/size, "cpu-ns/B")
		})
	}
}

// BenchmarkReaderConcurrent measures 4 bodies of 64 MiB read at once with
// only the MD5 (UNSIGNED-PAYLOAD, no flexible checksum), as PUT 64 MiB ×4
// does: cpu-ns/B is the process CPU per body byte (0.61 with the MD5 lanes,
// 1.56 with crypto/md5 on the 2-core machine; see package md5lanes).
func BenchmarkReaderConcurrent(b *testing.B) {
	const size, bodies = 64 << 20, 4
	pattern := newBody(1 << 20).data
	b.SetBytes(size * bodies)
	cpu0 := processCPU()
	for b.Loop() {
		done := make(chan struct{}, bodies)
		for range bodies {
			go func() {
				defer func() { done <- struct{}{} }()
				r, err := NewReader(&repeatReader{pattern: pattern, left: size}, Expect{Size: size})
				if err != nil {
					b.Error(err)
					return
				}
				buf := make([]byte, 256<<10)
				for {
					if _, err := r.Read(buf); err != nil {
						break
					}
				}
				_ = r.ETag()
			}()
		}
		for range bodies {
			<-done
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/(size*bodies), "cpu-ns/B")
}

// BenchmarkMD5Streams hashes 1, 4 and 16 concurrent 16 MiB streams in 256 KiB
// writes with md5lanes and with crypto/md5, and reports the CPU time per
// byte hashed besides the wall-clock rate (see package md5lanes).
func BenchmarkMD5Streams(b *testing.B) {
	const size, write = 16 << 20, 256 << 10
	buf := make([]byte, write)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	impls := []struct {
		name string
		new  func() hash.Hash
	}{{"lanes", func() hash.Hash { return md5lanes.New() }}, {"crypto", md5.New}}
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
