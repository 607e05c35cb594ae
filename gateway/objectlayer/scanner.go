package objectlayer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zones3/zones3/erasure"
	"github.com/zones3/zones3/storage"
)

// Defaults of RepairOptions.
const (
	DefaultScanInterval   = time.Hour
	DefaultBitrotInterval = 7 * 24 * time.Hour
	DefaultBitrotRate     = 32 << 20 // bytes per second
	DefaultGCGrace        = time.Hour
	DefaultRepairWorkers  = 8
	DefaultQueueLimit     = 100000
)

// RepairOptions configures the repair queue and the background scanner.
type RepairOptions struct {
	// ScanInterval is how often a scanner pass starts, counted from the
	// start of the last pass of any gateway of the cluster (default
	// DefaultScanInterval); negative disables scheduled passes (a heal
	// still runs one).
	ScanInterval time.Duration
	// BitrotInterval is how often a scheduled pass also reads every shard
	// and checks its block checksums (default DefaultBitrotInterval);
	// negative: only a heal does.
	BitrotInterval time.Duration
	// BitrotRate bounds the shard bytes per second the bitrot check reads
	// (default DefaultBitrotRate); negative: unlimited. Rebuilding a
	// shard that is gone is not paced: redundancy is short until it is done.
	BitrotRate int64
	// GCGrace is how old an unreferenced shard file or a tombstone every
	// node holds must be before the scanner removes it, and a node's
	// record of a write that never reached a quorum before the current
	// version replaces it (default DefaultGCGrace).
	GCGrace time.Duration
	// RepairWorkers is how many objects are repaired or verified at once
	// (default DefaultRepairWorkers); negative disables the repair queue
	// and the scanner.
	RepairWorkers int
	// QueueLimit bounds the objects the repair queue holds in memory
	// (default DefaultQueueLimit); beyond it the scanner finds them.
	QueueLimit int
}

func (o *RepairOptions) defaults() {
	if o.ScanInterval == 0 {
		o.ScanInterval = DefaultScanInterval
	}
	if o.BitrotInterval == 0 {
		o.BitrotInterval = DefaultBitrotInterval
	}
	if o.BitrotRate == 0 {
		o.BitrotRate = DefaultBitrotRate
	}
	if o.GCGrace <= 0 {
		o.GCGrace = DefaultGCGrace
	}
	if o.RepairWorkers == 0 {
		o.RepairWorkers = DefaultRepairWorkers
	}
	if o.QueueLimit <= 0 {
		o.QueueLimit = DefaultQueueLimit
	}
}

// repairState is a Layer's repair machinery.
type repairState struct {
	opts  RepairOptions
	locks repairLocks
	pacer *pacer
	stats repairStats
	queue *repairQueue // nil when disabled
	scan  *scanner     // nil when disabled

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// repairStats are the totals since the start, for /metrics.
type repairStats struct {
	shardsRebuilt     atomic.Int64
	recordsWritten    atomic.Int64
	bytesRebuilt      atomic.Int64
	bitrot            atomic.Int64 // corrupt shards found
	missing           atomic.Int64 // missing shards found
	bytesVerified     atomic.Int64
	orphansRemoved    atomic.Int64
	tombstonesRemoved atomic.Int64
	incomplete        atomic.Int64 // repairs that left something undone
	queueOverflow     atomic.Int64
}

func (s *repairStats) add(o repairOutcome) {
	s.shardsRebuilt.Add(int64(o.shardsRebuilt))
	s.recordsWritten.Add(int64(o.recordsWritten))
	s.bytesRebuilt.Add(o.bytesRebuilt)
	s.missing.Add(int64(o.missing))
	s.bitrot.Add(int64(o.corrupt))
	s.tombstonesRemoved.Add(int64(o.tombstonesRemoved))
	if len(o.problems) > 0 {
		s.incomplete.Add(1)
	}
}

// startRepair sets up the repair state and, unless disabled, starts the
// queue's workers and the scanner.
func (l *Layer) startRepair(opts RepairOptions) {
	opts.defaults()
	l.rep = &repairState{opts: opts, locks: repairLocks{seed: maphash.MakeSeed()}, pacer: newPacer(opts.BitrotRate)}
	if opts.RepairWorkers < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.rep.cancel = cancel
	l.rep.queue = newRepairQueue(l, opts.QueueLimit)
	l.rep.scan = newScanner(l)
	l.rep.wg.Go(func() { l.rep.queue.persistLoop(ctx) })
	for range max(opts.RepairWorkers/2, 1) {
		l.rep.wg.Go(func() { l.rep.queue.work(ctx) })
	}
	l.rep.wg.Go(func() { l.rep.scan.run(ctx) })
}

// stopRepair stops the workers and the scanner and waits for them.
func (l *Layer) stopRepair() {
	if l.rep == nil || l.rep.cancel == nil {
		return
	}
	l.rep.cancel()
	l.rep.wg.Wait()
}

// Pass states.
const (
	PassWaiting   = "waiting"
	PassRunning   = "running"
	PassDone      = "done"
	PassCancelled = "cancelled"
	PassFailed    = "failed"
)

// PassStatus is one scanner pass: what it found and repaired so far.
type PassStatus struct {
	ID       int64     `json:"id"`
	Full     bool      `json:"full"`    // shards are read and their checksums checked
	Trigger  string    `json:"trigger"` // "schedule" or "heal"
	State    string    `json:"state"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	// ObjectsEstimate is how many objects the pass will walk, counted
	// while it runs (0 until known).
	ObjectsEstimate   int64 `json:"objectsEstimate"`
	ObjectsScanned    int64 `json:"objectsScanned"`  // checked, and repaired when needed
	ObjectsRepaired   int64 `json:"objectsRepaired"` // objects that needed a repair and got it
	RecordsRepaired   int64 `json:"recordsRepaired"`
	ShardsRebuilt     int64 `json:"shardsRebuilt"`
	BytesRebuilt      int64 `json:"bytesRebuilt"`
	BytesVerified     int64 `json:"bytesVerified"`
	MissingFound      int64 `json:"missingFound"`
	BitrotFound       int64 `json:"bitrotFound"`
	OrphansRemoved    int64 `json:"orphansRemoved"`
	TombstonesRemoved int64 `json:"tombstonesRemoved"`
	// Unrepaired counts the objects the pass could not bring back to full
	// redundancy; Problems says why (a node down, too few intact shards).
	Unrepaired int64    `json:"unrepaired"`
	Problems   []string `json:"problems,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// Complete reports whether the pass ran to its end and left nothing
// unrepaired.
func (p PassStatus) Complete() bool {
	return p.State == PassDone && p.Unrepaired == 0 && p.Error == ""
}

// RepairStatus is the state of a gateway's repair queue and scanner.
type RepairStatus struct {
	// QueueObjects are the objects waiting for repair; QueueShards the
	// shards known to need it among them (a write that missed a node knows
	// how many; a queue entry loaded after a restart does not).
	QueueObjects  int  `json:"queueObjects"`
	QueueShards   int  `json:"queueShards"`
	QueueDeferred int  `json:"queueDeferred"` // waiting to be retried (a node down)
	QueueOverflow bool `json:"queueOverflow,omitempty"`
	// Passes are the waiting, running and recent passes, newest first.
	Passes []PassStatus `json:"passes"`
	// LastPass and LastFullPass are when the last complete pass and the
	// last complete full pass of any gateway of the cluster started.
	LastPass     time.Time `json:"lastPass,omitzero"`
	LastFullPass time.Time `json:"lastFullPass,omitzero"`

	ScanInterval   string `json:"scanInterval"`
	BitrotInterval string `json:"bitrotInterval"`
	BitrotRate     int64  `json:"bitrotRate"`
}

// maxPassHistory is how many finished passes RepairStatus keeps.
const maxPassHistory = 5

// maxProblems bounds the problems a pass lists one by one.
const maxProblems = 20

// scanner runs the passes: on schedule, and when a heal asks for one.
type scanner struct {
	l *Layer

	mu      sync.Mutex
	passes  []*passRun // newest first
	nextID  int64
	pending *passRun // a heal waiting to run
	running *passRun
	wake    chan struct{}

	lastPass, lastFull time.Time // of this gateway's complete passes
}

// passRun is one pass in progress or done.
type passRun struct {
	mu     sync.Mutex
	st     PassStatus
	nodes  map[string]int // node -> objects it kept from full repair
	detail map[string]string
	more   int // problems not listed
	cancel context.CancelFunc

	sem chan struct{}
	wg  sync.WaitGroup
}

func newScanner(l *Layer) *scanner {
	return &scanner{l: l, wake: make(chan struct{}, 1)}
}

func (s *scanner) newPass(full bool, trigger string) *passRun {
	s.nextID++
	p := &passRun{
		st:     PassStatus{ID: s.nextID, Full: full, Trigger: trigger, State: PassWaiting},
		nodes:  map[string]int{},
		detail: map[string]string{},
		sem:    make(chan struct{}, max(s.l.rep.opts.RepairWorkers, 1)),
	}
	s.passes = append([]*passRun{p}, s.passes...)
	if len(s.passes) > maxPassHistory+2 {
		s.passes = s.passes[:maxPassHistory+2]
	}
	return p
}

// heal asks for a full pass now: a scheduled pass running is cancelled
// in its favour, a heal waiting or running already is returned.
func (s *scanner) heal() PassStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending != nil {
		return s.pending.status()
	}
	if r := s.running; r != nil && r.st.Trigger == "heal" {
		return r.status()
	}
	s.pending = s.newPass(true, "heal")
	if r := s.running; r != nil {
		r.cancel()
	}
	signal(s.wake)
	return s.pending.status()
}

// run starts passes until ctx ends.
func (s *scanner) run(ctx context.Context) {
	opts := s.l.rep.opts
	check := time.Minute
	if opts.ScanInterval > 0 {
		check = min(max(opts.ScanInterval/10, 100*time.Millisecond), time.Minute)
	}
	for {
		// Jitter keeps the gateways of a cluster from checking in step.
		t := time.NewTimer(check/2 + rand.N(check/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
		s.mu.Lock()
		p := s.pending
		s.pending = nil
		s.mu.Unlock()
		if p == nil && opts.ScanInterval > 0 {
			p = s.scheduled(ctx)
		}
		if p != nil {
			s.runPass(ctx, p)
		}
	}
}

// scheduled returns the pass to run now by the cluster's shared scan
// state, or nil when none is due.
func (s *scanner) scheduled(ctx context.Context) *passRun {
	opts := s.l.rep.opts
	state, have, err := s.l.readScanState(ctx)
	if err != nil {
		s.l.log.Debug("scanner: reading the scan state", "err", err)
		return nil
	}
	now := time.Now()
	run, full := passDue(now, state, have, opts.ScanInterval, opts.BitrotInterval)
	if !run {
		return nil
	}
	if !have {
		// A cluster's first pass checks presence only; the first bitrot
		// pass comes a bitrot interval later, not at every new cluster or
		// upgrade.
		state.lastFull = now
	}
	state.lastStart = now
	if err := s.l.writeScanState(ctx, state); err != nil {
		s.l.log.Debug("scanner: claiming a pass", "err", err)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newPass(full, "schedule")
}

func (p *passRun) status() PassStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	st.Problems = nil
	nodes := make([]string, 0, len(p.nodes))
	for n := range p.nodes {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		st.Problems = append(st.Problems, fmt.Sprintf("node %s: %d objects not fully repaired (%s)", n, p.nodes[n], p.detail[n]))
	}
	for _, m := range p.st.Problems {
		st.Problems = append(st.Problems, m)
	}
	if p.more > 0 {
		st.Problems = append(st.Problems, fmt.Sprintf("and %d more", p.more))
	}
	return st
}

// record adds one object's repair to the pass.
func (p *passRun) record(o repairOutcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	if o.shardsRebuilt+o.recordsWritten > 0 && len(o.problems) == 0 {
		st.ObjectsRepaired++
	}
	st.RecordsRepaired += int64(o.recordsWritten)
	st.ShardsRebuilt += int64(o.shardsRebuilt)
	st.BytesRebuilt += o.bytesRebuilt
	st.BytesVerified += o.bytesVerified
	st.MissingFound += int64(o.missing)
	st.BitrotFound += int64(o.corrupt)
	st.TombstonesRemoved += int64(o.tombstonesRemoved)
	if len(o.problems) == 0 {
		return
	}
	st.Unrepaired++
	seen := map[string]bool{}
	for _, pr := range o.problems {
		if pr.node != "" {
			if !seen[pr.node] {
				seen[pr.node] = true
				p.nodes[pr.node]++
			}
			if _, ok := p.detail[pr.node]; !ok {
				p.detail[pr.node] = pr.msg
			}
			continue
		}
		if len(st.Problems) < maxProblems {
			st.Problems = append(st.Problems, pr.msg)
		} else {
			p.more++
		}
	}
}

// problem records a problem of the pass as a whole.
func (p *passRun) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.st.Problems) < maxProblems {
		p.st.Problems = append(p.st.Problems, fmt.Sprintf(format, args...))
	} else {
		p.more++
	}
}

// checked counts objects whose check (and repair) is done.
func (p *passRun) checked(n int64) {
	p.update(func(st *PassStatus) { st.ObjectsScanned += n })
}

func (p *passRun) update(f func(st *PassStatus)) {
	p.mu.Lock()
	f(&p.st)
	p.mu.Unlock()
}

// runPass walks everything once: the bucket records, then every object
// record of every record space, repairing what is short of redundancy
// (and, in a full pass, verifying every shard), then collects the shard
// files no record references.
func (s *scanner) runPass(ctx context.Context, p *passRun) {
	l := s.l
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	s.mu.Lock()
	s.running = p
	p.cancel = cancel
	s.mu.Unlock()
	p.update(func(st *PassStatus) { st.State, st.Started = PassRunning, start })
	l.log.Info("scanner pass started", "id", p.st.ID, "full", p.st.Full, "trigger", p.st.Trigger)

	var estimating sync.WaitGroup
	estimating.Go(func() {
		if n, err := l.countObjects(ctx); err == nil {
			p.update(func(st *PassStatus) { st.ObjectsEstimate = n })
		}
	})
	l.syncBuckets(ctx, p)
	refs := l.shardReferences(ctx)
	var scanErr error
	for i := range recordSpaces {
		if err := l.scanSpace(ctx, p, &recordSpaces[i], refs); err != nil {
			scanErr = err
			break
		}
	}
	p.wg.Wait()
	if scanErr == nil && ctx.Err() == nil {
		l.collectOrphans(ctx, p, refs, start.Add(-l.rep.opts.GCGrace))
	}
	estimating.Wait()

	end := time.Now()
	state := PassDone
	switch {
	case ctx.Err() != nil:
		state = PassCancelled
	case scanErr != nil:
		state = PassFailed
	}
	p.update(func(st *PassStatus) {
		st.State, st.Finished = state, end
		if scanErr != nil {
			st.Error = scanErr.Error()
		}
		st.ObjectsEstimate = max(st.ObjectsEstimate, st.ObjectsScanned)
	})
	final := p.status()
	s.mu.Lock()
	s.running = nil
	if state == PassDone {
		s.lastPass = start
		if final.Full {
			s.lastFull = start
		}
	}
	s.mu.Unlock()
	if state == PassDone {
		// Shared with the other gateways, so that they skip the passes
		// this one just did.
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, _, err := l.readScanState(sctx)
		if err == nil {
			st.lastStart = later(st.lastStart, start)
			st.lastPassEnd = later(st.lastPassEnd, start)
			if final.Full {
				st.lastFull = later(st.lastFull, start)
			}
			err = l.writeScanState(sctx, st)
		}
		scancel()
		if err != nil {
			l.log.Debug("scanner: recording the pass", "err", err)
		}
	}
	l.log.Info("scanner pass finished", "id", final.ID, "state", final.State, "full", final.Full,
		"duration", end.Sub(start).Round(time.Millisecond), "objects", final.ObjectsScanned,
		"repaired", final.ObjectsRepaired, "shards_rebuilt", final.ShardsRebuilt,
		"bitrot", final.BitrotFound, "orphans_removed", final.OrphansRemoved,
		"unrepaired", final.Unrepaired)
	if final.Unrepaired > 0 || final.Error != "" {
		l.log.Warn("scanner pass left objects unrepaired", "id", final.ID, "unrepaired", final.Unrepaired, "problems", final.Problems, "err", final.Error)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// countObjects estimates the objects of every record space: each object
// has a record on each of its placed nodes.
func (l *Layer) countObjects(ctx context.Context) (int64, error) {
	counts := make([]int64, len(l.nodes))
	errs := make([]error, len(l.nodes))
	forEach(len(l.nodes), func(i int) {
		for _, sp := range recordSpaces {
			start, end := []byte(sp.prefix), prefixEnd([]byte(sp.prefix))
			for {
				kvs, err := l.scan(ctx, i, storage.ScanRange{Start: start, End: end, Limit: 10000, KeysOnly: true})
				if err != nil {
					errs[i] = err
					return
				}
				counts[i] += int64(len(kvs))
				if len(kvs) < 10000 {
					break
				}
				start = append(bytes.Clone(kvs[len(kvs)-1].Key), 0)
			}
		}
	})
	var sum, most int64
	answered := 0
	for i, c := range counts {
		if errs[i] == nil {
			answered++
			sum += c
			most = max(most, c)
		}
	}
	if answered == 0 {
		return 0, errors.Join(errs...)
	}
	perObject := int64(min(l.layout.Shards(), len(l.nodes)))
	return max(most, sum/perObject), nil
}

// syncBuckets writes the newest bucket record to every node that lacks it
// or holds an older one (bucket records live on every node).
func (l *Layer) syncBuckets(ctx context.Context, p *passRun) {
	start := []byte(prefixBucket)
	m := l.newMergeScan(l.allNodes(), start, prefixEnd(start), len(l.nodes)-1, 1000)
	for {
		key, vals, err := m.next(ctx)
		if err != nil || key == nil {
			if err != nil && ctx.Err() == nil {
				p.problem("bucket records: %v", err)
			}
			return
		}
		var newest []byte
		var hlc uint64
		holds := make(map[int]uint64, len(vals))
		for x, v := range vals {
			r, err := decodeBucketRecord(v)
			if err != nil {
				continue
			}
			holds[m.fromCursor()[x]] = r.hlc
			if newest == nil || r.hlc > hlc {
				newest, hlc = bytes.Clone(v), r.hlc
			}
		}
		if newest == nil {
			continue
		}
		k := bytes.Clone(key)
		for i := range l.nodes {
			if m.cursors[i].failed {
				continue
			}
			if h, ok := holds[i]; ok && h >= hlc {
				continue
			}
			_, err := l.apply(ctx, i, storage.Batch{Ops: []storage.Op{{Kind: storage.OpPutIfNewer, Key: k, Value: newest, HLC: hlc}}})
			if err != nil {
				p.problem("bucket record %s on %s: %v", k[len(prefixBucket):], l.nodes[i].ID(), err)
				continue
			}
			p.update(func(st *PassStatus) { st.RecordsRepaired++ })
			l.rep.stats.recordsWritten.Add(1)
		}
	}
}

// scanPage is how many records per node a pass reads at once: inline
// objects bring their shard, so this bounds the memory of a page.
const scanPage = 32

// statBatch is how many objects' shard files are checked per StatShards.
const statBatch = 64

// scanItem is an object a pass found that needs its shard files checked.
type scanItem struct {
	ref   objectRef
	names map[int][]string // node -> shard files of the current version
	size  map[string]int64 // expected size of each
}

// scanSpace walks the records of one space on every node, merged by key,
// and sends every object that is or may be short of redundancy to
// repairObject.
func (l *Layer) scanSpace(ctx context.Context, p *passRun, sp *recordSpace, refs *shardRefs) error {
	start := []byte(sp.prefix)
	m := l.newMergeScan(l.allNodes(), start, prefixEnd(start), len(l.nodes)-1, scanPage)
	full := p.st.Full
	var batch []*scanItem
	for {
		key, vals, err := m.next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("walking %s records: %w", sp.prefix, err)
		}
		for i := range l.nodes {
			if m.cursors[i].failed {
				refs.drop(i)
			}
		}
		if key == nil {
			break
		}
		b, k, ok := sp.split(key[len(sp.prefix):])
		if !ok {
			p.problem("malformed record key %q", key)
			continue
		}
		ref := objectRef{space: sp, rest: bytes.Clone(key[len(sp.prefix):]), bucket: b, key: k}
		byNode := make(map[int]*objectRecord, len(vals))
		for x, v := range vals {
			i := m.fromCursor()[x]
			r, err := decodeObjectRecord(v)
			if err != nil {
				p.problem("%s: corrupt record on %s: %v", ref, l.nodes[i].ID(), err)
				continue
			}
			byNode[i] = r
			refs.add(i, r.shardNames())
		}
		verdict, item := l.checkRecords(ref, byNode, func(i int) bool { return m.cursors[i].failed })
		switch {
		case verdict == checkHealthy:
			p.checked(1)
		case verdict == checkRepair:
			l.dispatch(ctx, p, ref, full)
		case verdict == checkFiles && full:
			l.dispatch(ctx, p, ref, true)
		case verdict == checkFiles:
			batch = append(batch, item)
			if len(batch) >= statBatch {
				l.checkFiles(ctx, p, batch)
				batch = nil
			}
		}
	}
	l.checkFiles(ctx, p, batch)
	return nil
}

// Verdicts of checkRecords.
const (
	checkHealthy = iota // nothing to do
	checkRepair         // needs repairObject
	checkFiles          // records whole; its shard files are to be checked
)

// checkRecords judges an object by the records the scan found on its
// placed nodes (failed(i): node i's scan failed), without any further
// call.
func (l *Layer) checkRecords(ref objectRef, byNode map[int]*objectRecord, failed func(int) bool) (int, *scanItem) {
	st := &objectState{placed: l.topo.Place(ref.bucket, ref.key)}
	n := len(st.placed)
	st.recs = make([]*objectRecord, n)
	st.errs = make([]error, n)
	for j, i := range st.placed {
		if failed(i) {
			st.errs[j] = errNodeDown
			continue
		}
		st.recs[j] = byNode[i]
		st.answered++
	}
	if st.answered < n {
		return checkRepair, nil // repairObject reports the node
	}
	st.choose(l.topo.WriteQuorum())
	cur := st.cur
	if cur == nil {
		for _, r := range st.recs {
			if r != nil && l.aged(r.wallHLC()) {
				return checkRepair, nil
			}
		}
		return checkHealthy, nil
	}
	if len(st.holders) < n {
		return checkRepair, nil
	}
	for _, r := range st.recs {
		if r != nil && newerThan(r, cur) {
			return checkRepair, nil
		}
	}
	if cur.tombstone {
		if l.aged(cur.wallHLC()) {
			return checkRepair, nil
		}
		return checkHealthy, nil
	}
	for j, r := range st.recs {
		if r.shard != j || j >= len(cur.holders) || l.nodeIndex[cur.holders[j]] != st.placed[j] {
			return checkRepair, nil
		}
	}
	if cur.inline {
		for _, r := range st.recs {
			if err := verifyInline(r); err != nil {
				return checkRepair, nil
			}
		}
		return checkHealthy, nil
	}
	item := &scanItem{ref: ref, names: make(map[int][]string, n), size: map[string]int64{}}
	for j, i := range st.placed {
		for _, d := range cur.dataIDs() {
			name := shardName(d.id, j)
			item.names[i] = append(item.names[i], name)
			item.size[name] = cur.layout.ShardFileSize(d.size)
		}
	}
	return checkFiles, item
}

// checkFiles asks each node about the shard files of a batch of objects
// at once and repairs the objects with one missing or of the wrong size.
func (l *Layer) checkFiles(ctx context.Context, p *passRun, batch []*scanItem) {
	if len(batch) == 0 {
		return
	}
	perNode := make([][]string, len(l.nodes))
	for _, it := range batch {
		for i, names := range it.names {
			perNode[i] = append(perNode[i], names...)
		}
	}
	sizes := make([]map[string]int64, len(l.nodes))
	errs := make([]error, len(l.nodes))
	forEach(len(l.nodes), func(i int) {
		names := perNode[i]
		sizes[i] = make(map[string]int64, len(names))
		for len(names) > 0 && errs[i] == nil {
			chunk := names[:min(len(names), storage.MaxStatShards)]
			names = names[len(chunk):]
			infos, err := l.statShards(ctx, i, chunk)
			if err != nil {
				errs[i] = err
				break
			}
			for _, s := range infos {
				sizes[i][s.Name] = s.Size
			}
		}
	})
	for _, it := range batch {
		whole := true
		for i, names := range it.names {
			if errs[i] != nil {
				whole = false
				break
			}
			for _, name := range names {
				if sizes[i][name] != it.size[name] {
					whole = false
				}
			}
		}
		if whole {
			p.checked(1)
		} else {
			l.dispatch(ctx, p, it.ref, false)
		}
	}
}

// dispatch repairs ref on one of the pass's workers.
func (l *Layer) dispatch(ctx context.Context, p *passRun, ref objectRef, verify bool) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	p.wg.Go(func() {
		defer func() { <-p.sem }()
		out, err := l.repairObject(ctx, ref, verify)
		if err != nil {
			return
		}
		l.rep.stats.add(out)
		p.record(out)
		p.checked(1)
		if out.shardsRebuilt+out.recordsWritten > 0 {
			l.log.Info("object repaired", "bucket", ref.bucket, "key", ref.key,
				"shards", out.shardsRebuilt, "records", out.recordsWritten, "corrupt", out.corrupt)
		}
	})
}

// verifyInline checks the block checksums of an inline record's shard.
func verifyInline(r *objectRecord) error {
	return erasure.Verify(bytes.NewReader(r.data), r.layout, r.size)
}

// StartHeal starts a full pass now (presence and bitrot, at the bitrot
// rate) and returns it; when one is already waiting or running it returns
// that one. It fails when the repair machinery is disabled.
func (l *Layer) StartHeal() (PassStatus, error) {
	if l.rep == nil || l.rep.scan == nil {
		return PassStatus{}, errors.New("repair is disabled on this gateway")
	}
	return l.rep.scan.heal(), nil
}

// RepairStatus reports the repair queue and the scanner's passes. The
// times of the last passes come from the state the gateways share, when
// the nodes answer.
func (l *Layer) RepairStatus(ctx context.Context) RepairStatus {
	opts := l.rep.opts
	rs := RepairStatus{
		ScanInterval:   durationOrOff(opts.ScanInterval),
		BitrotInterval: durationOrOff(opts.BitrotInterval),
		BitrotRate:     max(opts.BitrotRate, 0),
		Passes:         []PassStatus{},
	}
	if q := l.rep.queue; q != nil {
		rs.QueueObjects, rs.QueueShards, rs.QueueDeferred, rs.QueueOverflow = q.counts()
	}
	if s := l.rep.scan; s != nil {
		s.mu.Lock()
		passes := slices.Clone(s.passes)
		rs.LastPass, rs.LastFullPass = s.lastPass, s.lastFull
		s.mu.Unlock()
		for _, p := range passes {
			rs.Passes = append(rs.Passes, p.status())
		}
	}
	if st, ok, err := l.readScanState(ctx); err == nil && ok {
		rs.LastPass = later(rs.LastPass, st.lastPassEnd)
		rs.LastFullPass = later(rs.LastFullPass, st.lastFull)
	}
	return rs
}

func durationOrOff(d time.Duration) string {
	if d < 0 {
		return "off"
	}
	return d.String()
}
