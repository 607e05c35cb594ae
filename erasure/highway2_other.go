//go:build !amd64 || purego

package erasure

const hasHighway2 = false

func highwayUpdate2(s *highway2, a, b *byte, packets int) {
	panic("erasure: no two-stream HighwayHash on this platform")
}
