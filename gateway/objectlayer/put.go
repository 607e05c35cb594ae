package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/gateway/checksum"
	"github.com/zones3/zones3/storage"
)

// PutObject stores body as the new current version of bucket/key. Nothing
// becomes visible unless the body was read to its end, opts.Seal accepted
// it and a write quorum of the placed nodes committed it.
//
// IfNoneMatchStar and IfMatch are checked against the version read before
// the write: they stop the common mistakes, but two gateways writing one
// key at once may both pass them.
func (l *Layer) PutObject(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (ObjectInfo, error) {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return ObjectInfo{}, err
	}
	// The current version is read while the body arrives: it answers the
	// preconditions, moves the clock past it, and names the shard files
	// the write replaces.
	pre := l.prefetch(ctx, bucket, key)
	defer pre.wait()
	if opts.Size >= 0 && opts.Size <= int64(l.inlineLimit) {
		return l.putInline(ctx, bucket, key, body, opts, pre)
	}
	return l.putLarge(ctx, bucket, key, body, opts, pre)
}

// prefetched is the read a write makes in the background: the bucket's
// versioning state and what the placed nodes hold of the key.
type prefetched struct {
	st    *objectState
	state VersioningState
	// null holds the null version's v/ records (by slot) when the bucket
	// has versioning suspended: a new null version replaces it.
	null []*objectRecord
	err  error
	done chan struct{}
}

func (l *Layer) prefetch(ctx context.Context, bucket, key string) *prefetched {
	p := &prefetched{st: &objectState{placed: l.topo.Place(bucket, key)}, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		// The state is nearly always cached; the key's records are read
		// at once beside it, the null version's once the state says so.
		forEach(2, func(i int) {
			if i == 0 {
				p.state, p.err = l.versioning(ctx, bucket, false)
			} else {
				l.fetchObject(ctx, p.st, objectKey(bucket, key))
			}
		})
		if p.err != nil {
			return
		}
		p.st.choose(l.topo.WriteQuorum())
		if p.state == VersioningOff && p.st.anyVersioned() {
			// The key has versions: the bucket had versioning after all,
			// and this gateway's cached state is behind.
			p.state, p.err = l.versioning(ctx, bucket, true)
		}
		if p.err == nil && p.state == VersioningSuspended {
			p.fetchNull(ctx, l, bucket, key)
		}
	}()
	return p
}

// fetchNull reads the null version's v/ records.
func (p *prefetched) fetchNull(ctx context.Context, l *Layer, bucket, key string) {
	ns := &objectState{placed: p.st.placed}
	l.fetchObject(ctx, ns, versionKey(prefixVersion, bucket, key, ""))
	p.null = ns.recs
}

func (p *prefetched) wait() *objectState {
	<-p.done
	return p.st
}

// anyVersioned reports whether a node holds a record of the key written
// under versioning.
func (st *objectState) anyVersioned() bool {
	for _, r := range st.recs {
		if r != nil && r.versioned {
			return true
		}
	}
	return false
}

// stamp makes rec a new version created at rec.hlc under the bucket's
// versioning state.
func (p *prefetched) stamp(rec *objectRecord) {
	rec.modified = rec.hlc
	rec.versionID = newVersionID(rec.hlc)
	rec.versioned = p.state != VersioningOff
	rec.hasVersionID = p.state == VersioningEnabled
}

// versionKeys are the keys a new version of one key is written under.
type versionKeys struct {
	okey, lkey, vkey, wkey []byte
	nullV, nullW           []byte // the null version's, for archiveOps
}

func (p *prefetched) keys(bucket, key string, rec *objectRecord) versionKeys {
	k := versionKeys{okey: objectKey(bucket, key), lkey: listKey(bucket, key)}
	if rec.versioned {
		slot := slotOf(rec.hasVersionID, rec.versionID)
		k.vkey = versionKey(prefixVersion, bucket, key, slot)
		k.wkey = versionKey(prefixVersionList, bucket, key, slot)
		k.nullV = versionKey(prefixVersion, bucket, key, "")
		k.nullW = versionKey(prefixVersionList, bucket, key, "")
	}
	return k
}

// ops returns what commits the new version rec on slot j: value is that
// node's record, entry the list entry, shard the temporary shard file to
// commit with it ("" for none).
//
// Without versioning the version replaces the key's record (o/, l/).
// With versioning it is also written as a version of its own (v/, w/),
// and the shard file is tied to that record: a version that lost the race
// to be current stays a noncurrent version with its data. With versioning
// enabled, a current null version from before versioning is kept as the
// null version in the same batch.
func (p *prefetched) ops(k versionKeys, rec *objectRecord, j int, value, entry []byte, shard string) []storage.Op {
	h := rec.hlc
	if !rec.versioned {
		ops := make([]storage.Op, 0, 3)
		ops = append(ops,
			storage.Op{Kind: storage.OpPutIfNewer, Key: k.okey, Value: value, HLC: h},
			storage.Op{Kind: storage.OpPutIfNewer, Key: k.lkey, Value: entry, HLC: h})
		if shard != "" {
			ops = append(ops, storage.Op{Kind: storage.OpCommitShard, Key: k.okey, Name: shard})
		}
		return ops
	}
	ops := make([]storage.Op, 0, 7)
	if p.state == VersioningEnabled {
		ops = append(ops, p.archiveOps(k, j)...)
	}
	ops = append(ops, storage.Op{Kind: storage.OpPutIfNewer, Key: k.vkey, Value: value, HLC: h})
	if shard != "" {
		ops = append(ops, storage.Op{Kind: storage.OpCommitShard, Key: k.vkey, Name: shard})
	}
	return append(ops,
		storage.Op{Kind: storage.OpPutIfNewer, Key: k.wkey, Value: entry, HLC: h},
		storage.Op{Kind: storage.OpPutIfNewer, Key: k.okey, Value: value, HLC: h},
		storage.Op{Kind: storage.OpPutIfNewer, Key: k.lkey, Value: entry, HLC: h})
}

// archiveOps keeps slot j's current record, when it is a null version
// written before the bucket had versioning (it has no v/ record), as the
// null version: it is about to stop being current. A node's stale record
// of an older version is left alone.
func (p *prefetched) archiveOps(k versionKeys, j int) []storage.Op {
	r := p.st.recs[j]
	if r == nil || r.tombstone || r.versioned || !sameVersion(r, p.st.cur) {
		return nil
	}
	a := *r
	a.versioned, a.hasVersionID = true, false
	return []storage.Op{
		{Kind: storage.OpPutIfNewer, Key: k.nullV, Value: a.marshal(), HLC: a.hlc},
		{Kind: storage.OpPutIfNewer, Key: k.nullW, Value: entryOf(&a).marshal(), HLC: a.hlc},
	}
}

// forgetReplaced leaves the replaced versions' shard files behind: the
// write could not tell them on enough nodes.
func (p *prefetched) forgetReplaced() {
	p.st.recs = make([]*objectRecord, len(p.st.placed))
	p.null = nil
}

// replaced names, by slot, the shard files that a new version makes
// garbage once it holds: the current version's without versioning, the
// null version's with versioning suspended, none with it enabled.
func (p *prefetched) replaced() [][]string {
	names := make([][]string, len(p.st.placed))
	if p.state == VersioningEnabled {
		return names
	}
	for j := range names {
		if r := p.st.recs[j]; r != nil && !r.versioned {
			names[j] = r.shardNames()
		}
		if p.state == VersioningSuspended && p.null != nil {
			for _, n := range p.null[j].shardNames() {
				if !slices.Contains(names[j], n) {
					names[j] = append(names[j], n)
				}
			}
		}
	}
	return names
}

// checkPreconditions evaluates IfNoneMatchStar and IfMatch against the
// current version.
func (l *Layer) checkPreconditions(ctx context.Context, bucket, key string, opts PutOptions, pre *prefetched) error {
	if !opts.IfNoneMatchStar && opts.IfMatch == "" {
		return nil
	}
	st := pre.wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if pre.err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, pre.err)
	}
	if st.answered < l.topo.ReadQuorum() {
		return quorumError("put "+bucket+"/"+key, st.answered, l.topo.ReadQuorum(), st.errs)
	}
	cur := st.live()
	if opts.IfNoneMatchStar && cur != nil {
		return fmt.Errorf("put %s/%s: object exists: %w", bucket, key, ErrPreconditionFailed)
	}
	if opts.IfMatch != "" {
		if cur == nil {
			// S3 answers If-Match on a missing key with 404 NoSuchKey.
			return fmt.Errorf("put %s/%s: If-Match: %w", bucket, key, ErrNoSuchKey)
		}
		if want := strings.Trim(opts.IfMatch, `"`); want != "*" && want != cur.etag {
			return fmt.Errorf("put %s/%s: ETag %q: %w", bucket, key, cur.etag, ErrPreconditionFailed)
		}
	}
	return nil
}

// seal calls opts.Seal, if any.
func seal(opts PutOptions) (etag string, sums map[string]string, err error) {
	if opts.Seal == nil {
		return "", nil, nil
	}
	return opts.Seal()
}

func checksumType(sums map[string]string) string {
	if len(sums) == 0 {
		return ""
	}
	return "FULL_OBJECT"
}

// readToEOF reads r to its end, which must come now: a body with more bytes
// than declared is an error. The end of the body is where the caller's
// readers verify their digests.
func readToEOF(r io.Reader) error {
	var b [1]byte
	for range 100 {
		n, err := r.Read(b[:])
		if n > 0 {
			return checksum.ErrBodyTooLong
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// bodyError wraps an error of reading the body.
func bodyError(op string, size, n int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: body ended after %d of %d bytes: %w", op, n, size, checksum.ErrIncompleteBody)
	}
	return fmt.Errorf("%s: reading body: %w", op, err)
}

// appendWriter appends what is written to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// bodyBuf returns a pooled buffer for a body of up to inlineLimit bytes.
func (l *Layer) bodyBuf() *[]byte {
	if p, ok := l.bodyBufs.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, l.inlineLimit)
	return &b
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func (l *Layer) getRecordBuf(size int) []byte {
	if p, ok := l.recordBufs.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, max(size, 4<<10))
}

func (l *Layer) putRecordBuf(b []byte) {
	if cap(b) <= 2*l.inlineLimit+64<<10 {
		l.recordBufs.Put(&b)
	}
}

// holderIDs names the nodes of placed, in shard order.
func (l *Layer) holderIDs(placed []int) []string {
	ids := make([]string, len(placed))
	for j, i := range placed {
		ids[j] = l.nodes[i].ID()
	}
	return ids
}

// putInline stores a small object in its records: the body is encoded in
// memory, and each placed node gets its shard inside one conditional put.
func (l *Layer) putInline(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions, pre *prefetched) (ObjectInfo, error) {
	op := "put " + bucket + "/" + key
	size := opts.Size
	bufp := l.bodyBuf()
	defer l.bodyBufs.Put(bufp)
	data := (*bufp)[:size]
	if n, err := io.ReadFull(body, data); err != nil {
		return ObjectInfo{}, bodyError(op, size, int64(n), err)
	}
	if err := readToEOF(body); err != nil {
		return ObjectInfo{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := l.checkPreconditions(ctx, bucket, key, opts, pre); err != nil {
		return ObjectInfo{}, err
	}
	etag, sums, err := seal(opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	st := pre.wait()
	if pre.err != nil {
		return ObjectInfo{}, fmt.Errorf("%s: %w", op, pre.err)
	}
	rec := &objectRecord{
		hlc:          l.clock.next(),
		inline:       true,
		size:         size,
		etag:         etag,
		header:       opts.Header,
		checksums:    sums,
		checksumType: checksumType(sums),
		layout:       l.inlineLayout(size),
		holders:      l.holderIDs(st.placed),
		tags:         opts.Tags,
	}
	pre.stamp(rec)
	shardSize := int(rec.layout.ShardFileSize(size))
	n := len(st.placed)
	common := rec.appendCommon(l.getRecordBuf(256))
	writers := make([]io.Writer, n)
	aw := make([]appendWriter, n)
	for j := range n {
		b := l.getRecordBuf(len(common) + 20 + shardSize)
		b = append(b, common...)
		aw[j].b = appendNode(b, j, shardSize)
		writers[j] = &aw[j]
	}
	l.putRecordBuf(common)
	enc, err := l.encoder(rec.layout)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("%s: %w", op, err)
	}
	if _, _, err := enc.Encode(ctx, bytesReader(data), writers, n); err != nil {
		return ObjectInfo{}, fmt.Errorf("%s: encoding: %w", op, err)
	}
	entry := entryOf(rec).marshal()
	keys := pre.keys(bucket, key, rec)
	errs, res := l.applySlotsTraced(ctx, st.placed, func(j int) []storage.Op {
		return pre.ops(keys, rec, j, aw[j].b, entry, "")
	})
	info, err := l.committed(ctx, op, bucket, key, rec, pre, errs, res)
	for j, err := range errs {
		if err == nil {
			l.putRecordBuf(aw[j].b)
		}
	}
	return info, err
}

// inlineLayout is the layout of an inline object of size bytes: one block
// of the next power of two (at least 4 KiB), so that encoding and decoding
// it take buffers of its size, not of a full block. The few size classes
// keep the number of encoders small.
func (l *Layer) inlineLayout(size int64) erasure.Layout {
	layout := l.layout
	bs := 4 << 10
	for int64(bs) < size && bs < layout.BlockSize {
		bs <<= 1
	}
	layout.BlockSize = min(max(bs, layout.K), layout.BlockSize)
	return layout
}

// committed finishes a write: it checks the write quorum and queues the
// removal of the shard files of the versions it replaced. A versioned
// write whose version record and current record took different sides of
// a race on some node (res, nil for unversioned writes) settles which
// version is current.
func (l *Layer) committed(ctx context.Context, op, bucket, key string, rec *objectRecord, pre *prefetched, errs []error, res []slotApply) (ObjectInfo, error) {
	ok := countNil(errs)
	if ok < l.topo.WriteQuorum() {
		return ObjectInfo{}, quorumError(op, ok, l.topo.WriteQuorum(), errs)
	}
	if ok < len(errs) {
		l.log.Debug("write missed nodes", "bucket", bucket, "key", key, "committed", ok, "placed", len(errs))
		l.queueRepair(bucket, key, len(errs)-ok, false, "write missed nodes")
	}
	l.removeReplaced(pre, errs)
	if rec.versioned && res != nil {
		k := pre.keys(bucket, key, rec)
		if raced(res, errs, k.vkey, k.okey) {
			l.settleHead(ctx, bucket, key)
		}
	}
	return objectInfo(bucket, key, rec), nil
}

// removeReplaced removes the shard files the write replaced (see
// prefetched.replaced), on the nodes where the new version was written
// (errs[j] == nil). Once a write quorum holds a newer version these files
// are garbage whether or not the conditional put won on that node: a
// record that beat it is newer still.
func (l *Layer) removeReplaced(pre *prefetched, errs []error) {
	names := pre.replaced()
	for j := range names {
		if errs[j] != nil {
			names[j] = nil
		}
	}
	l.removeShards(pre.st.placed, names)
}

// applySlots applies ops(j) on placed[j] for every slot j whose ops are not
// nil, in parallel, and returns each slot's error (errSkipped for slots
// without ops).
func (l *Layer) applySlots(ctx context.Context, placed []int, ops func(j int) []storage.Op) []error {
	errs, _ := l.applySlotsTraced(ctx, placed, ops)
	return errs
}

// slotApply is what one slot of a write sent and which of its ops the
// node applied.
type slotApply struct {
	ops     []storage.Op
	applied []bool
}

// applySlotsTraced is applySlots that also returns each slot's ops and
// the node's answer of which it applied.
func (l *Layer) applySlotsTraced(ctx context.Context, placed []int, ops func(j int) []storage.Op) ([]error, []slotApply) {
	errs := make([]error, len(placed))
	res := make([]slotApply, len(placed))
	forEach(len(placed), func(j int) {
		o := ops(j)
		if o == nil {
			errs[j] = errSkipped
			return
		}
		res[j].ops = o
		res[j].applied, errs[j] = l.apply(ctx, placed[j], storage.Batch{Ops: o})
	})
	return errs, res
}

// errSkipped marks a slot a write did not go to.
var errSkipped = errors.New("shard not written")

// putLarge streams the body into shard files and commits them with the
// records.
func (l *Layer) putLarge(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions, pre *prefetched) (ObjectInfo, error) {
	op := "put " + bucket + "/" + key
	if err := l.checkPreconditions(ctx, bucket, key, opts, pre); err != nil {
		return ObjectInfo{}, err
	}
	layout := l.layout
	if opts.Size < 0 || opts.Size > int64(layout.BlockSize) {
		layout = l.streamLayout
	}
	up, err := l.uploadShards(ctx, op, pre.st.placed, layout, body, opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	st := pre.wait()
	if pre.err != nil {
		up.abort(l, nil)
		return ObjectInfo{}, fmt.Errorf("%s: %w", op, pre.err)
	}
	rec := &objectRecord{
		hlc:          l.clock.next(),
		size:         up.size,
		etag:         up.etag,
		header:       opts.Header,
		checksums:    up.checksums,
		checksumType: checksumType(up.checksums),
		layout:       layout,
		dataID:       up.dataID,
		holders:      l.holderIDs(st.placed),
		tags:         opts.Tags,
	}
	pre.stamp(rec)
	common := rec.appendCommon(nil)
	entry := entryOf(rec).marshal()
	keys := pre.keys(bucket, key, rec)
	errs, res := l.applySlotsTraced(ctx, st.placed, func(j int) []storage.Op {
		if !up.ok[j] {
			return nil
		}
		value := appendNode(append(make([]byte, 0, len(common)+4), common...), j, 0)
		return pre.ops(keys, rec, j, value, entry, up.names[j])
	})
	up.abort(l, errs)
	return l.committed(ctx, op, bucket, key, rec, pre, errs, res)
}

// shardUpload is a body streamed into temporary shard files.
type shardUpload struct {
	placed    []int
	dataID    string
	names     []string // shard file of each slot
	ok        []bool   // slot holds a complete temporary shard
	size      int64
	etag      string
	checksums map[string]string
}

// uploadShards encodes body into temporary shard files on the placed
// nodes, then seals it. On any error the temporary files are aborted.
func (l *Layer) uploadShards(ctx context.Context, op string, placed []int, layout erasure.Layout, body io.Reader, opts PutOptions) (*shardUpload, error) {
	n := len(placed)
	up := &shardUpload{placed: placed, dataID: newDataID(), names: make([]string, n), ok: make([]bool, n)}
	enc, err := l.encoder(layout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	writers := make([]io.Writer, n)
	pipes := make([]*io.PipeWriter, n)
	created := make([]error, n)
	var wg sync.WaitGroup
	for j, i := range placed {
		up.names[j] = shardName(up.dataID, j)
		if !l.health.usable(i) {
			created[j] = errNodeDown
			continue
		}
		pr, pw := io.Pipe()
		writers[j], pipes[j] = pw, pw
		wg.Go(func() {
			_, err := l.nodes[i].CreateShard(cctx, up.names[j], pr)
			l.health.observe(cctx, i, err)
			if err == nil {
				err = errShardClosed
			} else {
				created[j] = err
			}
			pr.CloseWithError(err)
		})
	}
	// The body's own error explains a failure better than the shard
	// writers that a cancelled request context (the client went away)
	// stops first.
	br := &errRecordingReader{r: body}
	size, failed, err := enc.Encode(cctx, br, writers, l.topo.WriteQuorum())
	if err == nil && opts.Size >= 0 && size != opts.Size {
		err = fmt.Errorf("body of %d bytes, declared %d: %w", size, opts.Size, checksum.ErrIncompleteBody)
		if size > opts.Size {
			err = fmt.Errorf("body longer than the declared %d bytes: %w", opts.Size, checksum.ErrBodyTooLong)
		}
	}
	for j, pw := range pipes {
		if pw == nil {
			continue
		}
		if err != nil || failed[j] {
			pw.CloseWithError(errShardAborted)
		} else {
			pw.Close()
		}
	}
	wg.Wait()
	for j := range n {
		up.ok[j] = pipes[j] != nil && !failed[j] && created[j] == nil
	}
	if err != nil {
		up.abort(l, nil)
		if br.err != nil {
			return nil, fmt.Errorf("%s: reading the body: %w", op, br.err)
		}
		if errors.Is(err, erasure.ErrWriteQuorum) {
			return nil, fmt.Errorf("%s: %w: %v", op, ErrQuorum, err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", op, context.Cause(ctx))
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	good := 0
	for _, ok := range up.ok {
		if ok {
			good++
		}
	}
	if good < l.topo.WriteQuorum() {
		up.abort(l, nil)
		return nil, quorumError(op, good, l.topo.WriteQuorum(), created)
	}
	up.size = size
	up.etag, up.checksums, err = seal(opts)
	if err != nil {
		up.abort(l, nil)
		return nil, err
	}
	return up, nil
}

var (
	errShardClosed  = errors.New("shard writer closed")
	errShardAborted = errors.New("shard upload aborted")
)

// abort removes, in the background, the temporary shards that were not
// committed: all of them when errs is nil, else those of the slots whose
// commit failed.
func (up *shardUpload) abort(l *Layer, errs []error) {
	names := make([][]string, len(up.placed))
	any := false
	for j := range up.placed {
		if up.ok[j] && (errs == nil || errs[j] != nil) {
			names[j] = []string{up.names[j]}
			any = true
		}
	}
	if !any {
		return
	}
	l.background(func(ctx context.Context) {
		forEach(len(up.placed), func(j int) {
			if names[j] == nil {
				return
			}
			_, err := l.apply(ctx, up.placed[j], storage.Batch{Ops: []storage.Op{{Kind: storage.OpAbortShard, Name: names[j][0]}}})
			if err != nil {
				l.log.Debug("aborting temporary shard", "node", l.nodes[up.placed[j]].ID(), "shard", names[j][0], "err", err)
			}
		})
	})
}

// errRecordingReader remembers the first error other than io.EOF that its
// reader returned.
type errRecordingReader struct {
	r   io.Reader
	err error
}

func (e *errRecordingReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}
