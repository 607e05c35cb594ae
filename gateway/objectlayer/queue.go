package objectlayer

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/storage"
)

// prefixRepair keys the persisted repair queue: r/<record key>, on every
// node (MetaQuorum), value: HLC, version, flags, the number of shards
// known to need repair and the reason.
const prefixRepair = "r/"

// Pacing of the repair queue.
const (
	queueFlushInterval = 200 * time.Millisecond // how long new entries wait to be persisted together
	queueRetryMin      = 2 * time.Second        // first retry of a repair that could not finish
	queueRetryMax      = 10 * time.Minute       // retries back off up to this (a node coming back retries at once)
	queueReloadRetry   = 10 * time.Second       // retry of a failed load of the persisted entries
	queueBatchOps      = 1000                   // entries per Apply
)

// repairQueue holds the objects known to need repair: writes that missed
// a placed node, and reads that met a missing or corrupt shard. Workers
// repair them in order; one that cannot be repaired yet (a node is down)
// is retried with backoff until it can.
//
// Entries are persisted as r/ records on every node, written together
// every queueFlushInterval with MetaQuorum, and deleted once repaired, so
// a gateway that restarts (or any other gateway) loads them again. Between
// an entry's creation and its flush, and beyond the in-memory limit, the
// scanner's passes are the backstop: they find every object short of its
// redundancy whether or not it was queued.
type repairQueue struct {
	l     *Layer
	limit int

	mu        sync.Mutex
	items     map[string]*queueItem
	ready     []string // keys to repair now, in order
	deferred  []string // keys waiting for a retry
	persist   []string // keys whose r/ entry is to be written
	unpersist []persistedEntry
	// overflow is set when an entry was refused for the limit or the
	// persisted entries were not all loaded: loading runs again once the
	// queue drains.
	overflow bool
	loaded   bool // the persisted entries were loaded once

	wake  chan struct{} // a key became ready
	flush chan struct{} // entries wait to be persisted
	// up is which nodes were up when take last looked: a node coming
	// back makes every deferred repair due at once.
	up []bool
}

type queueItem struct {
	shards    int    // shards known to need repair (0: unknown)
	verify    bool   // a shard was found corrupt: read them all
	reason    string // why it was queued
	hlc       uint64 // HLC of its r/ entry, 0 until persisted
	running   bool
	again     bool // queued again while running
	attempts  int
	notBefore time.Time
}

type persistedEntry struct {
	key string
	hlc uint64
}

func newRepairQueue(l *Layer, limit int) *repairQueue {
	return &repairQueue{
		l:     l,
		limit: limit,
		items: make(map[string]*queueItem),
		wake:  make(chan struct{}, 1),
		flush: make(chan struct{}, 1),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// add queues the repair of the object record recordKey. shards is how
// many of its shards are known to need it (0 if unknown); verify asks
// the repair to read every shard (one was found corrupt).
func (q *repairQueue) add(recordKey []byte, shards int, verify bool, reason string) {
	k := string(recordKey)
	q.mu.Lock()
	defer q.mu.Unlock()
	if it, ok := q.items[k]; ok {
		it.shards = max(it.shards, shards)
		it.verify = it.verify || verify
		if it.running {
			it.again = true
		}
		return
	}
	if len(q.items) >= q.limit {
		if !q.overflow {
			q.l.log.Warn("repair queue full: further objects are left to the scanner's next pass", "limit", q.limit)
		}
		q.overflow = true
		q.l.rep.stats.queueOverflow.Add(1)
		return
	}
	q.items[k] = &queueItem{shards: shards, verify: verify, reason: reason}
	q.ready = append(q.ready, k)
	q.persist = append(q.persist, k)
	signal(q.wake)
	signal(q.flush)
}

// take returns the next key to repair and whether its shards are to be
// read, waiting for one until ctx ends.
func (q *repairQueue) take(ctx context.Context) (string, bool, bool) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		q.mu.Lock()
		if q.nodeCameBack() {
			for _, k := range q.deferred {
				if it := q.items[k]; it != nil {
					it.notBefore = time.Time{}
				}
			}
		}
		q.promote(time.Now())
		if len(q.ready) > 0 {
			k := q.ready[0]
			q.ready = q.ready[1:]
			it := q.items[k]
			it.running = true
			verify := it.verify
			more := len(q.ready) > 0
			q.mu.Unlock()
			if more {
				signal(q.wake)
			}
			return k, verify, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", false, false
		case <-q.wake:
		case <-t.C:
		}
	}
}

// nodeCameBack reports whether a node is up that was not when it last
// looked. The caller holds q.mu.
func (q *repairQueue) nodeCameBack() bool {
	if q.up == nil {
		q.up = make([]bool, len(q.l.nodes))
		for i := range q.up {
			q.up[i] = true
		}
	}
	back := false
	for i := range q.up {
		up := q.l.health.up(i)
		back = back || (up && !q.up[i])
		q.up[i] = up
	}
	return back
}

// promote moves the deferred keys that are due to ready.
func (q *repairQueue) promote(now time.Time) {
	kept := q.deferred[:0]
	for _, k := range q.deferred {
		if it := q.items[k]; it != nil && !it.notBefore.After(now) {
			q.ready = append(q.ready, k)
		} else if it != nil {
			kept = append(kept, k)
		}
	}
	clear(q.deferred[len(kept):])
	q.deferred = kept
}

// done ends the repair of k: a complete one removes it (and its r/ entry),
// an incomplete one is retried later.
func (q *repairQueue) done(k string, complete bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it := q.items[k]
	if it == nil {
		return
	}
	it.running = false
	switch {
	case complete && it.again:
		it.again = false
		q.ready = append(q.ready, k)
		signal(q.wake)
	case complete:
		delete(q.items, k)
		if it.hlc != 0 {
			q.unpersist = append(q.unpersist, persistedEntry{k, it.hlc})
			signal(q.flush)
		}
	default:
		it.again = false
		it.attempts++
		backoff := queueRetryMin << min(it.attempts-1, 10)
		it.notBefore = time.Now().Add(min(backoff, queueRetryMax))
		q.deferred = append(q.deferred, k)
	}
}

// counts returns the queued objects, the shards known to need repair
// among them and how many wait for a retry.
func (q *repairQueue) counts() (objects, shards, deferred int, overflow bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range q.items {
		shards += it.shards
	}
	return len(q.items), shards, len(q.deferred), q.overflow
}

// work repairs queued objects until ctx ends.
func (q *repairQueue) work(ctx context.Context) {
	for {
		k, verify, ok := q.take(ctx)
		if !ok {
			return
		}
		ref, ok := refOf([]byte(k))
		if !ok {
			q.l.log.Warn("repair queue: malformed record key", "key", k)
			q.done(k, true)
			continue
		}
		out, err := q.l.repairObject(ctx, ref, verify)
		q.l.rep.stats.add(out)
		if err != nil {
			q.done(k, false)
			continue
		}
		if len(out.problems) > 0 {
			q.l.log.Debug("queued repair incomplete", "bucket", ref.bucket, "key", ref.key, "problem", out.problems[0].msg)
		} else if out.shardsRebuilt+out.recordsWritten > 0 {
			q.l.log.Info("object repaired", "bucket", ref.bucket, "key", ref.key,
				"shards", out.shardsRebuilt, "records", out.recordsWritten)
		}
		q.done(k, len(out.problems) == 0)
	}
}

// persistLoop writes and deletes r/ entries until ctx ends, then flushes
// once more.
func (q *repairQueue) persistLoop(ctx context.Context) {
	t := time.NewTicker(queueFlushInterval)
	defer t.Stop()
	reload := time.Now()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			q.flushOnce(fctx)
			cancel()
			return
		case <-t.C:
		case <-q.flush:
			// Let more entries join the batch.
			select {
			case <-ctx.Done():
				continue
			case <-time.After(queueFlushInterval):
			}
		}
		q.flushOnce(ctx)
		q.mu.Lock()
		needLoad := !q.loaded || (q.overflow && len(q.items) == 0)
		q.mu.Unlock()
		if needLoad && time.Now().After(reload) {
			if err := q.load(ctx); err != nil {
				q.l.log.Debug("loading the persisted repair queue", "err", err)
				reload = time.Now().Add(queueReloadRetry)
			}
		}
	}
}

// flushOnce writes the pending r/ entries (needing MetaQuorum; the others
// stay pending) and deletes those of repaired objects (best effort: an
// entry left behind is repaired again, found whole and deleted).
func (q *repairQueue) flushOnce(ctx context.Context) {
	q.mu.Lock()
	keys := q.persist
	if len(keys) > queueBatchOps {
		keys = keys[:queueBatchOps]
	}
	q.persist = q.persist[len(keys):]
	type entry struct {
		key    string
		shards int
		verify bool
		reason string
	}
	entries := make([]entry, 0, len(keys))
	for _, k := range keys {
		if it := q.items[k]; it != nil && it.hlc == 0 {
			entries = append(entries, entry{k, it.shards, it.verify, it.reason})
		}
	}
	dels := q.unpersist
	if len(dels) > queueBatchOps {
		dels = dels[:queueBatchOps]
	}
	q.unpersist = q.unpersist[len(dels):]
	q.mu.Unlock()

	if len(entries) > 0 {
		hlc := q.l.clock.next()
		ops := make([]storage.Op, len(entries))
		for x, e := range entries {
			ops[x] = storage.Op{Kind: storage.OpPutIfNewer, Key: repairKey([]byte(e.key)), Value: encodeRepairEntry(hlc, e.shards, e.verify, e.reason), HLC: hlc}
		}
		ok := q.l.applyAll(ctx, ops)
		q.mu.Lock()
		for _, e := range entries {
			it := q.items[e.key]
			switch {
			case ok < q.l.topo.MetaQuorum():
				if it != nil {
					q.persist = append(q.persist, e.key)
				}
			case it != nil:
				it.hlc = hlc
			default:
				// Repaired before its entry was written.
				q.unpersist = append(q.unpersist, persistedEntry{e.key, hlc})
			}
		}
		q.mu.Unlock()
		if ok < q.l.topo.MetaQuorum() {
			q.l.log.Debug("repair queue entries not persisted yet", "entries", len(entries), "nodes", ok, "need", q.l.topo.MetaQuorum())
		}
	}
	if len(dels) > 0 {
		ops := make([]storage.Op, len(dels))
		for x, d := range dels {
			ops[x] = storage.Op{Kind: storage.OpDeleteIfNotNewer, Key: repairKey([]byte(d.key)), HLC: d.hlc}
		}
		q.l.applyAll(ctx, ops)
	}
}

// load adds the persisted entries to the queue, up to its limit.
func (q *repairQueue) load(ctx context.Context) error {
	start := []byte(prefixRepair)
	m := q.l.newMergeScan(q.l.allNodes(), start, prefixEnd(start), len(q.l.nodes)-q.l.topo.MetaQuorum(), 1000)
	added := 0
	for {
		key, vals, err := m.next(ctx)
		if err != nil {
			return err
		}
		if key == nil {
			break
		}
		var newest uint64
		var e repairEntry
		for _, v := range vals {
			if d, ok := decodeRepairEntry(v); ok && d.hlc >= newest {
				newest, e = d.hlc, d
			}
		}
		if newest == 0 {
			continue
		}
		k := string(key[len(prefixRepair):])
		q.mu.Lock()
		if it, ok := q.items[k]; ok {
			it.hlc = max(it.hlc, newest)
			q.mu.Unlock()
			continue
		}
		if len(q.items) >= q.limit {
			q.overflow = true
			q.mu.Unlock()
			return nil
		}
		q.items[k] = &queueItem{shards: e.shards, verify: e.verify, reason: e.reason, hlc: newest}
		q.ready = append(q.ready, k)
		q.mu.Unlock()
		added++
	}
	q.mu.Lock()
	q.loaded = true
	q.overflow = false
	q.mu.Unlock()
	if added > 0 {
		q.l.log.Info("loaded persisted repair queue", "objects", added)
		signal(q.wake)
	}
	return nil
}

func repairKey(recordKey []byte) []byte {
	return append([]byte(prefixRepair), recordKey...)
}

// flagVerify marks a repair entry whose shards are all to be read.
const flagVerify = 1

// repairEntry is the value of an r/ record.
type repairEntry struct {
	hlc    uint64
	shards int
	verify bool
	reason string
}

func encodeRepairEntry(hlc uint64, shards int, verify bool, reason string) []byte {
	b := binary.BigEndian.AppendUint64(nil, hlc)
	var flags byte
	if verify {
		flags |= flagVerify
	}
	b = append(b, recordVersion, flags)
	b = binary.AppendUvarint(b, uint64(shards))
	return appendString(b, reason)
}

func decodeRepairEntry(v []byte) (repairEntry, bool) {
	d := decoder{b: v}
	var e repairEntry
	flags := d.header(&e.hlc)
	e.verify = flags&flagVerify != 0
	e.shards = int(d.uvarint())
	e.reason = d.string()
	return e, d.err == nil
}

// applyAll applies ops on every node in parallel and returns how many
// acknowledged them.
func (l *Layer) applyAll(ctx context.Context, ops []storage.Op) int {
	errs := make([]error, len(l.nodes))
	forEach(len(l.nodes), func(i int) {
		_, errs[i] = l.apply(ctx, i, storage.Batch{Ops: ops})
	})
	return countNil(errs)
}

// shardsToRepair counts the shards a read found corrupt or missing, but
// not those missing because their node is not up (down, or failing right
// now): they are likely whole on it, a write while it is away is queued by
// the writer, and the scanner checks the rest.
func (l *Layer) shardsToRepair(st *objectState, rep erasure.DecodeReport) int {
	n := len(rep.Corrupt)
	for _, s := range rep.Missing {
		// Slot s of the placement holds shard s.
		if s >= len(st.placed) || (st.errs[s] == nil && l.health.up(st.placed[s])) {
			n++
		}
	}
	return n
}

// queueRepair queues the repair of bucket/key's object record.
func (l *Layer) queueRepair(bucket, key string, shards int, verify bool, reason string) {
	if l.rep == nil || l.rep.queue == nil {
		return
	}
	l.rep.queue.add(objectKey(bucket, key), shards, verify, reason)
}
