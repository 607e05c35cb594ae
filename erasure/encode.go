package erasure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/reedsolomon"
)

// pipelineDepth is the number of blocks one Encode keeps in flight: one is
// read and encoded while the previous one is checksummed and written.
const pipelineDepth = 2

// Encoder encodes objects into shard streams and decodes them back for one
// Layout. It is safe for concurrent use; its block buffers are pooled.
type Encoder struct {
	layout Layout
	sbs    int                 // shard block size of a full block
	rs     reedsolomon.Encoder // nil when M == 0

	blocks    sync.Pool // *encodeBlock
	shardBufs sync.Pool // *[]byte of ChecksumSize+sbs bytes
}

// NewEncoder returns an Encoder for l. A zero BlockSize becomes
// DefaultBlockSize.
func NewEncoder(l Layout) (*Encoder, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	l.BlockSize = l.blockSize()
	e := &Encoder{layout: l, sbs: l.ShardBlockSize()}
	if l.M > 0 {
		rs, err := reedsolomon.New(l.K, l.M)
		if err != nil {
			return nil, fmt.Errorf("erasure: %v: %w", l, err)
		}
		e.rs = rs
	}
	return e, nil
}

// Layout returns the layout of e, with BlockSize resolved.
func (e *Encoder) Layout() Layout { return e.layout }

// encodeBlock is one block in the Encode pipeline.
type encodeBlock struct {
	buf    []byte // K data shard blocks then M parity shard blocks, contiguous
	shards [][]byte
	sums   [][ChecksumSize]byte
	refs   atomic.Int32 // writers that still have to take this block
}

func (e *Encoder) getBlock() *encodeBlock {
	if b, ok := e.blocks.Get().(*encodeBlock); ok {
		return b
	}
	n := e.layout.Shards()
	return &encodeBlock{
		buf:    make([]byte, n*e.sbs),
		shards: make([][]byte, n),
		sums:   make([][ChecksumSize]byte, n),
	}
}

// fill reads the next block of r into b and encodes it. It returns the
// number of object bytes in the block; 0 with a nil error means r is done.
// A short block is the last one.
func (e *Encoder) fill(r io.Reader, b *encodeBlock) (int, error) {
	bs := e.layout.BlockSize
	n, err := io.ReadFull(r, b.buf[:bs])
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		err = nil
	case err != nil:
		return n, err
	}
	if n == 0 {
		return 0, nil
	}
	k := e.layout.K
	sbs := ceilDiv(n, k)
	// The data shards are the block's bytes cut in K; the tail of the last
	// one is zero padding. Parity shards follow the whole data region so
	// that a short block can use a shorter stride without moving bytes.
	clear(b.buf[n : k*sbs])
	for i := range k {
		b.shards[i] = b.buf[i*sbs : (i+1)*sbs]
	}
	parity := b.buf[k*e.sbs:]
	for i := range e.layout.M {
		b.shards[k+i] = parity[i*sbs : (i+1)*sbs]
	}
	if e.rs != nil {
		if err := e.rs.Encode(b.shards); err != nil {
			return n, fmt.Errorf("erasure: encoding block: %w", err)
		}
	}
	// Checksum the shards two at a time: the pairs share the AVX-512
	// HighwayHash kernel (sum2), half the cost of one at a time.
	h := e.layout.Hash
	for i := 0; i < len(b.shards); i += 2 {
		if i+1 < len(b.shards) {
			b.sums[i], b.sums[i+1] = h.sum2(b.shards[i], b.shards[i+1])
		} else {
			b.sums[i] = h.sum(b.shards[i])
		}
	}
	return n, nil
}

// Encode reads r to its end, cuts it into blocks and writes shard i of
// every block (checksum, then shard block) to shards[i], len(shards) ==
// K+M. Writes to the shards run in parallel, and the next block is read and
// encoded while the previous one is written, so memory stays at a few
// blocks whatever the object size.
//
// A nil writer, or one that returns an error, marks its shard failed
// (failed[i]); later blocks skip it. When fewer than quorum shards (at
// least K) remain usable, Encode stops and returns an error wrapping
// ErrWriteQuorum and the first writer error. An error from r is returned
// wrapped, so errors.Is finds the reader's own error. n is the number of
// object bytes read and encoded.
//
// Encode waits for every write it started before returning, also when ctx
// is cancelled; writers that may block must themselves give up when ctx is
// done.
func (e *Encoder) Encode(ctx context.Context, r io.Reader, shards []io.Writer, quorum int) (n int64, failed []bool, err error) {
	total := e.layout.Shards()
	if len(shards) != total {
		return 0, nil, fmt.Errorf("erasure: Encode got %d shard writers, layout %v needs %d", len(shards), e.layout, total)
	}
	quorum = max(quorum, e.layout.K)
	failed = make([]bool, total)
	errs := make([]error, total)
	var nfailed atomic.Int32
	for i, w := range shards {
		if w == nil {
			failed[i] = true
			errs[i] = fmt.Errorf("shard %d: no writer", i)
			nfailed.Add(1)
		}
	}
	// quorumErr must only run while no writer goroutine is running.
	quorumErr := func() error {
		return fmt.Errorf("%w: %d of %d shards usable, need %d: %w",
			ErrWriteQuorum, total-int(nfailed.Load()), total, quorum, errors.Join(errs...))
	}
	if total-int(nfailed.Load()) < quorum {
		return 0, failed, quorumErr()
	}

	free := make(chan *encodeBlock, pipelineDepth)
	for range pipelineDepth {
		free <- e.getBlock()
	}
	release := func(b *encodeBlock) {
		if b.refs.Add(-1) == 0 {
			free <- b
		}
	}

	// One long-lived goroutine per writer writes its shard of each block.
	writers := int32(total - int(nfailed.Load()))
	var wg sync.WaitGroup
	queues := make([]chan *encodeBlock, total)
	for i, w := range shards {
		if w == nil {
			continue
		}
		q := make(chan *encodeBlock, pipelineDepth)
		queues[i] = q
		wg.Go(func() {
			dead := false
			for b := range q {
				if !dead {
					s := b.shards[i]
					err := writeFull(w, b.sums[i][:])
					if err == nil {
						err = writeFull(w, s)
					}
					if err != nil {
						dead = true
						errs[i] = fmt.Errorf("shard %d: %w", i, err)
						failed[i] = true
						nfailed.Add(1)
					}
				}
				release(b)
			}
		})
	}
	for {
		var b *encodeBlock
		select {
		case b = <-free:
		case <-ctx.Done():
			err = fmt.Errorf("erasure: encode: %w", context.Cause(ctx))
		}
		if err != nil {
			break
		}
		if total-int(nfailed.Load()) < quorum {
			free <- b
			break // reported below, once the writers are done
		}
		bn, rerr := e.fill(r, b)
		if rerr != nil {
			free <- b
			err = fmt.Errorf("erasure: reading object: %w", rerr)
			break
		}
		n += int64(bn)
		if bn == 0 {
			free <- b
			break
		}
		b.refs.Store(writers)
		for _, q := range queues {
			if q != nil {
				q <- b
			}
		}
		if bn < e.layout.BlockSize {
			break // a short block is the last one
		}
	}
	for _, q := range queues {
		if q != nil {
			close(q)
		}
	}
	wg.Wait()
	for range pipelineDepth {
		e.blocks.Put(<-free)
	}
	if err == nil && total-int(nfailed.Load()) < quorum {
		err = quorumErr()
	}
	return n, failed, err
}

// writeFull writes all of p, turning a short write into an error.
func writeFull(w io.Writer, p []byte) error {
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return err
}
