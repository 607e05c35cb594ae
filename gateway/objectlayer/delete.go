package objectlayer

import (
	"bytes"
	"context"
	"fmt"

	"github.com/zones3/zones3/storage"
)

// DeleteObject deletes the key as S3's DeleteObject without a version
// does (see DeleteOptions). Deleting a missing key succeeds.
func (l *Layer) DeleteObject(ctx context.Context, bucket, key string) error {
	_, err := l.DeleteObjectVersion(ctx, bucket, key, DeleteOptions{})
	return err
}

// DeleteObjectVersion implements API. It is also what the lifecycle worker
// calls to expire versions and delete markers.
func (l *Layer) DeleteObjectVersion(ctx context.Context, bucket, key string, opts DeleteOptions) (DeleteResult, error) {
	if opts.VersionID != "" {
		return l.deleteVersion(ctx, bucket, key, opts.VersionID)
	}
	op := "delete " + bucket + "/" + key
	if err := l.requireBucket(ctx, bucket); err != nil {
		return DeleteResult{}, err
	}
	pre := l.prefetch(ctx, bucket, key)
	st := pre.wait()
	if pre.err != nil {
		return DeleteResult{}, fmt.Errorf("%s: %w", op, pre.err)
	}
	if err := l.readQuorum(ctx, bucket, key, st); err != nil {
		return DeleteResult{}, err
	}
	cur := st.live()
	if !opts.IfUnmodifiedSince.IsZero() {
		if cur == nil {
			// Nothing current to expire: the caller's view is stale.
			return DeleteResult{}, fmt.Errorf("%s: no current version: %w", op, ErrNoSuchKey)
		}
		if hlcTime(cur.modified).After(opts.IfUnmodifiedSince) {
			return DeleteResult{}, fmt.Errorf("%s: current version created %v: %w", op, hlcTime(cur.modified), ErrPreconditionFailed)
		}
	}
	if pre.state == VersioningOff {
		if cur == nil {
			return DeleteResult{}, nil
		}
		hlc := l.clock.next()
		tomb := (&objectRecord{hlc: hlc, tombstone: true}).marshal()
		entry := (&listEntry{hlc: hlc, tombstone: true}).marshal()
		okey, lkey := objectKey(bucket, key), listKey(bucket, key)
		errs := l.applySlots(ctx, st.placed, func(j int) []storage.Op {
			return []storage.Op{
				{Kind: storage.OpPutIfNewer, Key: okey, Value: tomb, HLC: hlc},
				{Kind: storage.OpPutIfNewer, Key: lkey, Value: entry, HLC: hlc},
			}
		})
		_, err := l.committed(op, bucket, key, &objectRecord{hlc: hlc, tombstone: true}, pre, errs)
		return DeleteResult{}, err
	}
	// A delete marker: a version without data that hides the key. With
	// versioning suspended it is the null version and replaces the old one.
	rec := &objectRecord{hlc: l.clock.next(), deleteMarker: true, holders: l.holderIDs(st.placed)}
	pre.stamp(rec)
	value, entry := rec.marshal(), entryOf(rec).marshal()
	keys := pre.keys(bucket, key, rec)
	errs := l.applySlots(ctx, st.placed, func(j int) []storage.Op {
		return pre.ops(keys, rec, j, value, entry, "")
	})
	info, err := l.committed(op, bucket, key, rec, pre, errs)
	if err != nil {
		return DeleteResult{}, err
	}
	return DeleteResult{VersionID: info.VersionID, DeleteMarker: true}, nil
}

// sameVersion reports whether r is a record of the version v.
func sameVersion(r, v *objectRecord) bool {
	return r != nil && v != nil && !r.tombstone && !v.tombstone && r.versionID == v.versionID && r.modified == v.modified
}

// maxHLC returns the newest HLC among the records.
func maxHLC(recs []*objectRecord) uint64 {
	var h uint64
	for _, r := range recs {
		if r != nil && r.hlc > h {
			h = r.hlc
		}
	}
	return h
}

// versionStates reads, in parallel, the key's current records and the
// records of one version slot.
func (l *Layer) versionStates(ctx context.Context, bucket, key, slot string) (head, ver *objectState, err error) {
	placed := l.topo.Place(bucket, key)
	head, ver = &objectState{placed: placed}, &objectState{placed: placed}
	forEach(2, func(i int) {
		if i == 0 {
			l.fetchObject(ctx, head, objectKey(bucket, key))
		} else {
			l.fetchObject(ctx, ver, versionKey(prefixVersion, bucket, key, slot))
		}
	})
	if err := l.readQuorum(ctx, bucket, key, head); err != nil {
		return nil, nil, err
	}
	if err := l.readQuorum(ctx, bucket, key, ver); err != nil {
		return nil, nil, err
	}
	head.choose(l.topo.WriteQuorum())
	ver.choose(l.topo.WriteQuorum())
	return head, ver, nil
}

// deleteVersion removes one version for good: tombstones over its v/ and
// w/ records and, once they hold, its shard files. When it was the
// current version, the next newest version becomes current (its record is
// copied into o/ and l/), or the key has no current version left. A
// version that does not exist is deleted already, as in S3.
func (l *Layer) deleteVersion(ctx context.Context, bucket, key, versionID string) (DeleteResult, error) {
	op := "delete " + bucket + "/" + key + " version " + versionID
	if !ValidVersionID(versionID) {
		return DeleteResult{}, fmt.Errorf("%s: %w", op, ErrInvalidArgument)
	}
	if err := l.requireBucket(ctx, bucket); err != nil {
		return DeleteResult{}, err
	}
	slot := versionID
	if versionID == NullVersionID {
		slot = ""
	}
	head, ver, err := l.versionStates(ctx, bucket, key, slot)
	if err != nil {
		return DeleteResult{}, err
	}
	placed := head.placed
	target := ver.cur
	if target != nil && (target.tombstone || slotOf(target.hasVersionID, target.versionID) != slot) {
		target = nil
	}
	// A null version from before the bucket had versioning is only the
	// current record.
	var legacy bool
	if h := head.cur; slot == "" && h != nil && !h.tombstone && !h.versioned && (target == nil || h.hlc > target.hlc) {
		target, legacy = h, true
	}
	if target == nil {
		return DeleteResult{VersionID: versionID}, nil
	}
	wasCurrent := sameVersion(head.cur, target)
	var next *objectState
	if wasCurrent {
		if next, err = l.nextVersion(ctx, bucket, key, placed, slot); err != nil {
			return DeleteResult{}, fmt.Errorf("%s: %w", op, err)
		}
	}

	vkey, wkey := versionKey(prefixVersion, bucket, key, slot), versionKey(prefixVersionList, bucket, key, slot)
	okey, lkey := objectKey(bucket, key), listKey(bucket, key)
	vh := rewriteHLC(max(maxHLC(ver.recs), target.hlc))
	vtomb := (&objectRecord{hlc: vh, tombstone: true}).marshal()
	wtomb := (&listEntry{hlc: vh, tombstone: true}).marshal()
	var hh uint64
	var headEntry []byte
	var headValue func(j int) []byte
	if wasCurrent {
		hh = rewriteHLC(maxHLC(head.recs))
		l.clock.observe(hh)
		if next == nil || next.cur == nil {
			tomb := (&objectRecord{hlc: hh, tombstone: true}).marshal()
			headEntry = (&listEntry{hlc: hh, tombstone: true}).marshal()
			headValue = func(int) []byte { return tomb }
		} else {
			n := *next.cur
			n.hlc = hh
			headEntry = entryOf(&n).marshal()
			headValue = func(j int) []byte {
				r := next.recs[j]
				if !sameVersion(r, next.cur) {
					return nil // the node lacks it: its stale record is older
				}
				c := *r
				c.hlc = hh
				return c.marshal()
			}
		}
	}
	l.clock.observe(vh)
	errs := l.applySlots(ctx, placed, func(j int) []storage.Op {
		ops := make([]storage.Op, 0, 4)
		if !legacy || ver.recs[j] != nil {
			ops = append(ops,
				storage.Op{Kind: storage.OpPutIfNewer, Key: vkey, Value: vtomb, HLC: vh},
				storage.Op{Kind: storage.OpPutIfNewer, Key: wkey, Value: wtomb, HLC: vh})
		}
		if wasCurrent {
			if v := headValue(j); v != nil {
				ops = append(ops, storage.Op{Kind: storage.OpPutIfNewer, Key: okey, Value: v, HLC: hh})
			}
			ops = append(ops, storage.Op{Kind: storage.OpPutIfNewer, Key: lkey, Value: headEntry, HLC: hh})
		}
		if len(ops) == 0 {
			return nil
		}
		return ops
	})
	ok := countNil(errs)
	if ok < l.topo.WriteQuorum() {
		return DeleteResult{}, quorumError(op, ok, l.topo.WriteQuorum(), errs)
	}
	// The version's shard files go once its removal holds: each node's
	// copy of the version names that node's shard.
	names := make([][]string, len(placed))
	for j := range placed {
		if errs[j] != nil {
			continue
		}
		for _, r := range []*objectRecord{ver.recs[j], head.recs[j]} {
			if sameVersion(r, target) {
				names[j] = r.shardNames()
				break
			}
		}
	}
	l.removeShards(placed, names)
	return DeleteResult{VersionID: versionID, DeleteMarker: target.deleteMarker}, nil
}

// nextVersion finds the newest version of the key other than the one in
// slot skip, scanning the key's v/ records on its placed nodes newest
// first; nil when there is none. Each version is chosen among the nodes'
// records as a read chooses the current one.
func (l *Layer) nextVersion(ctx context.Context, bucket, key string, placed []int, skip string) (*objectState, error) {
	scope := versionScope(prefixVersion, bucket, key)
	tolerance := len(placed) - l.topo.ReadQuorum()
	m := l.newMergeScan(placed, scope, prefixEnd(scope), tolerance, 8)
	var null *objectState
	for {
		skey, vals, err := m.next(ctx)
		if err != nil {
			return nil, err
		}
		if skey == nil {
			return null, nil
		}
		slot := string(skey[len(scope):])
		if slot == skip {
			continue
		}
		st := &objectState{placed: placed, recs: make([]*objectRecord, len(placed)), errs: make([]error, len(placed))}
		for x, v := range vals {
			r, err := decodeObjectRecord(bytes.Clone(v))
			if err != nil {
				l.log.Warn("corrupt version record", "key", skey, "err", err)
				continue
			}
			st.recs[m.fromCursor()[x]] = r
			l.clock.observe(r.hlc)
		}
		st.answered = len(placed) - m.failed
		st.choose(l.topo.WriteQuorum())
		if st.cur == nil || st.cur.tombstone {
			continue
		}
		if slot == "" {
			null = st // sorts first; its place among the others is its ID's
			continue
		}
		if null != nil && null.cur.orderID() < st.cur.orderID() {
			return null, nil
		}
		return st, nil
	}
}
