package objectlayer

import (
	"context"
	"errors"
	"fmt"

	"github.com/zones3/zones3/storage"
)

// ExpireRef names one current object for ExpireObjects: its key and the
// Stamp that ListObjectVersions gave it.
type ExpireRef struct {
	Key   string
	Stamp uint64
}

// ErrNotBatchable is what ExpireObjects returns (wrapped) for an object it
// cannot remove in a batch, or for a whole call in a bucket that has had
// versioning; the caller removes those one by one with
// DeleteObjectVersion.
var ErrNotBatchable = errors.New("objectlayer: not removable in a batch")

// maxExpireBatch bounds the objects of one storage batch: a page of the
// lifecycle worker.
const maxExpireBatch = 1000

// ExpireObjects removes current objects of a bucket that never had
// versioning, as DeleteObject with If-Unmodified-Since would, for many
// keys at once: one synced storage batch per node carries the tombstones
// of every key placed there, where DeleteObject makes a quorum read and a
// synced batch per node for each key. It is what the lifecycle worker
// uses; errs[i] answers refs[i]:
//
//   - nil: the object is gone (tombstones on a write quorum of its nodes;
//     nodes that failed are queued for repair);
//   - ErrPreconditionFailed (wrapped): the key holds a newer version than
//     the one listed, or was already removed; nothing of the newer
//     version is touched;
//   - ErrNotBatchable (wrapped): the ref has no usable Stamp;
//   - ErrQuorum (wrapped): too few nodes answered; the object may be removed
//     on some of them, and a later call or pass finishes it.
//
// The guard needs no read. A listed record's HLC is even (hlcClock.next),
// and the tombstones are written at the odd HLC just past it: each node
// applies them only over that record or an older one (OpPutIfNewer), and
// every later write of the key, which has an even HLC past the listed
// one, wins over them wherever it lands, before or after. The tombstone
// records carry the time they were written, for the repair scanner's
// ageing decisions.
//
// The objects have no shard files (Stamp is only set for such versions),
// so nothing else is removed. A node that missed the listed version and
// still holds an older one with shard files loses that record to the
// tombstone; the scanner's garbage collection frees those files.
//
// The whole call fails with ErrNotBatchable when the bucket has
// versioning (an expiration then adds a delete marker), and with
// ErrNoSuchBucket when it is gone.
func (l *Layer) ExpireObjects(ctx context.Context, bucket string, refs []ExpireRef) ([]error, error) {
	op := "expire objects of " + bucket
	if err := l.requireBucket(ctx, bucket); err != nil {
		return nil, err
	}
	state, err := l.versioning(ctx, bucket, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if state != VersioningOff {
		return nil, fmt.Errorf("%s: the bucket has versioning: %w", op, ErrNotBatchable)
	}
	errs := make([]error, len(refs))
	for start := 0; start < len(refs); start += maxExpireBatch {
		end := min(start+maxExpireBatch, len(refs))
		l.expireBatch(ctx, bucket, refs[start:end], errs[start:end])
	}
	return errs, nil
}

// nodeExpiry is what one node is sent by expireBatch: two ops (record and
// list entry) per object, refs[k] being the object of ops 2k and 2k+1.
type nodeExpiry struct {
	ops  []storage.Op
	refs []int
}

// expireBatch is ExpireObjects for at most maxExpireBatch refs.
func (l *Layer) expireBatch(ctx context.Context, bucket string, refs []ExpireRef, errs []error) {
	written := l.clock.next()
	batches := make([]nodeExpiry, len(l.nodes))
	placed := make([]int, len(refs))
	for i, r := range refs {
		if !expirableStamp(r.Stamp) {
			errs[i] = fmt.Errorf("expire %s/%s: stamp %d: %w", bucket, r.Key, r.Stamp, ErrNotBatchable)
			continue
		}
		h := expiryTombstoneHLC(r.Stamp)
		tomb := (&objectRecord{hlc: h, tombstone: true, written: written}).marshal()
		entry := (&listEntry{hlc: h, tombstone: true}).marshal()
		okey, lkey := objectKey(bucket, r.Key), listKey(bucket, r.Key)
		nodes := l.topo.Place(bucket, r.Key)
		placed[i] = len(nodes)
		for _, n := range nodes {
			b := &batches[n]
			b.ops = append(b.ops,
				storage.Op{Kind: storage.OpPutIfNewer, Key: okey, Value: tomb, HLC: h},
				storage.Op{Kind: storage.OpPutIfNewer, Key: lkey, Value: entry, HLC: h})
			b.refs = append(b.refs, i)
		}
	}
	applied := make([][]bool, len(l.nodes))
	nodeErrs := make([]error, len(l.nodes))
	forEach(len(l.nodes), func(n int) {
		if len(batches[n].ops) > 0 {
			applied[n], nodeErrs[n] = l.apply(ctx, n, storage.Batch{Ops: batches[n].ops})
		}
	})
	removed, failed := make([]int, len(refs)), make([]int, len(refs))
	for n, b := range batches {
		for k, i := range b.refs {
			switch {
			case nodeErrs[n] != nil:
				failed[i]++
			case applied[n][2*k]:
				removed[i]++
			}
		}
	}
	quorum := l.topo.WriteQuorum()
	for i, r := range refs {
		if errs[i] != nil {
			continue
		}
		op := "expire " + bucket + "/" + r.Key
		switch {
		case removed[i] >= quorum:
			if failed[i] > 0 {
				l.queueRepair(bucket, r.Key, failed[i], false, "expiration missed nodes")
			}
		case placed[i]-failed[i] >= quorum:
			// Enough nodes answered, and too many of them hold something
			// newer than the listed version (or its tombstone already).
			errs[i] = fmt.Errorf("%s: the key changed since it was listed: %w", op, ErrPreconditionFailed)
		default:
			errs[i] = quorumError(op, placed[i]-failed[i], quorum, nodeErrs)
		}
	}
}

// expiryStamp is the Stamp of a listed version (see ObjectInfo.Stamp): the
// HLC of the current object's list entry when ExpireObjects can remove it.
func expiryStamp(it versionItem) uint64 {
	e := &it.entry
	if !it.latest || it.prefix || e.tombstone || !e.noShards || e.deleteMarker || e.versioned || e.hasVersionID {
		return 0
	}
	if !expirableStamp(e.hlc) {
		return 0
	}
	return e.hlc
}

// expirableStamp: only even HLCs leave room for a tombstone just past them
// that no write can tie with (records from before the clock's values were
// all even may be odd).
func expirableStamp(h uint64) bool { return h != 0 && h&1 == 0 }

// expiryTombstoneHLC is the HLC of the tombstones that expire the version
// written at h: the one value between h and every later write.
func expiryTombstoneHLC(h uint64) uint64 { return h + 1 }
