package objectlayer

import (
	"encoding/binary"
	"fmt"

	"github.com/zones3/zones3/gateway/checksum"
)

// crcCombinePoly is the reflected polynomial and width of each CRC whose
// FULL_OBJECT checksum of a multipart object is combined from its parts'.
var crcCombinePoly = map[checksum.Algorithm]struct {
	poly  uint64
	width int
}{
	checksum.CRC32:     {0xedb88320, 32},
	checksum.CRC32C:    {0x82f63b78, 32},
	checksum.CRC64NVME: {0x9a6c9329ac4bc9b5, 64},
}

// canCombine reports whether alg's whole-object value can be computed from
// its parts' values.
func canCombine(alg checksum.Algorithm) bool {
	_, ok := crcCombinePoly[alg]
	return ok
}

// crcCombine returns the CRC of A followed by B from crc(A), crc(B) and
// len(B), for a reflected CRC with inverted initial value and output (all
// three of crcCombinePoly). It is zlib's crc32_combine: appending n zero
// bits to the register is a linear map over GF(2), applied to crcA by
// repeated squaring of the one-zero-bit matrix.
func crcCombine(poly uint64, width int, crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	odd := make([]uint64, width)
	even := make([]uint64, width)
	odd[0] = poly // the operator for one zero bit
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even, odd) // two zero bits
	gf2Square(odd, even) // four zero bits
	for {
		gf2Square(even, odd) // the first square gives one zero byte
		if lenB&1 != 0 {
			crcA = gf2Times(even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(odd, even)
		if lenB&1 != 0 {
			crcA = gf2Times(odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}

// fullObjectCRC combines the base64 CRCs of consecutive parts of the given
// sizes into the base64 CRC of the whole.
func fullObjectCRC(alg checksum.Algorithm, values []string, sizes []int64) (string, error) {
	p, ok := crcCombinePoly[alg]
	if !ok {
		return "", fmt.Errorf("%s cannot be combined", alg)
	}
	var crc uint64
	for i, v := range values {
		d, err := alg.DecodeValue(v)
		if err != nil {
			return "", err
		}
		var c uint64
		if p.width == 32 {
			c = uint64(binary.BigEndian.Uint32(d))
		} else {
			c = binary.BigEndian.Uint64(d)
		}
		if i == 0 {
			crc = c
		} else {
			crc = crcCombine(p.poly, p.width, crc, c, sizes[i])
		}
	}
	var out []byte
	if p.width == 32 {
		out = binary.BigEndian.AppendUint32(nil, uint32(crc))
	} else {
		out = binary.BigEndian.AppendUint64(nil, crc)
	}
	return checksum.EncodeDigest(out), nil
}
