package checksum

import (
	"fmt"
	"io"
	"testing"
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
