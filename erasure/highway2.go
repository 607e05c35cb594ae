package erasure

import "encoding/binary"

// Two shard blocks of one length are checksummed together where the CPU
// has AVX-512: HighwayHash is a chain of dependent 256-bit steps, so one
// stream leaves most of a 512-bit unit idle, and the two halves of each
// register carry the two streams for the price of one. The result is
// HighwayHash-256 of each block, bit for bit (TestSum2MatchesHighwayHash).

// highway2 is the HighwayHash state of two streams: for each of v0, v1,
// mul0 and mul1, four words of stream a then four of stream b.
type highway2 struct {
	v0, v1, mul0, mul1 [8]uint64
}

var (
	highwayInit0 = [4]uint64{0xdbe6d5d5fe4cce2f, 0xa4093822299f31d0, 0x13198a2e03707344, 0x243f6a8885a308d3}
	highwayInit1 = [4]uint64{0x3bd39e10cb0ef593, 0xc0acf169b5f18a8c, 0xbe5466cf34e90c6c, 0x452821e638d01377}
)

// init sets both streams to the keyed initial state.
func (s *highway2) init(key []byte) {
	for i := range 4 {
		k := binary.LittleEndian.Uint64(key[8*i:])
		for _, half := range [2]int{0, 4} {
			s.mul0[half+i] = highwayInit0[i]
			s.mul1[half+i] = highwayInit1[i]
			s.v0[half+i] = highwayInit0[i] ^ k
			s.v1[half+i] = highwayInit1[i] ^ (k>>32 | k<<32)
		}
	}
}

// finalize writes the 256-bit sums of both streams.
func (s *highway2) finalize(sa, sb *[ChecksumSize]byte) {
	var perm [2][32]byte
	for range 10 {
		for h, half := range [2]int{0, 4} {
			for i, j := range [4]int{2, 3, 0, 1} {
				w := s.v0[half+j]
				binary.LittleEndian.PutUint64(perm[h][8*i:], w>>32|w<<32)
			}
		}
		highwayUpdate2(s, &perm[0][0], &perm[1][0], 1)
	}
	for h, out := range [2]*[ChecksumSize]byte{sa, sb} {
		o := 4 * h
		for i := 0; i < 4; i += 2 {
			r0, r1 := highwayReduce(s.v0[o+i]+s.mul0[o+i], s.v0[o+i+1]+s.mul0[o+i+1],
				s.v1[o+i]+s.mul1[o+i], s.v1[o+i+1]+s.mul1[o+i+1])
			binary.LittleEndian.PutUint64(out[8*i:], r0)
			binary.LittleEndian.PutUint64(out[8*i+8:], r1)
		}
	}
}

// highwayReduce is HighwayHash's modular reduction of 256 bits to 128.
func highwayReduce(v0, v1, v2, v3 uint64) (r0, r1 uint64) {
	v3 &= 0x3FFFFFFFFFFFFFFF
	r0, r1 = v2, v3
	v3 = v3<<1 | v2>>63
	v2 <<= 1
	r1 = r1<<2 | r0>>62
	r0 <<= 2
	return r0 ^ v0 ^ v2, r1 ^ v1 ^ v3
}

// sum2 returns the checksums of a and b, together when they can share the
// two-stream kernel: HighwayHash, AVX-512, one length, whole 32-byte
// packets (every shard block but an object's last).
func (h HashAlgorithm) sum2(a, b []byte) (sa, sb [ChecksumSize]byte) {
	if h != HighwayHash256 || !hasHighway2 || len(a) != len(b) || len(a) == 0 || len(a)%32 != 0 {
		return h.sum(a), h.sum(b)
	}
	var s highway2
	s.init(highwayKey)
	highwayUpdate2(&s, &a[0], &b[0], len(a)/32)
	s.finalize(&sa, &sb)
	return sa, sb
}
