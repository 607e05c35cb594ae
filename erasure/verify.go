package erasure

import (
	"errors"
	"fmt"
	"io"
)

// Verify reads one whole shard stream of an object of objectSize bytes
// encoded with l and checks every block checksum, without decoding. A
// stream that is shorter or longer than l.ShardFileSize(objectSize), or
// holds a block whose checksum does not match, gives an error wrapping
// ErrCorrupt; an error from r is returned wrapped as it is. Memory use is
// a small copy buffer whatever the block size.
func Verify(r io.Reader, l Layout, objectSize int64) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if objectSize < 0 {
		return fmt.Errorf("%w: object size %d", ErrRange, objectSize)
	}
	h := l.Hash.newHash()
	var want [ChecksumSize]byte
	buf := make([]byte, 64<<10)
	for b := range l.Blocks(objectSize) {
		n := ceilDiv64(l.blockLen(objectSize, b), int64(l.K))
		if _, err := io.ReadFull(r, want[:]); err != nil {
			return verifyReadErr(b, err)
		}
		h.Reset()
		copied, err := io.CopyBuffer(h, io.LimitReader(r, n), buf)
		if err != nil {
			return verifyReadErr(b, err)
		}
		if copied < n {
			return verifyReadErr(b, io.ErrUnexpectedEOF)
		}
		if string(h.Sum(buf[:0])) != string(want[:]) {
			return fmt.Errorf("%w: block %d: checksum mismatch", ErrCorrupt, b)
		}
	}
	switch n, err := io.ReadFull(r, buf[:1]); {
	case n > 0:
		return fmt.Errorf("%w: stream longer than %d bytes", ErrCorrupt, l.ShardFileSize(objectSize))
	case err != nil && err != io.EOF:
		return fmt.Errorf("erasure: verify: reading past the last block: %w", err)
	}
	return nil
}

func verifyReadErr(block int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: block %d: stream ends early: %w", ErrCorrupt, block, err)
	}
	return fmt.Errorf("erasure: verify: block %d: %w", block, err)
}
