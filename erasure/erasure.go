package erasure

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// DefaultBlockSize is the number of object bytes encoded together: each
// block becomes K data shard blocks of ceil(BlockSize/K) bytes and M parity
// shard blocks of the same size.
const DefaultBlockSize = 1 << 20

// MaxBlockSize bounds Layout.BlockSize, and with it the memory one stream
// may take.
const MaxBlockSize = 16 << 20

// MaxShards is the largest K+M a Layout may have.
const MaxShards = 256

// Layout is the erasure layout of one object. It is stored in the object's
// metadata so that a later change of defaults never misreads old objects;
// store Encoder.Layout(), which has BlockSize filled in.
type Layout struct {
	K, M      int
	BlockSize int // object bytes per block; 0 means DefaultBlockSize
	// Hash is the bitrot checksum of every shard block. The zero value is
	// DefaultHash, so layouts written before the field existed read right.
	Hash HashAlgorithm
}

// ShardOpener opens a byte range of shard file number shard (0..K+M-1).
// length < 0 means to the end. It returns an error (wrapping
// storage.ErrNotFound or storage.ErrUnavailable, but Decode treats any error
// the same) when that shard cannot be read.
//
// The reader should stop blocking when ctx is cancelled: Decode cancels ctx
// when it returns early and then waits for its readers.
type ShardOpener func(ctx context.Context, shard int, offset, length int64) (io.ReadCloser, error)

// DecodeReport says which shards Decode found missing or corrupt, so the
// caller can queue a repair. Both lists are sorted and hold shard numbers.
type DecodeReport struct {
	// Missing shards could not be opened or read in full: the node or
	// the file is gone, or the stream failed or ended early.
	Missing []int
	// Corrupt shards were read but a block checksum did not match.
	Corrupt []int
}

// OK reports whether every shard that was read was intact.
func (r DecodeReport) OK() bool { return len(r.Missing) == 0 && len(r.Corrupt) == 0 }

var (
	// ErrWriteQuorum: fewer than the required number of shard writers
	// remained usable.
	ErrWriteQuorum = errors.New("erasure: write quorum lost")
	// ErrReadQuorum: fewer than K intact shards could be read for a block.
	ErrReadQuorum = errors.New("erasure: not enough intact shards")
	// ErrCorrupt: a shard stream does not hold the blocks its layout says,
	// or a block checksum does not match.
	ErrCorrupt = errors.New("erasure: shard corrupt")
	// ErrRange: the requested byte range is not inside the object.
	ErrRange = errors.New("erasure: range outside the object")
)

// Shards is the number of shards of an object, K+M.
func (l Layout) Shards() int { return l.K + l.M }

// blockSize resolves the zero BlockSize to the default.
func (l Layout) blockSize() int {
	if l.BlockSize <= 0 {
		return DefaultBlockSize
	}
	return l.BlockSize
}

// ShardBlockSize is the size of one shard block (without its checksum) of
// a full block: ceil(BlockSize/K). The last block of an object is usually
// shorter; its shard blocks are ceil(lastBlockLength/K).
func (l Layout) ShardBlockSize() int {
	if l.K <= 0 {
		return 0
	}
	return ceilDiv(l.blockSize(), l.K)
}

// ShardFileSize is the exact size of each shard file of an object of
// objectSize bytes: for every block its checksum then its shard block. All
// shards of an object have the same size; an empty object has empty shards.
func (l Layout) ShardFileSize(objectSize int64) int64 {
	if l.K <= 0 || objectSize <= 0 {
		return 0
	}
	bs := int64(l.blockSize())
	full, tail := objectSize/bs, objectSize%bs
	size := full * l.shardStride()
	if tail > 0 {
		size += ChecksumSize + ceilDiv64(tail, int64(l.K))
	}
	return size
}

// Blocks is the number of blocks of an object of objectSize bytes.
func (l Layout) Blocks(objectSize int64) int64 {
	if objectSize <= 0 {
		return 0
	}
	return ceilDiv64(objectSize, int64(l.blockSize()))
}

// Validate checks that l can be encoded and decoded.
func (l Layout) Validate() error {
	switch {
	case l.K < 1:
		return fmt.Errorf("erasure: layout K=%d, need at least 1 data shard", l.K)
	case l.M < 0:
		return fmt.Errorf("erasure: layout M=%d is negative", l.M)
	case l.K+l.M > MaxShards:
		return fmt.Errorf("erasure: layout K+M=%d exceeds %d shards", l.K+l.M, MaxShards)
	case l.BlockSize < 0 || l.BlockSize > MaxBlockSize:
		return fmt.Errorf("erasure: block size %d outside 0..%d", l.BlockSize, MaxBlockSize)
	case l.blockSize() < l.K:
		return fmt.Errorf("erasure: block size %d smaller than K=%d", l.blockSize(), l.K)
	case !l.Hash.Valid():
		return fmt.Errorf("erasure: unknown hash algorithm %d", uint8(l.Hash))
	}
	return nil
}

func (l Layout) String() string {
	return fmt.Sprintf("RS(%d,%d)/%d/%v", l.K, l.M, l.blockSize(), l.Hash)
}

// shardStride is the size of one full block in a shard file.
func (l Layout) shardStride() int64 { return int64(ChecksumSize + l.ShardBlockSize()) }

// blockLen is the number of object bytes in block b.
func (l Layout) blockLen(objectSize, b int64) int64 {
	bs := int64(l.blockSize())
	return min(bs, objectSize-b*bs)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func ceilDiv64(a, b int64) int64 { return (a + b - 1) / b }
