package objectlayer

import (
	"bytes"
	"context"

	"github.com/zones3/zones3/storage"
)

// The current record of a key in a bucket with versioning (o/, l/) is a
// copy of its newest version (v/). Writes keep it so in one batch per
// node, last writer wins. Two races can leave it behind: a new version
// whose current record arrives after a rewrite that took a higher write
// HLC (a tag change, an older version made current again), and, rarely,
// a null version whose v/ slot lost to a newer rewrite while its current
// record won. The writer that can see the race settles the key: it reads
// the current records and the newest version, and copies the newest
// version over the current records if they differ. Two writers settling
// at once copy the same version.

// raced reports whether, on a node the write reached, the version record
// (vkey) and the current record (okey) were not both applied or both
// skipped.
func raced(res []slotApply, errs []error, vkey, okey []byte) bool {
	for j, r := range res {
		if errs[j] != nil || r.applied == nil {
			continue
		}
		v, o := -1, -1
		for i, op := range r.ops {
			if op.Kind != storage.OpPutIfNewer {
				continue
			}
			switch {
			case bytes.Equal(op.Key, vkey):
				v = i
			case bytes.Equal(op.Key, okey):
				o = i
			}
		}
		if v >= 0 && o >= 0 && r.applied[v] != r.applied[o] {
			return true
		}
	}
	return false
}

// settleAttempts bounds the rounds of settleHead: each round reads again,
// so a writer that raced another settler sees its result.
const settleAttempts = 3

// settleHead makes the key's current records a copy of its newest
// version. Failures are left to the next write or the repair scanner: the
// write that called it has already succeeded.
func (l *Layer) settleHead(ctx context.Context, bucket, key string) {
	placed := l.topo.Place(bucket, key)
	okey, lkey := objectKey(bucket, key), listKey(bucket, key)
	for range settleAttempts {
		head := &objectState{placed: placed}
		l.fetchObject(ctx, head, okey)
		if head.answered < l.topo.ReadQuorum() || ctx.Err() != nil {
			return
		}
		head.choose(l.topo.WriteQuorum())
		newest, err := l.nextVersion(ctx, bucket, key, placed, "\x00")
		if err != nil {
			l.log.Debug("settling the current version", "bucket", bucket, "key", key, "err", err)
			return
		}
		cur := head.cur
		if cur != nil && !cur.tombstone && !cur.versioned {
			return // a null version from before versioning is current
		}
		if newest == nil {
			if cur == nil || cur.tombstone {
				return
			}
		} else if sameVersion(cur, newest.cur) {
			return
		}
		hh := rewriteHLC(maxHLC(head.recs))
		l.clock.observe(hh)
		var entry []byte
		value := func(int) []byte { return nil }
		if newest == nil {
			tomb := (&objectRecord{hlc: hh, tombstone: true}).marshal()
			entry = (&listEntry{hlc: hh, tombstone: true}).marshal()
			value = func(int) []byte { return tomb }
		} else {
			n := *newest.cur
			n.hlc = hh
			entry = entryOf(&n).marshal()
			value = func(j int) []byte {
				if r := newest.recs[j]; sameVersion(r, newest.cur) {
					c := *r
					c.hlc = hh
					return c.marshal()
				}
				return nil
			}
		}
		l.log.Debug("settling the current version", "bucket", bucket, "key", key)
		l.applySlots(ctx, placed, func(j int) []storage.Op {
			ops := []storage.Op{{Kind: storage.OpPutIfNewer, Key: lkey, Value: entry, HLC: hh}}
			if v := value(j); v != nil {
				ops = append(ops, storage.Op{Kind: storage.OpPutIfNewer, Key: okey, Value: v, HLC: hh})
			}
			return ops
		})
	}
}
