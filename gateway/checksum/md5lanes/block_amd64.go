//go:build amd64 && !purego

package md5lanes

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run gen.go

// hasKernel reports whether this CPU runs blockAVX512 (AVX-512 Foundation,
// with the OS saving ZMM state).
var hasKernel = cpu.X86.HasAVX512F

// blockAVX512 runs blocks MD5 blocks on every lane whose bit is set in
// mask: lane i reads its blocks from ptrs[i] and updates state[0..3][i]
// (a, b, c, d). Lanes outside mask are not read; their state words are
// left undefined. The pointers are unsafe.Pointer, not uintptr, so that
// a stack copy moves them with a buffer on the caller's stack (Sum's).
//
//go:noescape
func blockAVX512(state *[4][Lanes]uint32, ptrs *[Lanes]unsafe.Pointer, blocks int, mask uint64)

func kernel(state *[4][Lanes]uint32, ptrs *[Lanes]unsafe.Pointer, blocks int, mask uint64) {
	blockAVX512(state, ptrs, blocks, mask)
}
