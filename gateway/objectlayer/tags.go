package objectlayer

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/zones3/zones3/storage"
)

// PutObjectTags implements API. The tags live in the version's records:
// its v/ record (and w/ entry) and, while it is current, its o/ record.
// Each holder's own record is rewritten with a write HLC just past the
// one it replaces (rewriteHLC), so that a version written meanwhile stays
// current; the shard files are not touched.
func (l *Layer) PutObjectTags(ctx context.Context, bucket, key, versionID string, tags map[string]string) (ObjectInfo, error) {
	op := "put tags of " + bucket + "/" + key
	if versionID != "" && !ValidVersionID(versionID) {
		return ObjectInfo{}, fmt.Errorf("%s: version %q: %w", op, versionID, ErrInvalidArgument)
	}
	if err := l.requireBucket(ctx, bucket); err != nil {
		return ObjectInfo{}, err
	}
	if len(tags) == 0 {
		tags = nil
	}
	var head, ver *objectState
	var target *objectRecord
	var err error
	if versionID == "" {
		if head, err = l.readObject(ctx, bucket, key); err != nil {
			return ObjectInfo{}, err
		}
		if target, _, err = l.versionOf(ctx, bucket, key, "", head); err != nil {
			return ObjectInfo{}, err
		}
		if target.versioned {
			ver = &objectState{placed: head.placed}
			l.fetchObject(ctx, ver, versionKey(prefixVersion, bucket, key, slotOf(target.hasVersionID, target.versionID)))
			if err := l.readQuorum(ctx, bucket, key, ver); err != nil {
				return ObjectInfo{}, err
			}
		}
	} else {
		slot := versionID
		if versionID == NullVersionID {
			slot = ""
		}
		if head, ver, err = l.versionStates(ctx, bucket, key, slot); err != nil {
			return ObjectInfo{}, err
		}
		st := ver
		if h := head.cur; slot == "" && h != nil && !h.tombstone && !h.versioned && (ver.cur == nil || h.hlc > ver.cur.hlc) {
			st, ver = head, nil // a null version from before versioning
		}
		if target, _, err = l.versionOf(ctx, bucket, key, versionID, st); err != nil {
			return ObjectInfo{}, err
		}
	}

	okey, lkey := objectKey(bucket, key), listKey(bucket, key)
	var vkey, wkey []byte
	var vh uint64
	if ver != nil {
		slot := slotOf(target.hasVersionID, target.versionID)
		vkey, wkey = versionKey(prefixVersion, bucket, key, slot), versionKey(prefixVersionList, bucket, key, slot)
		vh = rewriteHLC(maxHLC(ver.recs))
		l.clock.observe(vh)
	}
	current := sameVersion(head.cur, target)
	var hh uint64
	if current {
		hh = rewriteHLC(maxHLC(head.recs))
		l.clock.observe(hh)
	}
	retag := func(r *objectRecord, h uint64) *objectRecord {
		c := *r
		c.hlc, c.tags = h, tags
		return &c
	}
	errs := l.applySlots(ctx, head.placed, func(j int) []storage.Op {
		var ops []storage.Op
		if ver != nil && sameVersion(ver.recs[j], target) {
			r := retag(ver.recs[j], vh)
			ops = append(ops,
				storage.Op{Kind: storage.OpPutIfNewer, Key: vkey, Value: r.marshal(), HLC: vh},
				storage.Op{Kind: storage.OpPutIfNewer, Key: wkey, Value: entryOf(r).marshal(), HLC: vh})
		}
		if current && sameVersion(head.recs[j], target) {
			r := retag(head.recs[j], hh)
			ops = append(ops, storage.Op{Kind: storage.OpPutIfNewer, Key: okey, Value: r.marshal(), HLC: hh})
			if ver == nil {
				// Without a v/ record the list entry is the only one
				// that shows the tags to a version listing.
				ops = append(ops, storage.Op{Kind: storage.OpPutIfNewer, Key: lkey, Value: entryOf(r).marshal(), HLC: hh})
			}
		}
		return ops
	})
	if ok := countNil(errs); ok < l.topo.WriteQuorum() {
		return ObjectInfo{}, quorumError(op, ok, l.topo.WriteQuorum(), errs)
	}
	if current && ver != nil {
		// A version written meanwhile may have lost its place as current
		// to the rewritten record.
		l.settleHead(ctx, bucket, key)
	}
	info := objectInfo(bucket, key, target)
	info.Tags = tags
	return info, nil
}

// BucketTags implements API.
func (l *Layer) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	if err := l.requireBucket(ctx, bucket); err != nil {
		return nil, err
	}
	v, err := l.GetBucketConfig(ctx, bucket, ConfigTagging)
	if errors.Is(err, ErrNoSuchMeta) {
		return nil, fmt.Errorf("bucket %s: %w", bucket, ErrNoSuchTagSet)
	}
	if err != nil {
		return nil, err
	}
	d := decoder{b: v}
	tags := d.stringMap()
	if d.err != nil {
		return nil, fmt.Errorf("bucket %s tags: %w", bucket, d.err)
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("bucket %s: %w", bucket, ErrNoSuchTagSet)
	}
	return tags, nil
}

// SetBucketTags implements API.
func (l *Layer) SetBucketTags(ctx context.Context, bucket string, tags map[string]string) error {
	if len(tags) == 0 {
		return l.PutBucketConfig(ctx, bucket, ConfigTagging, nil)
	}
	return l.PutBucketConfig(ctx, bucket, ConfigTagging, appendMap(nil, maps.Clone(tags)))
}
