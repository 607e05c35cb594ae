package erasure

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Decode writes the object bytes [offset, offset+length) to w; length -1
// means to the end of the object. It opens only the shard byte ranges that
// hold the blocks it needs and reads the K data shards when it can, so an
// intact object costs checksum checks and copies only. When a shard cannot
// be opened or read, or a block checksum does not match, Decode notes it in
// the report and reads a parity shard instead, from that block on, and
// reconstructs the data. When fewer than K intact shards remain for a block
// it returns an error wrapping ErrReadQuorum.
//
// Shard streams are read in parallel, one block ahead of what is being
// written to w. Every reader open returned is closed before Decode returns.
// The report is valid also when err is not nil.
func (e *Encoder) Decode(ctx context.Context, w io.Writer, open ShardOpener, objectSize, offset, length int64) (DecodeReport, error) {
	if length == -1 {
		length = objectSize - offset
	}
	if offset < 0 || length < 0 || objectSize < 0 || offset > objectSize || length > objectSize-offset {
		return DecodeReport{}, fmt.Errorf("%w: [%d, %d+%d) of %d bytes", ErrRange, offset, offset, length, objectSize)
	}
	if length == 0 {
		return DecodeReport{}, nil
	}
	l := e.layout
	bs := int64(l.BlockSize)
	end := offset + length
	br := e.newBlockReader(ctx, open, objectSize, offset/bs, (end-1)/bs, nil)
	defer br.close()

	k := l.K
	shards := make([][]byte, l.Shards())
	var scratch [][]byte // reconstruction targets, by data shard
	defer func() {
		for _, s := range scratch {
			if s != nil {
				br.putBuf(s)
			}
		}
	}()
	for b := br.first; b <= br.last; b++ {
		if err := br.read(b, shards); err != nil {
			return br.report(), err
		}
		blockStart := b * bs
		blen := l.blockLen(objectSize, b)
		sbs := ceilDiv64(blen, int64(k))
		if hasNil(shards[:k]) {
			if scratch == nil {
				scratch = make([][]byte, k)
			}
			for j := range k {
				if shards[j] == nil {
					if scratch[j] == nil {
						scratch[j] = br.getBuf()
					}
					shards[j] = scratch[j][:0]
				}
			}
			if err := e.rs.ReconstructData(shards); err != nil {
				return br.report(), fmt.Errorf("erasure: reconstructing block %d: %w", b, err)
			}
		}
		// Write the part of the block inside the range: [lo, hi) relative
		// to the block, which data shard j holds at [j*sbs, (j+1)*sbs).
		lo, hi := max(offset, blockStart)-blockStart, min(end, blockStart+blen)-blockStart
		for j := lo / sbs; j < int64(k) && j*sbs < hi; j++ {
			s := shards[j]
			from, to := max(lo-j*sbs, 0), min(hi-j*sbs, sbs)
			if err := writeFull(w, s[from:to]); err != nil {
				return br.report(), fmt.Errorf("erasure: writing object: %w", err)
			}
		}
		br.done()
	}
	return br.report(), nil
}

// Rebuild writes complete shard files for the shards whose targets[i] is
// not nil (len(targets) == K+M), reconstructed from K intact other shards:
// the repair of a missing or corrupt shard. The rebuilt shards are not
// read. The report says which sources were found missing or corrupt on the
// way.
func (e *Encoder) Rebuild(ctx context.Context, open ShardOpener, objectSize int64, targets []io.Writer) (DecodeReport, error) {
	l := e.layout
	if len(targets) != l.Shards() {
		return DecodeReport{}, fmt.Errorf("erasure: Rebuild got %d targets, layout %v has %d shards", len(targets), l, l.Shards())
	}
	if objectSize < 0 {
		return DecodeReport{}, fmt.Errorf("%w: object size %d", ErrRange, objectSize)
	}
	required := make([]bool, l.Shards())
	for i, t := range targets {
		required[i] = t != nil
	}
	if objectSize == 0 || !slices.Contains(required, true) {
		return DecodeReport{}, nil
	}
	br := e.newBlockReader(ctx, open, objectSize, 0, l.Blocks(objectSize)-1, required)
	defer br.close()

	shards := make([][]byte, l.Shards())
	scratch := make([][]byte, l.Shards())
	defer func() {
		for _, s := range scratch {
			if s != nil {
				br.putBuf(s)
			}
		}
	}()
	for b := br.first; b <= br.last; b++ {
		if err := br.read(b, shards); err != nil {
			return br.report(), err
		}
		for i, s := range shards {
			if s == nil {
				if scratch[i] == nil {
					scratch[i] = br.getBuf()
				}
				shards[i] = scratch[i][:0]
			}
		}
		if err := e.rs.ReconstructSome(shards, required); err != nil {
			return br.report(), fmt.Errorf("erasure: reconstructing block %d: %w", b, err)
		}
		for i, t := range targets {
			if t == nil {
				continue
			}
			sum := l.Hash.sum(shards[i])
			err := writeFull(t, sum[:])
			if err == nil {
				err = writeFull(t, shards[i])
			}
			if err != nil {
				return br.report(), fmt.Errorf("erasure: writing rebuilt shard %d: %w", i, err)
			}
		}
		br.done()
	}
	return br.report(), nil
}

// blockReader reads blocks first..last of an object from K shard streams,
// replacing a stream that fails with the next untried shard.
type blockReader struct {
	e           *Encoder
	ctx         context.Context
	cancel      context.CancelFunc
	open        ShardOpener
	objectSize  int64
	first, last int64
	shardEnd    int64  // end of the shard byte range that holds block last
	skip        []bool // shards never to read

	stop    chan struct{}
	wg      sync.WaitGroup
	next    int            // next shard to try
	alive   []*shardStream // streams that delivered the last block
	queue   []*shardStream // scratch for read
	started []*shardStream

	missing, corrupt []int
	lastErr          error
}

// shardStream reads one shard, one block ahead of its consumer.
type shardStream struct {
	idx  int
	out  chan streamResult
	free chan int // indexes into bufs
	bufs [2][]byte
	cur  int    // the buffer of the block the consumer holds
	sum  []byte // the stored checksum of that block
}

type streamResult struct {
	data []byte // the shard block, not yet verified
	sum  []byte // its stored checksum
	buf  int    // which of the stream's bufs holds data and sum
	err  error
}

func (e *Encoder) newBlockReader(ctx context.Context, open ShardOpener, objectSize, first, last int64, skip []bool) *blockReader {
	ctx, cancel := context.WithCancel(ctx)
	l := e.layout
	shardEnd := (last + 1) * l.shardStride()
	if last == l.Blocks(objectSize)-1 {
		shardEnd = l.ShardFileSize(objectSize)
	}
	return &blockReader{
		e: e, ctx: ctx, cancel: cancel, open: open,
		objectSize: objectSize, first: first, last: last, shardEnd: shardEnd,
		skip: skip, stop: make(chan struct{}),
	}
}

func (br *blockReader) getBuf() []byte {
	if p, ok := br.e.shardBufs.Get().(*[]byte); ok {
		return *p
	}
	return make([]byte, ChecksumSize+br.e.sbs)
}

func (br *blockReader) putBuf(b []byte) {
	b = b[:cap(b)]
	br.e.shardBufs.Put(&b)
}

// nextShard returns the next shard to try, or -1 when none is left.
func (br *blockReader) nextShard() int {
	for ; br.next < br.e.layout.Shards(); br.next++ {
		if br.skip == nil || !br.skip[br.next] {
			br.next++
			return br.next - 1
		}
	}
	return -1
}

// start opens shard idx from block b on and reads it in a goroutine.
func (br *blockReader) start(idx int, from int64) *shardStream {
	s := &shardStream{
		idx:  idx,
		out:  make(chan streamResult, 1),
		free: make(chan int, 2),
		bufs: [2][]byte{br.getBuf(), br.getBuf()},
	}
	s.free <- 0
	s.free <- 1
	br.started = append(br.started, s)
	br.wg.Go(func() { br.run(s, from) })
	return s
}

func (br *blockReader) run(s *shardStream, from int64) {
	l := br.e.layout
	send := func(r streamResult) {
		select {
		case s.out <- r:
		case <-br.stop:
		}
	}
	off := from * l.shardStride()
	rc, err := br.open(br.ctx, s.idx, off, br.shardEnd-off)
	if err != nil {
		if rc != nil {
			rc.Close()
		}
		send(streamResult{err: fmt.Errorf("shard %d: open: %w", s.idx, err)})
		return
	}
	defer rc.Close()
	for b := from; b <= br.last; b++ {
		var bi int
		select {
		case bi = <-s.free:
		case <-br.stop:
			return
		}
		n := ChecksumSize + int(ceilDiv64(l.blockLen(br.objectSize, b), int64(l.K)))
		buf := s.bufs[bi][:n]
		if _, err := io.ReadFull(rc, buf); err != nil {
			send(streamResult{err: fmt.Errorf("shard %d: block %d: %w", s.idx, b, err)})
			return
		}
		// The consumer verifies the checksum: it has the block's K shards
		// and checksums them two at a time (sum2).
		send(streamResult{data: buf[ChecksumSize:], sum: buf[:ChecksumSize], buf: bi})
	}
}

// read fills shards[i] with shard i of block b for K intact shards and
// sets the others to nil.
func (br *blockReader) read(b int64, shards [][]byte) error {
	k := br.e.layout.K
	clear(shards)
	br.queue = append(br.queue[:0], br.alive...)
	br.alive = br.alive[:0]
	for {
		received := len(br.alive)
		if err := br.receive(b, shards); err != nil {
			return err
		}
		if len(br.alive) < k {
			return fmt.Errorf("%w: block %d: %d intact of %d shards, need %d: %w",
				ErrReadQuorum, b, len(br.alive), br.e.layout.Shards(), k, br.lastErr)
		}
		if br.verify(b, shards, received) {
			return nil
		}
	}
}

// receive takes block b from the streams in br.queue, and from streams it
// starts in place of those that fail, until br.alive holds K or no shard is
// left. It empties br.queue.
func (br *blockReader) receive(b int64, shards [][]byte) error {
	k := br.e.layout.K
	for len(br.alive)+len(br.queue) < k {
		idx := br.nextShard()
		if idx < 0 {
			break
		}
		br.queue = append(br.queue, br.start(idx, b))
	}
	defer func() { br.queue = br.queue[:0] }()
	for i := 0; i < len(br.queue); i++ {
		s := br.queue[i]
		var r streamResult
		select {
		case r = <-s.out:
		case <-br.ctx.Done():
			return fmt.Errorf("erasure: decode: %w", context.Cause(br.ctx))
		}
		if r.err != nil {
			if err := br.ctx.Err(); err != nil {
				// The stream failed because the caller gave up, not the shard.
				return fmt.Errorf("erasure: decode: %w", context.Cause(br.ctx))
			}
			br.missing = append(br.missing, s.idx)
			br.lastErr = r.err
			if idx := br.nextShard(); idx >= 0 {
				br.queue = append(br.queue, br.start(idx, b))
			}
			continue
		}
		shards[s.idx] = r.data
		s.cur, s.sum = r.buf, r.sum
		br.alive = append(br.alive, s)
	}
	return nil
}

// verify checks the blocks of br.alive[from:], two at a time. A stream
// whose block fails is dropped from br.alive (its goroutine waits for
// close) and counted corrupt; verify then reports false, and read takes
// the block from another shard.
func (br *blockReader) verify(b int64, shards [][]byte, from int) bool {
	h := br.e.layout.Hash
	check := br.alive[from:]
	var bad []int // indexes into check; nil while all match
	for i := 0; i < len(check); i += 2 {
		var sums [2][ChecksumSize]byte
		n := min(2, len(check)-i)
		if n == 2 {
			sums[0], sums[1] = h.sum2(shards[check[i].idx], shards[check[i+1].idx])
		} else {
			sums[0] = h.sum(shards[check[i].idx])
		}
		for j := range n {
			if string(sums[j][:]) != string(check[i+j].sum) {
				bad = append(bad, i+j)
			}
		}
	}
	if bad == nil {
		return true
	}
	kept := br.alive[:from]
	for i, s := range check {
		if !slices.Contains(bad, i) {
			kept = append(kept, s)
			continue
		}
		br.corrupt = append(br.corrupt, s.idx)
		br.lastErr = fmt.Errorf("shard %d: block %d: %w: checksum mismatch", s.idx, b, ErrCorrupt)
		shards[s.idx] = nil
	}
	br.alive = kept
	return false
}

// done hands the buffers of the last block back to their streams.
func (br *blockReader) done() {
	for _, s := range br.alive {
		s.free <- s.cur
	}
}

func (br *blockReader) report() DecodeReport {
	r := DecodeReport{Missing: slices.Clone(br.missing), Corrupt: slices.Clone(br.corrupt)}
	slices.Sort(r.Missing)
	slices.Sort(r.Corrupt)
	return r
}

// close stops every stream, waits for it to close its reader and returns
// the buffers to the pool.
func (br *blockReader) close() {
	br.cancel()
	close(br.stop)
	br.wg.Wait()
	for _, s := range br.started {
		br.putBuf(s.bufs[0])
		br.putBuf(s.bufs[1])
	}
}

func hasNil(shards [][]byte) bool {
	for _, s := range shards {
		if s == nil {
			return true
		}
	}
	return false
}
