package erasure

import (
	"fmt"
	"hash"

	"github.com/minio/highwayhash"
	"github.com/minio/sha256-simd"
	"github.com/zeebo/blake3"
)

// HashAlgorithm names the bitrot checksum written before every shard block.
// The zero value is the default; the numeric values are stored in object
// metadata and never change meaning.
type HashAlgorithm uint8

const (
	// HighwayHash256 is HighwayHash-256 keyed with highwayKey. It is the
	// fastest of the three on the machines zones3 was measured on (see the
	// package documentation) and is the default.
	HighwayHash256 HashAlgorithm = iota
	// SHA256 is SHA-256 (sha256-simd, SHA-NI where available).
	SHA256
	// BLAKE3 is BLAKE3 with a 256-bit output.
	BLAKE3
)

// DefaultHash is the algorithm used when a Layout does not say otherwise.
const DefaultHash = HighwayHash256

// ChecksumSize is the number of bytes of every block checksum; all
// supported algorithms produce 256-bit sums.
const ChecksumSize = 32

// highwayKey keys HighwayHash-256. It is part of the on-disk format: a
// different key makes every stored checksum mismatch. (It is SHA-256 of
// "zones3 bitrot checksum key v1".)
var highwayKey = []byte{
	0xf9, 0x34, 0x90, 0x02, 0xee, 0x7c, 0xc3, 0x21,
	0x8f, 0xad, 0x16, 0xbd, 0x16, 0x67, 0xf6, 0x11,
	0x6f, 0x6e, 0x9a, 0xd5, 0xe9, 0xb6, 0xe1, 0x05,
	0x46, 0x2d, 0x7e, 0xe4, 0xe8, 0xd5, 0xdb, 0xb3,
}

var hashNames = [...]string{
	HighwayHash256: "highwayhash256",
	SHA256:         "sha256",
	BLAKE3:         "blake3",
}

// Valid reports whether h is a known algorithm.
func (h HashAlgorithm) Valid() bool { return int(h) < len(hashNames) }

func (h HashAlgorithm) String() string {
	if !h.Valid() {
		return fmt.Sprintf("HashAlgorithm(%d)", uint8(h))
	}
	return hashNames[h]
}

// MarshalText encodes h by name, so that metadata stored as JSON is readable.
func (h HashAlgorithm) MarshalText() ([]byte, error) {
	if !h.Valid() {
		return nil, fmt.Errorf("erasure: unknown hash algorithm %d", uint8(h))
	}
	return []byte(hashNames[h]), nil
}

// UnmarshalText is the inverse of MarshalText.
func (h *HashAlgorithm) UnmarshalText(b []byte) error {
	for i, name := range hashNames {
		if string(b) == name {
			*h = HashAlgorithm(i)
			return nil
		}
	}
	return fmt.Errorf("erasure: unknown hash algorithm %q", b)
}

// sum computes the checksum of one shard block.
func (h HashAlgorithm) sum(b []byte) [ChecksumSize]byte {
	switch h {
	case SHA256:
		return sha256.Sum256(b)
	case BLAKE3:
		return blake3.Sum256(b)
	default:
		return highwayhash.Sum(b, highwayKey)
	}
}

// newHash returns a streaming form of the algorithm, for Verify.
func (h HashAlgorithm) newHash() hash.Hash {
	switch h {
	case SHA256:
		return sha256.New()
	case BLAKE3:
		return blake3.New()
	default:
		hh, err := highwayhash.New(highwayKey)
		if err != nil {
			panic(err) // the key has the right length by construction
		}
		return hh
	}
}
