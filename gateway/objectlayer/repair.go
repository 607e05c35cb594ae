package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/storage"
)

// recordSpace is a key prefix whose values are object records (they
// decode with decodeObjectRecord). The scanner walks every space and the
// repair works on any record in one; a new kind of object record (object
// versions, say) is one more line in recordSpaces.
type recordSpace struct {
	prefix string
	// split returns the bucket and key that place a record, from its key
	// without the prefix.
	split func(rest []byte) (bucket, key string, ok bool)
	// list returns the key of the list entry kept beside the record, or
	// nil when the space has none.
	list func(rest []byte) []byte
}

var recordSpaces = []recordSpace{
	{prefix: prefixObject, split: splitBucketKey, list: func(rest []byte) []byte { return append([]byte(prefixList), rest...) }},
	// Version records come after the current records: a version's first
	// versioned write copies a current null version into v/ in the same
	// batch, so walking o/ first sees each reference in one place or the
	// other, never in neither (see shardReferences).
	{prefix: prefixVersion, split: splitVersionRecordKey, list: func(rest []byte) []byte { return append([]byte(prefixVersionList), rest...) }},
}

// splitVersionRecordKey splits "<bucket>\x00<key>\x00<slot>".
func splitVersionRecordKey(rest []byte) (string, string, bool) {
	b, after, ok := bytes.Cut(rest, []byte{0})
	if !ok || len(b) == 0 {
		return "", "", false
	}
	k, _, ok := splitVersionKey(after)
	return string(b), k, ok
}

// splitBucketKey splits "<bucket>\x00<key>".
func splitBucketKey(rest []byte) (string, string, bool) {
	b, k, ok := bytes.Cut(rest, []byte{0})
	if !ok || len(b) == 0 {
		return "", "", false
	}
	return string(b), string(k), true
}

// objectRef names one object record: its space and its key without the
// space's prefix.
type objectRef struct {
	space       *recordSpace
	rest        []byte
	bucket, key string
}

// refOf parses a full record key.
func refOf(recordKey []byte) (objectRef, bool) {
	for i := range recordSpaces {
		sp := &recordSpaces[i]
		if rest, ok := bytes.CutPrefix(recordKey, []byte(sp.prefix)); ok {
			b, k, ok := sp.split(rest)
			return objectRef{space: sp, rest: rest, bucket: b, key: k}, ok
		}
	}
	return objectRef{}, false
}

func (r objectRef) recordKey() []byte {
	return append([]byte(r.space.prefix), r.rest...)
}

func (r objectRef) listKey() []byte {
	if r.space.list == nil {
		return nil
	}
	return r.space.list(r.rest)
}

func (r objectRef) String() string { return r.bucket + "/" + r.key }

// repairOutcome is what one object's repair found and did.
type repairOutcome struct {
	recordsWritten    int   // records written to holders that lacked them
	shardsRebuilt     int   // shard files and inline shards rebuilt
	bytesRebuilt      int64 // bytes of rebuilt shards
	missing           int   // shards found missing (or of the wrong size)
	corrupt           int   // shards found corrupt (bitrot)
	bytesVerified     int64 // shard bytes read and checked
	tombstonesRemoved int
	// problems says what could not be repaired; empty when the object
	// holds its full redundancy now.
	problems []repairProblem
}

// repairProblem is one thing a repair could not do. node is the node at
// fault when there is one ("" otherwise), so that the scanner can sum up
// "node X unreachable" once instead of per object.
type repairProblem struct {
	node string
	msg  string
}

func (o *repairOutcome) problem(node, format string, args ...any) {
	o.problems = append(o.problems, repairProblem{node: node, msg: fmt.Sprintf(format, args...)})
}

// repairLocks serializes the repairs of one record key within a gateway
// (the queue and a scanner pass may meet on one object). Repairs through
// two gateways are safe too, only wasteful: every write is conditional.
type repairLocks struct {
	seed  maphash.Seed
	locks [64]sync.Mutex
}

func (rl *repairLocks) lock(key []byte) func() {
	mu := &rl.locks[maphash.Bytes(rl.seed, key)%uint64(len(rl.locks))]
	mu.Lock()
	return mu.Unlock
}

// slotKind classifies what a placed node holds of an object.
type slotKind int

const (
	slotDown        slotKind = iota // did not answer
	slotCurrent                     // holds the current version's record
	slotMissing                     // holds no record
	slotOlder                       // holds an older version
	slotNewerFailed                 // holds a newer version that never reached a quorum, older than the grace period
	slotNewerRecent                 // holds a newer version that may still be committing: left alone
)

// newerThan orders versions as choose does.
func newerThan(a, b *objectRecord) bool {
	if a.hlc != b.hlc {
		return a.hlc > b.hlc
	}
	return a.versionID > b.versionID
}

// sameRecord reports whether a and b are the same write of one version.
func sameRecord(a, b *objectRecord) bool { return a.hlc == b.hlc && a.versionID == b.versionID }

// aged reports whether the HLC h is older than the grace period.
func (l *Layer) aged(h uint64) bool {
	return l.clock.now().Sub(hlcTime(h)) > l.rep.opts.GCGrace
}

// repairObject reads the record of ref on every placed node, picks the
// current version and brings every placed node to hold it in full: its
// record, its list entry and its shard (a shard file per data ID, or the
// inline shard in the record), rebuilding missing and, with verify,
// corrupt shards from the others (erasure Rebuild, streamed). It also
// removes a tombstone every placed node holds, and replaces a node's newer
// record of a write that never reached a quorum with the current version,
// once they are older than the grace period.
//
// Every write is conditional on the record it replaces, so a repair racing
// a new write of the key never undoes it. The error is only the context's;
// what could not be repaired is in the outcome's problems.
func (l *Layer) repairObject(ctx context.Context, ref objectRef, verify bool) (repairOutcome, error) {
	var out repairOutcome
	okey := ref.recordKey()
	defer l.rep.locks.lock(okey)()
	st := &objectState{placed: l.topo.Place(ref.bucket, ref.key)}
	l.fetchObject(ctx, st, okey)
	if err := ctx.Err(); err != nil {
		return out, err
	}
	n := len(st.placed)
	allAnswered := st.answered == n
	st.choose(l.topo.WriteQuorum())
	for j := range n {
		if st.errs[j] != nil {
			out.problem(l.nodes[st.placed[j]].ID(), "%s: node %s did not answer: %v", ref, l.nodes[st.placed[j]].ID(), st.errs[j])
		}
	}
	cur := st.cur
	if cur == nil {
		l.noQuorumVersion(ref, st, allAnswered, &out)
		return out, ctx.Err()
	}
	if len(st.holders) < l.topo.WriteQuorum() && !allAnswered {
		// cur may be a write that failed on the nodes that did not
		// answer: spreading it could overrule an acknowledged version.
		return out, nil
	}
	kinds := make([]slotKind, n)
	for j, r := range st.recs {
		switch {
		case st.errs[j] != nil:
			kinds[j] = slotDown
		case r == nil:
			kinds[j] = slotMissing
		case sameRecord(r, cur):
			kinds[j] = slotCurrent
		case newerThan(r, cur) && l.aged(r.wallHLC()):
			kinds[j] = slotNewerFailed
		case newerThan(r, cur):
			kinds[j] = slotNewerRecent
		default:
			kinds[j] = slotOlder
		}
	}
	if cur.tombstone {
		l.repairTombstone(ctx, ref, st, kinds, allAnswered, &out)
		return out, ctx.Err()
	}
	if cur.deleteMarker {
		l.repairMarker(ctx, ref, st, kinds, &out)
		return out, ctx.Err()
	}
	if len(cur.holders) != n || cur.layout.Shards() != n {
		out.problem("", "%s: record names %d holders for %d placed nodes and layout %v", ref, len(cur.holders), n, cur.layout)
		return out, nil
	}
	for j, id := range cur.holders {
		if i, ok := l.nodeIndex[id]; !ok || i != st.placed[j] {
			// The topology changed under the object; moving shards is
			// not the repair's work.
			out.problem("", "%s: shard %d is held by %s, which placement no longer puts there", ref, j, id)
			return out, nil
		}
	}
	if cur.inline {
		l.repairInline(ctx, ref, st, kinds, &out)
	} else {
		l.repairFiles(ctx, ref, st, kinds, verify, &out)
	}
	return out, ctx.Err()
}

// repairMarker writes a delete marker's record and list entry to the
// placed nodes that lack them. A marker has no shards.
func (l *Layer) repairMarker(ctx context.Context, ref objectRef, st *objectState, kinds []slotKind, out *repairOutcome) {
	cur := st.cur
	okey, lkey := ref.recordKey(), ref.listKey()
	entry := listEntryOf(cur)
	errs := l.applySlots(ctx, st.placed, func(j int) []storage.Op {
		if !repairable(kinds[j]) || kinds[j] == slotCurrent {
			return nil
		}
		del := deleteHLC(kinds[j], st.recs[j], cur)
		ops := replaceOps(okey, del, recordFor(cur, j, nil), cur.hlc)
		if lkey != nil {
			ops = append(ops, replaceOps(lkey, del, entry, cur.hlc)...)
		}
		return append(ops, staleShardRemovals(st.recs[j], cur, j)...)
	})
	for j, err := range errs {
		switch {
		case err == nil:
			out.recordsWritten++
		case errors.Is(err, errSkipped):
		default:
			out.problem(l.nodes[st.placed[j]].ID(), "%s: writing the delete marker to %s: %v", ref, l.nodes[st.placed[j]].ID(), err)
		}
	}
}

// noQuorumVersion reports a key whose records name no version with a
// write quorum of holders. That is a write that failed before reaching
// its quorum (garbage), or an object that lost more shards than its
// parity can rebuild and whose missing holders may yet come back (a disk
// mounted again): the two cannot be told apart, so nothing is removed
// and the operator is told.
func (l *Layer) noQuorumVersion(ref objectRef, st *objectState, allAnswered bool, out *repairOutcome) {
	if !allAnswered {
		return // the nodes that did not answer are reported already
	}
	var newest *objectRecord
	holders := 0
	for _, r := range st.recs {
		if r == nil {
			continue
		}
		if newest == nil || newerThan(r, newest) {
			newest, holders = r, 0
		}
		if sameRecord(r, newest) {
			holders++
		}
	}
	if newest == nil || !l.aged(newest.wallHLC()) {
		return // nothing, or a write still in progress
	}
	out.problem("", "%s: no version has a write quorum: the newest is on %d of %d nodes, %d needed (a failed write, or an object that lost more shards than its parity); left as it is",
		ref, holders, len(st.placed), l.topo.WriteQuorum())
}

// replaceOps are the ops that make key hold value (of HLC hlc) unless
// something newer than del is there: a record of the same version whose
// bytes change (an inline shard rebuilt), or a failed write's newer
// record, is deleted first. A later OpCommitShard tied to key commits only
// if the put applied.
func replaceOps(key []byte, del uint64, value []byte, hlc uint64) []storage.Op {
	return []storage.Op{
		{Kind: storage.OpDeleteIfNotNewer, Key: key, HLC: del},
		{Kind: storage.OpPutIfNewer, Key: key, Value: value, HLC: hlc},
	}
}

// deleteHLC is the HLC up to which the record of slot j may be replaced.
func deleteHLC(kind slotKind, r, cur *objectRecord) uint64 {
	if kind == slotNewerFailed {
		return r.hlc
	}
	return cur.hlc
}

// repairTombstone writes the current tombstone to the placed nodes that
// hold anything else, removing their shard files, and removes the
// tombstone everywhere once every placed node holds it and it is older
// than the grace period.
func (l *Layer) repairTombstone(ctx context.Context, ref objectRef, st *objectState, kinds []slotKind, allAnswered bool, out *repairOutcome) {
	cur := st.cur
	okey, lkey := ref.recordKey(), ref.listKey()
	tomb := cur.marshal()
	entry := (&listEntry{hlc: cur.hlc, tombstone: true}).marshal()
	// The tombstone goes only once every placed node held it before this
	// repair: one written just now to a node that answered "nothing" (a
	// disk mounted empty?) waits for the next pass.
	everywhere := allAnswered
	for _, k := range kinds {
		everywhere = everywhere && k == slotCurrent
	}
	errs := l.applySlots(ctx, st.placed, func(j int) []storage.Op {
		if !repairable(kinds[j]) || kinds[j] == slotCurrent {
			return nil
		}
		del := deleteHLC(kinds[j], st.recs[j], cur)
		ops := replaceOps(okey, del, tomb, cur.hlc)
		if lkey != nil {
			ops = append(ops, replaceOps(lkey, del, entry, cur.hlc)...)
		}
		if r := st.recs[j]; r != nil && !r.versioned {
			// A versioned record's files belong to its v/ record.
			for _, name := range r.shardNames() {
				ops = append(ops, storage.Op{Kind: storage.OpRemoveShard, Name: name})
			}
		}
		return ops
	})
	for j, err := range errs {
		switch {
		case err == nil:
			out.recordsWritten++
		case errors.Is(err, errSkipped):
		default:
			everywhere = false
			out.problem(l.nodes[st.placed[j]].ID(), "%s: writing the tombstone to %s: %v", ref, l.nodes[st.placed[j]].ID(), err)
		}
	}
	if !everywhere || !l.aged(cur.wallHLC()) || ctx.Err() != nil {
		return
	}
	// Every placed node holds the tombstone: no older version is left
	// anywhere to come back once it is gone.
	errs = l.applySlots(ctx, st.placed, func(int) []storage.Op {
		ops := []storage.Op{{Kind: storage.OpDeleteIfNotNewer, Key: okey, HLC: cur.hlc}}
		if lkey != nil {
			ops = append(ops, storage.Op{Kind: storage.OpDeleteIfNotNewer, Key: lkey, HLC: cur.hlc})
		}
		return ops
	})
	if countNil(errs) == len(errs) {
		out.tombstonesRemoved++
	}
}

// listEntryOf is the list entry of a live version, with its version
// fields (delete marker, version ID, tags, creation time).
func listEntryOf(r *objectRecord) []byte {
	return entryOf(r).marshal()
}

// recordFor is cur's record as slot j holds it, with inline data.
func recordFor(cur *objectRecord, j int, data []byte) []byte {
	r := *cur
	r.shard, r.data = j, data
	return r.marshal()
}

// repairable reports whether slot j of kind can be written now.
func repairable(kind slotKind) bool { return kind != slotDown && kind != slotNewerRecent }

// repairInline rebuilds the inline shards that are missing or corrupt
// from the intact ones and writes them in fresh records.
func (l *Layer) repairInline(ctx context.Context, ref objectRef, st *objectState, kinds []slotKind, out *repairOutcome) {
	cur := st.cur
	n := len(st.placed)
	intact := make([]bool, n)
	var targets []int
	for j, r := range st.recs {
		if kinds[j] == slotCurrent && r.shard == j {
			out.bytesVerified += int64(len(r.data))
			if err := erasure.Verify(bytes.NewReader(r.data), cur.layout, cur.size); err == nil {
				intact[j] = true
				continue
			}
			out.corrupt++
		} else if repairable(kinds[j]) {
			out.missing++
		}
		if repairable(kinds[j]) {
			targets = append(targets, j)
		}
	}
	if len(targets) == 0 {
		return
	}
	good := 0
	for _, ok := range intact {
		if ok {
			good++
		}
	}
	if good < cur.layout.K {
		out.problem("", "%s: %d intact inline shards, %d needed to rebuild", ref, good, cur.layout.K)
		return
	}
	enc, err := l.encoder(cur.layout)
	if err != nil {
		out.problem("", "%s: %v", ref, err)
		return
	}
	shardLen := int(cur.layout.ShardFileSize(cur.size))
	bufs := make([]appendWriter, n)
	writers := make([]io.Writer, n)
	for _, j := range targets {
		bufs[j].b = make([]byte, 0, shardLen)
		writers[j] = &bufs[j]
	}
	open := func(ctx context.Context, shard int, offset, length int64) (io.ReadCloser, error) {
		if !intact[shard] {
			return nil, fmt.Errorf("inline shard %d: %w", shard, storage.ErrNotFound)
		}
		d := st.recs[shard].data[offset:]
		if length >= 0 && length < int64(len(d)) {
			d = d[:length]
		}
		return io.NopCloser(bytes.NewReader(d)), nil
	}
	if _, err := enc.Rebuild(ctx, open, cur.size, writers); err != nil {
		out.problem("", "%s: rebuilding inline shards: %v", ref, err)
		return
	}
	okey, lkey := ref.recordKey(), ref.listKey()
	entry := listEntryOf(cur)
	errs := l.applySlots(ctx, st.placed, func(j int) []storage.Op {
		if writers[j] == nil {
			return nil
		}
		del := deleteHLC(kinds[j], st.recs[j], cur)
		ops := replaceOps(okey, del, recordFor(cur, j, bufs[j].b), cur.hlc)
		if lkey != nil {
			ops = append(ops, replaceOps(lkey, del, entry, cur.hlc)...)
		}
		return append(ops, staleShardRemovals(st.recs[j], cur, j)...)
	})
	for j, err := range errs {
		switch {
		case err == nil:
			out.shardsRebuilt++
			out.bytesRebuilt += int64(shardLen)
			if kinds[j] != slotCurrent {
				out.recordsWritten++
			}
		case errors.Is(err, errSkipped):
		default:
			out.problem(l.nodes[st.placed[j]].ID(), "%s: writing the rebuilt inline shard %d to %s: %v", ref, j, l.nodes[st.placed[j]].ID(), err)
		}
	}
}

// staleShardRemovals removes the shard files of r, a node's record that
// cur replaces, other than those cur's slot j refers to itself.
func staleShardRemovals(r, cur *objectRecord, j int) []storage.Op {
	if r == nil || r.versioned {
		// A record that has a copy in v/ shares its shard files with that
		// version record, which outlives this one: removing the version
		// removes them.
		return nil
	}
	keep := map[string]bool{}
	for _, d := range cur.dataIDs() {
		keep[shardName(d.id, j)] = true
	}
	var ops []storage.Op
	for _, name := range r.shardNames() {
		if !keep[name] {
			ops = append(ops, storage.Op{Kind: storage.OpRemoveShard, Name: name})
		}
	}
	return ops
}

// dataRef is one set of shard files of a version: the object's, or one
// part's.
type dataRef struct {
	id   string
	size int64 // object bytes it encodes
	part int   // part number, 0 for a single-part object
}

func (r *objectRecord) dataIDs() []dataRef {
	if r.inline || r.tombstone {
		return nil
	}
	if len(r.parts) == 0 {
		return []dataRef{{id: r.dataID, size: r.size}}
	}
	out := make([]dataRef, len(r.parts))
	for i, p := range r.parts {
		out[i] = dataRef{id: p.dataID, size: p.size, part: p.number}
	}
	return out
}

func (d dataRef) String() string {
	if d.part > 0 {
		return fmt.Sprintf("part %d", d.part)
	}
	return "data"
}

// repairFiles checks the shard files of every placed node (presence and
// size, and with verify every block checksum), rebuilds the missing and
// corrupt ones from the intact ones, and commits them with the record.
func (l *Layer) repairFiles(ctx context.Context, ref objectRef, st *objectState, kinds []slotKind, verify bool, out *repairOutcome) {
	cur := st.cur
	n := len(st.placed)
	datas := cur.dataIDs()
	// intact[j][d]: slot j holds the complete shard file of datas[d].
	intact := make([][]bool, n)
	forEach(n, func(j int) {
		intact[j] = make([]bool, len(datas))
		if !repairable(kinds[j]) {
			return
		}
		names := make([]string, len(datas))
		for d, dr := range datas {
			names[d] = shardName(dr.id, j)
		}
		infos, err := l.statShards(ctx, st.placed[j], names)
		if err != nil {
			kinds[j] = slotDown
			return
		}
		for d, dr := range datas {
			intact[j][d] = infos[d].Size == cur.layout.ShardFileSize(dr.size)
		}
	})
	for j := range n {
		if kinds[j] == slotDown && st.errs[j] == nil {
			id := l.nodes[st.placed[j]].ID()
			out.problem(id, "%s: node %s did not answer", ref, id)
		}
	}
	for j := range n {
		for d := range datas {
			if repairable(kinds[j]) && !intact[j][d] {
				out.missing++
			}
		}
	}
	if verify {
		// A data whose rebuild will read every intact shard anyway (as
		// many as K are left) is checked by the rebuild itself, which
		// verifies each block it reads: reading it twice would only
		// slow the refill of a replaced node.
		checked := make([]bool, len(datas))
		for d := range datas {
			missing, good := 0, 0
			for j := range n {
				if intact[j][d] {
					good++
				} else if repairable(kinds[j]) {
					missing++
				}
			}
			checked[d] = missing > 0 && good <= cur.layout.K
		}
		l.verifyFiles(ctx, ref, st, datas, intact, checked, out)
	}
	// rebuilt[j] are the temporary shard files made for slot j.
	rebuilt := make([][]string, n)
	for d, dr := range datas {
		var targets []int
		for j := range n {
			if repairable(kinds[j]) && !intact[j][d] {
				targets = append(targets, j)
			}
		}
		if len(targets) == 0 {
			continue
		}
		made, bad := l.rebuildShards(ctx, ref, st, dr, intact, d, targets, out)
		for _, j := range made {
			rebuilt[j] = append(rebuilt[j], shardName(dr.id, j))
			out.shardsRebuilt++
			out.bytesRebuilt += cur.layout.ShardFileSize(dr.size)
		}
		out.corrupt += bad
	}
	okey, lkey := ref.recordKey(), ref.listKey()
	entry := listEntryOf(cur)
	errs := l.applySlots(ctx, st.placed, func(j int) []storage.Op {
		if !repairable(kinds[j]) || (kinds[j] == slotCurrent && st.recs[j].shard == j && len(rebuilt[j]) == 0) {
			return nil
		}
		for d := range datas {
			if !intact[j][d] && !slices.Contains(rebuilt[j], shardName(datas[d].id, j)) {
				// The record of a node without its shard would make
				// reads try it for nothing.
				return nil
			}
		}
		del := deleteHLC(kinds[j], st.recs[j], cur)
		ops := replaceOps(okey, del, recordFor(cur, j, nil), cur.hlc)
		if lkey != nil {
			ops = append(ops, replaceOps(lkey, del, entry, cur.hlc)...)
		}
		for _, name := range rebuilt[j] {
			// Tied to the record's put: dropped if a newer write got there.
			ops = append(ops, storage.Op{Kind: storage.OpCommitShard, Key: okey, Name: name})
		}
		return append(ops, staleShardRemovals(st.recs[j], cur, j)...)
	})
	for j, err := range errs {
		switch {
		case err == nil:
			if kinds[j] != slotCurrent || st.recs[j].shard != j {
				out.recordsWritten++
			}
		case errors.Is(err, errSkipped):
		default:
			id := l.nodes[st.placed[j]].ID()
			out.problem(id, "%s: committing the repair of shard %d on %s: %v", ref, j, id, err)
			l.abortShards(st.placed[j], rebuilt[j])
		}
	}
}

// statShards asks node i about names, tracking its health.
func (l *Layer) statShards(ctx context.Context, i int, names []string) ([]storage.ShardInfo, error) {
	if !l.health.usable(i) {
		return nil, errNodeDown
	}
	infos, err := l.nodes[i].StatShards(ctx, names)
	l.health.observe(ctx, i, err)
	return infos, err
}

// verifyFiles reads every shard file marked intact, at the bitrot pace,
// and checks its block checksums; a corrupt or unreadable one is marked
// not intact. Datas marked skip are left to the rebuild.
func (l *Layer) verifyFiles(ctx context.Context, ref objectRef, st *objectState, datas []dataRef, intact [][]bool, skip []bool, out *repairOutcome) {
	cur := st.cur
	for d, dr := range datas {
		if skip[d] {
			continue
		}
		for j := range st.placed {
			if !intact[j][d] || ctx.Err() != nil {
				continue
			}
			name := shardName(dr.id, j)
			n, err := l.verifyShard(ctx, st.placed[j], name, cur.layout, dr.size)
			out.bytesVerified += n
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				return
			}
			intact[j][d] = false
			if errors.Is(err, erasure.ErrCorrupt) {
				out.corrupt++
				l.log.Warn("corrupt shard found", "bucket", ref.bucket, "key", ref.key, "shard", name, "node", l.nodes[st.placed[j]].ID(), "err", err)
			}
		}
	}
}

// verifyShard reads one shard file through the bitrot pacer and checks it.
func (l *Layer) verifyShard(ctx context.Context, i int, name string, layout erasure.Layout, size int64) (int64, error) {
	if !l.health.usable(i) {
		return 0, errNodeDown
	}
	rc, err := l.nodes[i].ReadShard(ctx, name, 0, -1)
	l.health.observe(ctx, i, err)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	pr := &pacedReader{ctx: ctx, r: rc, p: l.rep.pacer}
	err = erasure.Verify(pr, layout, size)
	l.rep.stats.bytesVerified.Add(pr.n)
	return pr.n, err
}

// rebuildShards rebuilds datas[d]'s shard files of targets from the intact
// ones, streaming each into a temporary file on its node. A source found
// corrupt or missing on the way is marked not intact and the rebuild is
// tried again with it among the targets. It returns the targets whose
// temporary file is complete and the number of sources found corrupt.
func (l *Layer) rebuildShards(ctx context.Context, ref objectRef, st *objectState, dr dataRef, intact [][]bool, d int, targets []int, out *repairOutcome) (made []int, corrupt int) {
	cur := st.cur
	enc, err := l.encoder(cur.layout)
	if err != nil {
		out.problem("", "%s: %v", ref, err)
		return nil, 0
	}
	for range 3 {
		good := 0
		for j := range st.placed {
			if intact[j][d] {
				good++
			}
		}
		if good < cur.layout.K {
			out.problem("", "%s: %s has %d intact shards, %d needed to rebuild", ref, dr, good, cur.layout.K)
			return nil, corrupt
		}
		ok, rep, err := l.rebuildOnce(ctx, enc, st, dr, intact, d, targets)
		for _, s := range rep.Corrupt {
			intact[s][d] = false
			corrupt++
		}
		for _, s := range rep.Missing {
			intact[s][d] = false
		}
		if err == nil {
			for x, j := range targets {
				if ok[x] {
					made = append(made, j)
				} else {
					id := l.nodes[st.placed[j]].ID()
					out.problem(id, "%s: writing the rebuilt shard %d of %s to %s failed", ref, j, dr, id)
				}
			}
			// Sources that failed on the way are rebuilt next time.
			return made, corrupt
		}
		if ctx.Err() != nil || !errors.Is(err, erasure.ErrReadQuorum) {
			out.problem("", "%s: rebuilding %s: %v", ref, dr, err)
			return nil, corrupt
		}
		// A source failed mid-way: try again with the ones left.
	}
	out.problem("", "%s: rebuilding %s: sources kept failing", ref, dr)
	return nil, corrupt
}

// rebuildOnce streams one Rebuild of dr into temporary files on the
// targets' nodes. ok[x] says targets[x]'s file is complete; on error
// every temporary file is aborted.
func (l *Layer) rebuildOnce(ctx context.Context, enc *erasure.Encoder, st *objectState, dr dataRef, intact [][]bool, d int, targets []int) ([]bool, erasure.DecodeReport, error) {
	n := len(st.placed)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	writers := make([]io.Writer, n)
	pipes := make([]*io.PipeWriter, n)
	created := make([]error, n)
	var wg sync.WaitGroup
	for _, j := range targets {
		i := st.placed[j]
		pr, pw := io.Pipe()
		writers[j], pipes[j] = pw, pw
		name := shardName(dr.id, j)
		wg.Go(func() {
			_, err := l.nodes[i].CreateShard(cctx, name, pr)
			l.health.observe(cctx, i, err)
			if err == nil {
				err = errShardClosed
			} else {
				created[j] = err
			}
			pr.CloseWithError(err)
		})
	}
	open := func(ctx context.Context, shard int, offset, length int64) (io.ReadCloser, error) {
		if !intact[shard][d] {
			return nil, fmt.Errorf("shard %d: %w", shard, storage.ErrNotFound)
		}
		i := st.placed[shard]
		if !l.health.usable(i) {
			return nil, errNodeDown
		}
		rc, err := l.nodes[i].ReadShard(ctx, shardName(dr.id, shard), offset, length)
		l.health.observe(ctx, i, err)
		return rc, err
	}
	rep, err := enc.Rebuild(cctx, open, dr.size, writers)
	for _, pw := range pipes {
		if pw == nil {
			continue
		}
		if err != nil {
			pw.CloseWithError(errShardAborted)
		} else {
			pw.Close()
		}
	}
	wg.Wait()
	ok := make([]bool, len(targets))
	for x, j := range targets {
		ok[x] = err == nil && created[j] == nil
		if !ok[x] {
			l.abortShards(st.placed[j], []string{shardName(dr.id, j)})
		}
	}
	return ok, rep, err
}

// abortShards removes temporary shard files from node i in the
// background.
func (l *Layer) abortShards(i int, names []string) {
	if len(names) == 0 {
		return
	}
	l.background(func(ctx context.Context) {
		ops := make([]storage.Op, len(names))
		for k, name := range names {
			ops[k] = storage.Op{Kind: storage.OpAbortShard, Name: name}
		}
		if _, err := l.apply(ctx, i, storage.Batch{Ops: ops}); err != nil {
			l.log.Debug("aborting rebuilt shards", "node", l.nodes[i].ID(), "shards", names, "err", err)
		}
	})
}

// pacedReader charges what it reads to a pacer.
type pacedReader struct {
	ctx context.Context
	r   io.Reader
	p   *pacer
	n   int64
}

func (p *pacedReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if n > 0 {
		if werr := p.p.wait(p.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// pacer is a token bucket of bytes per second; a rate of 0 or less does
// not limit.
type pacer struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64
	last   time.Time
}

func newPacer(bytesPerSecond int64) *pacer {
	r := float64(bytesPerSecond)
	return &pacer{rate: r, burst: max(r/8, 256<<10), last: time.Now()}
}

// wait takes n bytes from the bucket, sleeping until they are there.
func (p *pacer) wait(ctx context.Context, n int) error {
	if p.rate <= 0 {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	p.tokens = min(p.burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	p.last = now
	p.tokens -= float64(n)
	var d time.Duration
	if p.tokens < 0 {
		d = time.Duration(-p.tokens / p.rate * float64(time.Second))
	}
	p.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
