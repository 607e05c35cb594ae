//go:build amd64 && !purego

#include "textflag.h"

// The zipper merge of HighwayHash as a byte shuffle of each 128-bit lane.
DATA zipper<>+0(SB)/8, $0x000f010e05020c03
DATA zipper<>+8(SB)/8, $0x070806090d0a040b
GLOBL zipper<>(SB), RODATA|NOPTR, $16

// func highwayUpdate2(s *highway2, a, b *byte, packets int)
//
// Z0-Z3 hold v0, v1, mul0, mul1 of both streams: stream a in the low 256
// bits, stream b in the high. BP is not used.
TEXT ·highwayUpdate2(SB), NOSPLIT, $0-32
	MOVQ s+0(FP), AX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ packets+24(FP), CX
	VMOVDQU64 (AX), Z0
	VMOVDQU64 64(AX), Z1
	VMOVDQU64 128(AX), Z2
	VMOVDQU64 192(AX), Z3
	VBROADCASTI32X4 zipper<>(SB), Z9
	TESTQ CX, CX
	JZ done

loop:
	VMOVDQU64 (SI), Y4
	VINSERTI64X4 $1, (DI), Z4, Z4
	// v1 += packet + mul0
	VPADDQ Z4, Z1, Z1
	VPADDQ Z2, Z1, Z1
	// mul0 ^= uint32(v1) * (v0 >> 32)
	VPSRLQ $32, Z0, Z5
	VPMULUDQ Z1, Z5, Z5
	VPXORQ Z5, Z2, Z2
	// v0 += mul1
	VPADDQ Z3, Z0, Z0
	// mul1 ^= uint32(v0) * (v1 >> 32)
	VPSRLQ $32, Z1, Z6
	VPMULUDQ Z0, Z6, Z6
	VPXORQ Z6, Z3, Z3
	// v0 += zipper(v1); v1 += zipper(v0)
	VPSHUFB Z9, Z1, Z7
	VPADDQ Z7, Z0, Z0
	VPSHUFB Z9, Z0, Z8
	VPADDQ Z8, Z1, Z1
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ loop

done:
	VMOVDQU64 Z0, (AX)
	VMOVDQU64 Z1, 64(AX)
	VMOVDQU64 Z2, 128(AX)
	VMOVDQU64 Z3, 192(AX)
	VZEROUPPER
	RET
