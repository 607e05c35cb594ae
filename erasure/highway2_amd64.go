//go:build amd64 && !purego

package erasure

import "golang.org/x/sys/cpu"

// hasHighway2 reports whether this CPU runs highwayUpdate2 (AVX-512
// Foundation for the 512-bit arithmetic, BW for the byte shuffle).
var hasHighway2 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

// highwayUpdate2 runs HighwayHash's update over packets 32-byte packets of
// a and of b, the state of a in the low half of each word group of s and
// b's in the high half.
//
//go:noescape
func highwayUpdate2(s *highway2, a, b *byte, packets int)
