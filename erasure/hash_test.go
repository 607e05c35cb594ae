package erasure

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"
)

func TestHashStreamingMatchesOneShot(t *testing.T) {
	data := make([]byte, 100_003)
	rand.Read(data)
	for _, h := range []HashAlgorithm{HighwayHash256, SHA256, BLAKE3} {
		for _, n := range []int{0, 1, 31, 32, 33, 4096, len(data)} {
			want := h.sum(data[:n])
			s := h.newHash()
			// Feed in uneven pieces to exercise the streaming path.
			for b := data[:n]; len(b) > 0; {
				k := min(len(b), 777)
				s.Write(b[:k])
				b = b[k:]
			}
			if got := s.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Errorf("%v len %d: streaming %x, one-shot %x", h, n, got, want)
			}
		}
	}
}

func TestHashAlgorithmText(t *testing.T) {
	for _, h := range []HashAlgorithm{HighwayHash256, SHA256, BLAKE3} {
		b, err := h.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back HashAlgorithm
		if err := back.UnmarshalText(b); err != nil || back != h {
			t.Errorf("%v: round trip gave %v, %v", h, back, err)
		}
	}
	if _, err := HashAlgorithm(200).MarshalText(); err == nil {
		t.Error("unknown algorithm marshalled")
	}
	var h HashAlgorithm
	if err := h.UnmarshalText([]byte("md5")); err == nil {
		t.Error("unknown name accepted")
	}
	if DefaultHash != HashAlgorithm(0) {
		t.Error("the zero HashAlgorithm must be the default")
	}
}

// BenchmarkHash compares the bitrot checksum candidates on shard-block
// sized inputs: 512 KiB (RS(2,1), 1 MiB blocks), 256 KiB (RS(4,2)) and a
// small 4 KiB object.
func BenchmarkHash(b *testing.B) {
	for _, size := range []int{4 << 10, 256 << 10, 512 << 10} {
		data := make([]byte, size)
		rand.Read(data)
		for _, h := range []HashAlgorithm{HighwayHash256, SHA256, BLAKE3} {
			b.Run(fmt.Sprintf("%v/%dKiB", h, size>>10), func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					h.sum(data)
				}
			})
		}
	}
}
