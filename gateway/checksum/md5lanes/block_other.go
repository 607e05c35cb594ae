//go:build !amd64 || purego

package md5lanes

import "unsafe"

const hasKernel = false

func kernel(state *[4][Lanes]uint32, ptrs *[Lanes]unsafe.Pointer, blocks int, mask uint64) {
	panic("md5lanes: no kernel on this platform")
}
