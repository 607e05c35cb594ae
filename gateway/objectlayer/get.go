package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/storage"
)

// objectState is what the placed nodes of one key hold of it.
type objectState struct {
	placed   []int           // node indexes, in shard order
	recs     []*objectRecord // by slot; nil when the node has none or did not answer
	errs     []error         // by slot; nil when the node answered (also "not found")
	answered int

	cur     *objectRecord // the current version, nil when there is none
	holders []int         // slots whose record is cur's version
}

// readObject reads the key's record from every placed node and picks the
// current version; see choose.
func (l *Layer) readObject(ctx context.Context, bucket, key string) (*objectState, error) {
	st := &objectState{placed: l.topo.Place(bucket, key)}
	l.fetchObject(ctx, st, objectKey(bucket, key))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if st.answered < l.topo.ReadQuorum() {
		return nil, quorumError("read "+bucket+"/"+key, st.answered, l.topo.ReadQuorum(), st.errs)
	}
	st.choose(l.topo.WriteQuorum())
	if st.cur != nil && len(st.holders) < len(st.placed) {
		// A write that missed a node, or a failed write: the writer queued
		// it for repair, and the scanner finds it if it did not.
		l.log.Debug("object records disagree", "bucket", bucket, "key", key,
			"holders", len(st.holders), "placed", len(st.placed), "answered", st.answered)
	}
	return st, nil
}

// fetchObject reads the records of st.placed in parallel.
func (l *Layer) fetchObject(ctx context.Context, st *objectState, okey []byte) {
	n := len(st.placed)
	st.recs = make([]*objectRecord, n)
	st.errs = make([]error, n)
	forEach(n, func(j int) {
		v, err := l.get(ctx, st.placed[j], okey)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			st.errs[j] = err
		default:
			rec, err := decodeObjectRecord(v)
			if err != nil {
				l.log.Warn("corrupt object record", "node", l.nodes[st.placed[j]].ID(), "key", okey, "err", err)
				st.errs[j] = err
				return
			}
			st.recs[j] = rec
		}
	})
	for j := range n {
		if st.errs[j] == nil {
			st.answered++
		}
		if st.recs[j] != nil {
			l.clock.observe(st.recs[j].hlc)
		}
	}
}

// choose picks the current version: the newest one that may have reached
// a write quorum, counting the nodes that did not answer as possible
// holders. A newer version held by too few nodes to have been acknowledged
// is a failed write and is passed over, so the version it would have
// replaced stays readable.
//
// The records of one version (same version ID and creation HLC) count
// together whatever their write HLC: a tag change that missed a node
// leaves that node's copy older, but it still holds the version's shard.
// The version is as new as its newest copy, which is the one returned.
func (st *objectState) choose(writeQuorum int) {
	type version struct {
		tomb     bool
		id       string
		modified uint64
	}
	identity := func(r *objectRecord) version {
		if r.tombstone {
			return version{tomb: true, modified: r.hlc}
		}
		return version{id: r.versionID, modified: r.modified}
	}
	type group struct {
		v       version
		newest  int // slot of the copy with the newest HLC
		holders []int
	}
	var groups []group
	for j, r := range st.recs {
		if r == nil {
			continue
		}
		v := identity(r)
		i := slices.IndexFunc(groups, func(g group) bool { return g.v == v })
		if i < 0 {
			groups = append(groups, group{v: v, newest: j})
			i = len(groups) - 1
		}
		g := &groups[i]
		g.holders = append(g.holders, j)
		if r.hlc > st.recs[g.newest].hlc {
			g.newest = j
		}
	}
	slices.SortFunc(groups, func(a, b group) int {
		ha, hb := st.recs[a.newest].hlc, st.recs[b.newest].hlc
		if ha != hb {
			if ha > hb {
				return -1
			}
			return 1
		}
		return -strings.Compare(a.v.id, b.v.id)
	})
	unanswered := len(st.placed) - st.answered
	for _, g := range groups {
		if len(g.holders)+unanswered >= writeQuorum {
			st.cur, st.holders = st.recs[g.newest], g.holders
			return
		}
	}
}

// live returns the current version unless it is a tombstone or a delete
// marker.
func (st *objectState) live() *objectRecord {
	if st.cur == nil || st.cur.tombstone || st.cur.deleteMarker {
		return nil
	}
	return st.cur
}

// readVersion reads the records of one version of the key ("" the
// current one) from the placed nodes and picks it as readObject does. The
// null version is read from its v/ slot and from the key's current record,
// since a null version written before the bucket had versioning exists
// only there.
func (l *Layer) readVersion(ctx context.Context, bucket, key, versionID string) (*objectState, error) {
	if versionID == "" {
		st, err := l.readObject(ctx, bucket, key)
		if err == nil && st.cur != nil && st.cur.versioned && !st.cur.tombstone && !st.cur.deleteMarker && len(st.holders) < st.cur.layout.K {
			l.moreHolders(ctx, bucket, key, st)
		}
		return st, err
	}
	if !ValidVersionID(versionID) {
		return nil, fmt.Errorf("%s/%s: version %q: %w", bucket, key, versionID, ErrInvalidArgument)
	}
	placed := l.topo.Place(bucket, key)
	vs := &objectState{placed: placed}
	if versionID != NullVersionID {
		l.fetchObject(ctx, vs, versionKey(prefixVersion, bucket, key, versionID))
		if err := l.readQuorum(ctx, bucket, key, vs); err != nil {
			return nil, err
		}
		vs.choose(l.topo.WriteQuorum())
		return vs, nil
	}
	hs := &objectState{placed: placed}
	forEach(2, func(i int) {
		if i == 0 {
			l.fetchObject(ctx, vs, versionKey(prefixVersion, bucket, key, ""))
		} else {
			l.fetchObject(ctx, hs, objectKey(bucket, key))
		}
	})
	if err := l.readQuorum(ctx, bucket, key, vs); err != nil {
		return nil, err
	}
	if err := l.readQuorum(ctx, bucket, key, hs); err != nil {
		return nil, err
	}
	vs.choose(l.topo.WriteQuorum())
	hs.choose(l.topo.WriteQuorum())
	if h := hs.cur; h != nil && !h.tombstone && !h.versioned && (vs.cur == nil || h.hlc > vs.cur.hlc) {
		return hs, nil
	}
	return vs, nil
}

// moreHolders looks for the current version in the v/ records of the
// nodes whose current record is another (older) one: a node that missed
// the rewrite of o/ (the version before was removed while it was down)
// still holds the version and its shard. This costs a second read only
// when too few current records agree to decode the object.
func (l *Layer) moreHolders(ctx context.Context, bucket, key string, st *objectState) {
	cur := st.cur
	vkey := versionKey(prefixVersion, bucket, key, slotOf(cur.hasVersionID, cur.versionID))
	var others []int
	for j := range st.placed {
		if !slices.Contains(st.holders, j) && st.errs[j] == nil {
			others = append(others, j)
		}
	}
	found := make([]*objectRecord, len(others))
	forEach(len(others), func(x int) {
		v, err := l.get(ctx, st.placed[others[x]], vkey)
		if err != nil {
			return
		}
		if r, err := decodeObjectRecord(v); err == nil && sameVersion(r, cur) {
			found[x] = r
		}
	})
	for x, r := range found {
		if r != nil {
			st.recs[others[x]] = r
			st.holders = append(st.holders, others[x])
		}
	}
}

// readQuorum checks that enough nodes answered a read.
func (l *Layer) readQuorum(ctx context.Context, bucket, key string, st *objectState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st.answered < l.topo.ReadQuorum() {
		return quorumError("read "+bucket+"/"+key, st.answered, l.topo.ReadQuorum(), st.errs)
	}
	return nil
}

// versionOf returns the version st read, or the error S3 answers for its
// absence: NoSuchKey for the current version, NoSuchVersion for a named
// one, and for a delete marker NoSuchKey (current) or ErrDeleteMarker
// (named) together with the marker's info.
func (l *Layer) versionOf(ctx context.Context, bucket, key, versionID string, st *objectState) (*objectRecord, ObjectInfo, error) {
	rec := st.cur
	switch {
	case rec == nil || rec.tombstone:
		if versionID == "" {
			return nil, ObjectInfo{}, l.notFound(ctx, bucket, key)
		}
		if err := l.requireBucket(ctx, bucket); err != nil {
			return nil, ObjectInfo{}, err
		}
		return nil, ObjectInfo{}, fmt.Errorf("%s/%s version %s: %w", bucket, key, versionID, ErrNoSuchVersion)
	case rec.deleteMarker:
		info := objectInfo(bucket, key, rec)
		if versionID == "" {
			return nil, info, fmt.Errorf("%s/%s: current version is a delete marker: %w", bucket, key, ErrNoSuchKey)
		}
		return nil, info, fmt.Errorf("%s/%s version %s: %w", bucket, key, versionID, ErrDeleteMarker)
	}
	info := objectInfo(bucket, key, rec)
	if versionID != "" && info.VersionID == "" {
		info.VersionID = NullVersionID // asked for by that name
	}
	return rec, info, nil
}

// notFound returns ErrNoSuchBucket or ErrNoSuchKey for a missing key.
func (l *Layer) notFound(ctx context.Context, bucket, key string) error {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return err
	}
	return fmt.Errorf("%s/%s: %w", bucket, key, ErrNoSuchKey)
}

func objectInfo(bucket, key string, r *objectRecord) ObjectInfo {
	return ObjectInfo{
		Bucket:       bucket,
		Key:          key,
		VersionID:    shownVersionID(r.hasVersionID, r.versioned, r.versionID),
		Size:         r.size,
		ETag:         r.etag,
		LastModified: hlcTime(r.modified),
		Header:       r.header,
		Checksums:    r.checksums,
		ChecksumType: r.checksumType,
		Parts:        len(r.parts),
		PartList:     partList(r.parts),
		DeleteMarker: r.deleteMarker,
		Tags:         r.tags,
	}
}

// partList is what ObjectInfo shows of a record's parts.
func partList(refs []partRef) []ObjectPart {
	if len(refs) == 0 {
		return nil
	}
	ps := make([]ObjectPart, len(refs))
	for i, p := range refs {
		ps[i] = ObjectPart{Number: p.number, Size: p.size, Checksums: p.checksums}
	}
	return ps
}

// StatObject returns the current version's info.
func (l *Layer) StatObject(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	return l.StatVersion(ctx, bucket, key, "")
}

// StatVersion implements API.
func (l *Layer) StatVersion(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	st, err := l.readVersion(ctx, bucket, key, versionID)
	if err != nil {
		return ObjectInfo{}, err
	}
	_, info, err := l.versionOf(ctx, bucket, key, versionID, st)
	return info, err
}

// GetObject streams the selected bytes of the current version to w. A
// failure after bytes were written is returned as is; the caller must then
// abort the response rather than end it.
func (l *Layer) GetObject(ctx context.Context, bucket, key string, opts GetOptions, w io.Writer) (ObjectInfo, error) {
	st, info, off, n, err := l.openObject(ctx, bucket, key, opts)
	if err != nil {
		return info, err
	}
	cw := &countingWriter{w: w}
	err = l.stream(ctx, bucket, key, st, off, n, cw)
	if err == nil || cw.n > 0 || opts.VersionID != "" || ctx.Err() != nil {
		return info, err
	}
	// Nothing was sent yet: the current version may have been replaced
	// while its shards were being opened (an overwrite removes the
	// replaced version's shard files once it holds). Read the key again;
	// a newer version is what a GET started now would return.
	st2, info2, off2, n2, err2 := l.openObject(ctx, bucket, key, opts)
	if err2 != nil || (info2.ETag == info.ETag && info2.LastModified.Equal(info.LastModified) && info2.VersionID == info.VersionID) {
		return info, err
	}
	l.log.Debug("object replaced while read: reading the new version", "bucket", bucket, "key", key, "err", err)
	return info2, l.stream(ctx, bucket, key, st2, off2, n2, w)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// OpenObject is GetObject as a reader. Closing the reader early stops the
// stream.
func (l *Layer) OpenObject(ctx context.Context, bucket, key string, opts GetOptions) (ObjectInfo, io.ReadCloser, error) {
	st, info, off, n, err := l.openObject(ctx, bucket, key, opts)
	if err != nil {
		return info, nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(l.stream(ctx, bucket, key, st, off, n, pw))
	}()
	return info, pr, nil
}

// openObject reads the version, runs opts.Check and resolves the range.
func (l *Layer) openObject(ctx context.Context, bucket, key string, opts GetOptions) (st *objectState, info ObjectInfo, off, n int64, err error) {
	st, err = l.readVersion(ctx, bucket, key, opts.VersionID)
	if err != nil {
		return nil, info, 0, 0, err
	}
	rec, info, err := l.versionOf(ctx, bucket, key, opts.VersionID, st)
	if err != nil {
		return nil, info, 0, 0, err
	}
	if opts.Check != nil {
		if err := opts.Check(info); err != nil {
			return nil, info, 0, 0, err
		}
	}
	if opts.Range != nil {
		opts.Offset, opts.Length = opts.Range(info)
	}
	off, n, err = resolveRange(rec.size, opts.Offset, opts.Length)
	if err != nil {
		return nil, info, 0, 0, fmt.Errorf("%s/%s: %w", bucket, key, err)
	}
	return st, info, off, n, nil
}

// resolveRange checks [offset, offset+length) against an object of size
// bytes and returns the range to read; length < 0 means to the end, and a
// length past the end is cut at the end.
func resolveRange(size, offset, length int64) (int64, int64, error) {
	switch {
	case offset < 0:
		return 0, 0, fmt.Errorf("offset %d: %w", offset, ErrInvalidRange)
	case offset == 0 && size == 0:
		return 0, 0, nil
	case length == 0 && offset <= size:
		return offset, 0, nil
	case offset >= size:
		return 0, 0, fmt.Errorf("offset %d of %d bytes: %w", offset, size, ErrInvalidRange)
	case length < 0 || length > size-offset:
		return offset, size - offset, nil
	}
	return offset, length, nil
}

// stream writes [off, off+n) of the current version to w.
func (l *Layer) stream(ctx context.Context, bucket, key string, st *objectState, off, n int64, w io.Writer) error {
	if n == 0 {
		return nil
	}
	rec := st.cur
	enc, err := l.encoder(rec.layout)
	if err != nil {
		return fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	if rec.inline {
		if len(st.holders) < rec.layout.K {
			return fmt.Errorf("get %s/%s: %d of %d inline shards: %w", bucket, key, len(st.holders), rec.layout.K, ErrQuorum)
		}
		rep, err := enc.Decode(ctx, w, inlineOpener(st), rec.size, off, n)
		return l.decoded(bucket, key, st, rep, err)
	}
	if len(st.holders) < rec.layout.K {
		return fmt.Errorf("get %s/%s: %d of %d shard holders: %w", bucket, key, len(st.holders), rec.layout.K, ErrQuorum)
	}
	if len(rec.parts) == 0 {
		defer l.reads.enter([]string{rec.dataID})()
		rep, err := enc.Decode(ctx, w, l.shardOpener(st, rec.dataID), rec.size, off, n)
		return l.decoded(bucket, key, st, rep, err)
	}
	spans := partSpans(rec.parts, off, off+n)
	ids := make([]string, len(spans))
	for i, sp := range spans {
		ids[i] = sp.part.dataID
	}
	defer l.reads.enter(ids)()
	for _, sp := range spans {
		p := sp.part
		rep, err := enc.Decode(ctx, w, l.shardOpener(st, p.dataID), p.size, sp.from, sp.to-sp.from)
		if err := l.decoded(bucket, key, st, rep, err); err != nil {
			return fmt.Errorf("part %d: %w", p.number, err)
		}
	}
	return nil
}

// partSpan is the bytes [from, to) of one part, relative to the part.
type partSpan struct {
	part     partRef
	from, to int64
}

// partSpans returns, in order, the parts that hold bytes of the object's
// [off, end) and which of their bytes those are.
func partSpans(parts []partRef, off, end int64) []partSpan {
	var spans []partSpan
	var partStart int64
	for _, p := range parts {
		partEnd := partStart + p.size
		if partEnd > off && partStart < end {
			spans = append(spans, partSpan{part: p, from: max(off, partStart) - partStart, to: min(end, partEnd) - partStart})
		}
		partStart = partEnd
		if partStart >= end {
			break
		}
	}
	return spans
}

// decoded logs what a decode found missing or corrupt and maps its error.
func (l *Layer) decoded(bucket, key string, st *objectState, rep erasure.DecodeReport, err error) error {
	if !rep.OK() {
		l.log.Debug("object needs repair", "bucket", bucket, "key", key, "missing", rep.Missing, "corrupt", rep.Corrupt)
		if n := l.shardsToRepair(st, rep); n > 0 {
			l.queueRepair(bucket, key, n, len(rep.Corrupt) > 0, "read found shards missing or corrupt")
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, erasure.ErrReadQuorum):
		return fmt.Errorf("get %s/%s: %w: %v", bucket, key, ErrQuorum, err)
	}
	return fmt.Errorf("get %s/%s: %w", bucket, key, err)
}

// inlineOpener serves the shards of an inline object from the records.
func inlineOpener(st *objectState) erasure.ShardOpener {
	return func(ctx context.Context, shard int, offset, length int64) (io.ReadCloser, error) {
		for _, j := range st.holders {
			r := st.recs[j]
			if r.shard != shard {
				continue
			}
			d := r.data
			if offset > int64(len(d)) {
				return nil, fmt.Errorf("inline shard %d: offset %d past %d bytes: %w", shard, offset, len(d), erasure.ErrCorrupt)
			}
			d = d[offset:]
			if length >= 0 && length < int64(len(d)) {
				d = d[:length]
			}
			return io.NopCloser(bytes.NewReader(d)), nil
		}
		return nil, fmt.Errorf("inline shard %d: %w", shard, storage.ErrNotFound)
	}
}

// shardOpener reads the shard files of dataID from the holders of the
// current version.
func (l *Layer) shardOpener(st *objectState, dataID string) erasure.ShardOpener {
	return func(ctx context.Context, shard int, offset, length int64) (io.ReadCloser, error) {
		for _, j := range st.holders {
			if st.recs[j].shard != shard {
				continue
			}
			i := st.placed[j]
			if !l.health.usable(i) {
				return nil, errNodeDown
			}
			rc, err := l.nodes[i].ReadShard(ctx, shardName(dataID, shard), offset, length)
			l.health.observe(ctx, i, err)
			return rc, err
		}
		return nil, fmt.Errorf("shard %d: no holder: %w", shard, storage.ErrNotFound)
	}
}
