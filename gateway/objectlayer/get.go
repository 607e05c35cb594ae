package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

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
func (st *objectState) choose(writeQuorum int) {
	type version struct {
		hlc uint64
		id  string
	}
	var versions []version
	for _, r := range st.recs {
		if r == nil {
			continue
		}
		v := version{r.hlc, r.versionID}
		if !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	slices.SortFunc(versions, func(a, b version) int {
		if a.hlc != b.hlc {
			if a.hlc > b.hlc {
				return -1
			}
			return 1
		}
		return -bytes.Compare([]byte(a.id), []byte(b.id))
	})
	unanswered := len(st.placed) - st.answered
	for _, v := range versions {
		var holders []int
		for j, r := range st.recs {
			if r != nil && r.hlc == v.hlc && r.versionID == v.id {
				holders = append(holders, j)
			}
		}
		if len(holders)+unanswered >= writeQuorum {
			st.cur, st.holders = st.recs[holders[0]], holders
			return
		}
	}
}

// live returns the current version unless it is a tombstone.
func (st *objectState) live() *objectRecord {
	if st.cur == nil || st.cur.tombstone {
		return nil
	}
	return st.cur
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
		Size:         r.size,
		ETag:         r.etag,
		LastModified: hlcTime(r.hlc),
		Header:       r.header,
		Checksums:    r.checksums,
		ChecksumType: r.checksumType,
		Parts:        len(r.parts),
	}
}

// StatObject returns the current version's info.
func (l *Layer) StatObject(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	st, err := l.readObject(ctx, bucket, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	rec := st.live()
	if rec == nil {
		return ObjectInfo{}, l.notFound(ctx, bucket, key)
	}
	return objectInfo(bucket, key, rec), nil
}

// GetObject streams the selected bytes of the current version to w. A
// failure after bytes were written is returned as is; the caller must then
// abort the response rather than end it.
func (l *Layer) GetObject(ctx context.Context, bucket, key string, opts GetOptions, w io.Writer) (ObjectInfo, error) {
	st, info, off, n, err := l.openObject(ctx, bucket, key, opts)
	if err != nil {
		return info, err
	}
	return info, l.stream(ctx, bucket, key, st, off, n, w)
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

// openObject reads the current version, runs opts.Check and resolves the
// range.
func (l *Layer) openObject(ctx context.Context, bucket, key string, opts GetOptions) (st *objectState, info ObjectInfo, off, n int64, err error) {
	st, err = l.readObject(ctx, bucket, key)
	if err != nil {
		return nil, info, 0, 0, err
	}
	rec := st.live()
	if rec == nil {
		return nil, info, 0, 0, l.notFound(ctx, bucket, key)
	}
	info = objectInfo(bucket, key, rec)
	if opts.Check != nil {
		if err := opts.Check(info); err != nil {
			return nil, info, 0, 0, err
		}
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
		rep, err := enc.Decode(ctx, w, l.shardOpener(st, rec.dataID), rec.size, off, n)
		return l.decoded(bucket, key, st, rep, err)
	}
	end := off + n
	var partStart int64
	for _, p := range rec.parts {
		partEnd := partStart + p.size
		if partEnd > off && partStart < end {
			from := max(off, partStart) - partStart
			to := min(end, partEnd) - partStart
			rep, err := enc.Decode(ctx, w, l.shardOpener(st, p.dataID), p.size, from, to-from)
			if err := l.decoded(bucket, key, st, rep, err); err != nil {
				return fmt.Errorf("part %d: %w", p.number, err)
			}
		}
		partStart = partEnd
		if partStart >= end {
			break
		}
	}
	return nil
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
