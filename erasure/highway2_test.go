package erasure

import (
	"math/rand/v2"
	"testing"

	"github.com/minio/highwayhash"
)

// TestSum2MatchesHighwayHash compares sum2 with highwayhash.Sum for every
// length class: whole packets (the kernel), ragged and unequal lengths
// (one stream at a time).
func TestSum2MatchesHighwayHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, 2*(1<<20))
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for _, n := range []int{0, 1, 31, 32, 33, 64, 96, 1000, 1024, 4096, 512 << 10, 1 << 20} {
		a, b := buf[:n], buf[1<<20:1<<20+n]
		sa, sb := HighwayHash256.sum2(a, b)
		if sa != highwayhash.Sum(a, highwayKey) || sb != highwayhash.Sum(b, highwayKey) {
			t.Fatalf("length %d: sum2 differs from highwayhash.Sum", n)
		}
	}
	// Unequal lengths and other algorithms take the one-stream path.
	sa, sb := HighwayHash256.sum2(buf[:64], buf[:96])
	if sa != highwayhash.Sum(buf[:64], highwayKey) || sb != highwayhash.Sum(buf[:96], highwayKey) {
		t.Fatal("unequal lengths: sum2 differs")
	}
	sa, sb = SHA256.sum2(buf[:64], buf[64:128])
	if sa != SHA256.sum(buf[:64]) || sb != SHA256.sum(buf[64:128]) {
		t.Fatal("SHA256: sum2 differs")
	}
}

// FuzzSum2 compares sum2 with highwayhash.Sum on fuzzer-chosen blocks.
func FuzzSum2(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef"), byte(3))
	f.Fuzz(func(t *testing.T, a []byte, x byte) {
		b := make([]byte, len(a))
		for i := range a {
			b[i] = a[i] ^ x ^ byte(i)
		}
		sa, sb := HighwayHash256.sum2(a, b)
		if sa != highwayhash.Sum(a, highwayKey) || sb != highwayhash.Sum(b, highwayKey) {
			t.Fatalf("%d bytes: sum2 differs from highwayhash.Sum", len(a))
		}
	})
}

// BenchmarkSum2 checksums two 512 KiB shard blocks, together and one after
// the other.
func BenchmarkSum2(b *testing.B) {
	a := make([]byte, 512<<10)
	c := make([]byte, 512<<10)
	b.Run("sum2", func(b *testing.B) {
		b.SetBytes(2 << 19)
		for b.Loop() {
			HighwayHash256.sum2(a, c)
		}
	})
	b.Run("sum", func(b *testing.B) {
		b.SetBytes(2 << 19)
		for b.Loop() {
			HighwayHash256.sum(a)
			HighwayHash256.sum(c)
		}
	})
}
