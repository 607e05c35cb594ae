package awschunked

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

func BenchmarkReader(b *testing.B) {
	const size = 16 << 20
	data := randomBytes(size, 5)
	crc := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	for _, tc := range []struct {
		name  string
		sig   *Signing
		chunk int
	}{
		{"unsigned/chunk=whole", nil, size},
		{"unsigned/chunk=1M", nil, 1 << 20},
		{"unsigned/chunk=64K", nil, 64 << 10},
		{"signed/chunk=1M", testSigning(), 1 << 20},
		{"signed/chunk=64K", testSigning(), 64 << 10},
	} {
		var chunks [][]byte
		for off := 0; off < size; off += tc.chunk {
			chunks = append(chunks, data[off:min(off+tc.chunk, size)])
		}
		e := &encoder{sig: tc.sig, trailers: crc}
		body := e.encode(chunks...)
		for _, readSize := range []int{32 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/read=%dK", tc.name, readSize>>10), func(b *testing.B) {
				buf := make([]byte, readSize)
				b.SetBytes(size)
				b.ReportAllocs()
				for b.Loop() {
					r := NewReader(bytes.NewReader(body), tc.sig, []string{"x-amz-checksum-crc32"})
					for {
						_, err := r.Read(buf)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
