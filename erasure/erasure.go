package erasure

import (
	"context"
	"errors"
	"io"
)

// DefaultBlockSize is the number of object bytes encoded together: each
// block becomes K data shard blocks of ceil(BlockSize/K) bytes and M parity
// shard blocks of the same size.
const DefaultBlockSize = 1 << 20

// Layout is the erasure layout of one object. It is stored in the object's
// metadata so that a later change of defaults never misreads old objects.
type Layout struct {
	K, M      int
	BlockSize int
}

// ShardOpener opens a byte range of shard file number shard (0..K+M-1).
// length < 0 means to the end. It returns an error (wrapping
// storage.ErrNotFound or storage.ErrUnavailable, but Decode treats any error
// the same) when that shard cannot be read.
type ShardOpener func(ctx context.Context, shard int, offset, length int64) (io.ReadCloser, error)

// DecodeReport says which shards Decode found missing or corrupt, so the
// caller can queue a repair.
type DecodeReport struct {
	Missing []int
	Corrupt []int
}

var (
	// ErrWriteQuorum: fewer than the required number of shard writers
	// remained usable.
	ErrWriteQuorum = errors.New("erasure: write quorum lost")
	// ErrReadQuorum: fewer than K intact shards could be read for a block.
	ErrReadQuorum = errors.New("erasure: not enough intact shards")
)

// The following are implemented in the rest of the package:
//
//	func NewEncoder(l Layout) (*Encoder, error)
//	func (l Layout) ShardBlockSize() int
//	func (l Layout) ShardFileSize(objectSize int64) int64
//	func (e *Encoder) Encode(ctx context.Context, r io.Reader, shards []io.Writer, quorum int) (n int64, failed []bool, err error)
//	func (e *Encoder) Decode(ctx context.Context, w io.Writer, open ShardOpener, objectSize, offset, length int64) (DecodeReport, error)
