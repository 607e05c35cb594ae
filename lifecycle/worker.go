package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"
)

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	Store Store
	Meta  Meta
	// ID names this worker in the lease. It must differ between the
	// gateways running at one time; a gateway restarted with the same ID
	// takes its own lease back at once. Default: host name, process ID
	// and a random suffix.
	ID string
	// Interval is how often a pass starts (zones3 --lifecycle-interval);
	// a pass that takes longer is followed at once by the next. Default
	// one minute.
	Interval time.Duration
	// Day is the length of a lifecycle day (zones3 --lifecycle-day).
	// Default Day.
	Day time.Duration
	// BatchSize is how many versions or uploads are listed, evaluated and
	// acted on at a time (at least 2). Default 1,000.
	BatchSize int
	// Parallel is how many actions of a batch run at once. Default 8.
	// (A BatchExpirer Store takes a batch's expirations of current
	// versions in one call, beside these.)
	Parallel int
	// Rate bounds the actions (expirations, removals, aborts) per second
	// that the worker starts, averaged over batches, so that it leaves
	// the foreground its share of the machine (zones3
	// --lifecycle-rate). 0 means no bound.
	Rate float64
	// CheckpointEvery is how often the position of the pass is written to
	// Meta, at the end of a batch. Default 5 s; a restarted pass redoes at
	// most that much work, which is harmless (see Store).
	CheckpointEvery time.Duration
	Logger          *slog.Logger
	// Now is the clock that decides what is due and stamps the passes.
	// Default time.Now.
	Now func() time.Time
	// LeaseLifetime is how long another worker must see the lease record
	// unchanged before it takes the lease over; LeaseRenew is how often
	// the holder renews it. The holder acts until LeaseLifetime -
	// LeaseRenew after its last renewal; a new holder starts acting
	// LeaseRenew/2 after it took the lease. LeaseLifetime must be at least
	// twice LeaseRenew. Defaults 30 s and 10 s: a dead holder's lease is
	// taken over within 52 s.
	LeaseLifetime, LeaseRenew time.Duration

	// lease is the lease's timing, from LeaseLifetime and LeaseRenew.
	lease leaseTiming
}

// Worker applies the buckets' lifecycle rules. Run it on every gateway:
// the lease makes one of them act at a time.
type Worker struct {
	cfg   WorkerConfig
	log   *slog.Logger
	lease *leaseKeeper

	pace pacer // only the goroutine running the pass uses it

	mu sync.Mutex
	// counts are what this process's worker did, by bucket.
	counts map[string]*Counts
	// lastPass is when the last complete pass (by any worker) ended.
	lastPass time.Time
}

// Defaults of WorkerConfig.
const (
	DefaultInterval        = time.Minute
	DefaultBatchSize       = 1000
	DefaultParallel        = 8
	DefaultCheckpointEvery = 5 * time.Second
)

// NewWorker returns a worker; Run starts it.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.Store == nil || cfg.Meta == nil {
		return nil, errors.New("lifecycle: a worker needs a Store and a Meta")
	}
	if cfg.ID == "" {
		cfg.ID = defaultWorkerID()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	cfg.Day = normalDay(cfg.Day)
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	// A page's last version may be held back for the next page (see
	// keyCarry.describe): two make progress through every page.
	cfg.BatchSize = max(cfg.BatchSize, 2)
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = DefaultCheckpointEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LeaseLifetime == 0 && cfg.LeaseRenew == 0 {
		cfg.LeaseLifetime, cfg.LeaseRenew = defaultLeaseTiming.lifetime, defaultLeaseTiming.renew
	}
	cfg.lease = leaseTiming{lifetime: cfg.LeaseLifetime, renew: cfg.LeaseRenew, settle: cfg.LeaseRenew / 2}
	if err := cfg.lease.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "lifecycle", "worker", cfg.ID)
	return &Worker{
		cfg:    cfg,
		log:    log,
		lease:  newLeaseKeeper(cfg.Meta, cfg.ID, cfg.lease, log),
		pace:   pacer{rate: cfg.Rate},
		counts: map[string]*Counts{},
	}, nil
}

// ID is the worker's name in the lease.
func (w *Worker) ID() string { return w.cfg.ID }

func defaultWorkerID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "gateway"
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(r[:]))
}

// Run keeps or watches the lease and, while it holds it, runs the passes,
// until ctx is done. It then releases the lease so that another gateway
// takes over at once, and returns.
func (w *Worker) Run(ctx context.Context) {
	var lease sync.WaitGroup
	lease.Go(func() { w.lease.run(ctx) })
	defer lease.Wait()
	// A worker that does not act still shows the last pass in its
	// metrics.
	refresh := time.NewTicker(2 * w.cfg.lease.poll())
	defer refresh.Stop()
	w.refreshLastPass(ctx)
	for {
		act, activated := w.lease.acting()
		if act != nil {
			w.act(act)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-activated:
		case <-refresh.C:
			w.refreshLastPass(ctx)
		}
	}
}

func (w *Worker) refreshLastPass(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.lease.opTimeout())
	defer cancel()
	p, err := loadPass(ctx, w.cfg.Meta)
	if err != nil {
		w.log.Debug("lifecycle: cannot read the last pass", "err", err)
		return
	}
	if p != nil {
		w.setLastPass(p.Completed)
	}
}

func (w *Worker) setLastPass(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.After(w.lastPass) {
		w.lastPass = t
	}
}

// act runs passes while ctx (the lease) lives: a pass in progress is
// resumed, else one starts Interval after the last one started.
func (w *Worker) act(ctx context.Context) {
	for ctx.Err() == nil {
		wait, err := w.step(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("lifecycle pass stopped; it resumes where it stopped", "err", err)
			wait = min(w.cfg.Interval, 10*time.Second)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// step resumes the pass in progress or starts the next one when it is
// due, and returns how long to wait before the next step.
func (w *Worker) step(ctx context.Context) (time.Duration, error) {
	mctx, cancel := context.WithTimeout(ctx, w.cfg.lease.opTimeout())
	cur, err := loadCursor(mctx, w.cfg.Meta)
	cancel()
	if errors.Is(err, errCursorUnreadable) {
		w.log.Warn("lifecycle: starting a new pass", "err", err)
		cur, err = nil, nil
	}
	if err != nil {
		return 0, err
	}
	if cur == nil {
		mctx, cancel := context.WithTimeout(ctx, w.cfg.lease.opTimeout())
		last, err := loadPass(mctx, w.cfg.Meta)
		cancel()
		if errors.Is(err, errPassUnreadable) {
			w.log.Warn("lifecycle: starting a pass", "err", err)
			last, err = nil, nil
		}
		if err != nil {
			return 0, err
		}
		now := w.cfg.Now()
		if last != nil {
			w.setLastPass(last.Completed)
			if due := last.Started.Add(w.cfg.Interval); now.Before(due) {
				return due.Sub(now), nil
			}
		}
		cur = &passCursor{Started: now}
	}
	return 0, w.pass(ctx, cur)
}

// pass runs (or resumes) the pass cur until it completes or ctx ends.
func (w *Worker) pass(ctx context.Context, cur *passCursor) error {
	buckets, err := w.cfg.Store.Buckets(ctx)
	if err != nil {
		return fmt.Errorf("list buckets: %w", err)
	}
	slices.Sort(buckets)
	if cur.Bucket == "" {
		w.log.Debug("lifecycle pass starts", "buckets", len(buckets))
	} else {
		w.log.Info("lifecycle pass resumes", "started", cur.Started, "bucket", cur.Bucket, "phase", cur.Phase)
	}
	cp := checkpointer{w: w, last: time.Now()}
	for _, b := range buckets {
		if b < cur.Bucket || (b == cur.Bucket && cur.Phase == phaseDone) {
			continue
		}
		if b != cur.Bucket {
			cur.Bucket, cur.Phase = b, phaseVersions
			cur.After, cur.Carry, cur.UploadAfter = VersionMarker{}, keyCarry{}, UploadMarker{}
		}
		err := w.bucket(ctx, cur, &cp)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// The bucket is taken up again by the next pass; the others
			// should not wait for it.
			w.log.Warn("lifecycle: bucket skipped in this pass", "bucket", b, "err", err)
			w.count(cur, b, Counts{Errors: 1})
		}
		cur.Phase = phaseDone
		cp.save(ctx, cur)
	}
	p := Pass{Started: cur.Started, Completed: w.cfg.Now(), Holder: w.cfg.ID, Buckets: map[string]Counts{}}
	var total Counts
	for b, c := range cur.Counts {
		p.Buckets[b] = *c
		total.add(*c)
	}
	mctx, cancel := context.WithTimeout(ctx, w.cfg.lease.opTimeout())
	defer cancel()
	if err := w.cfg.Meta.PutMeta(mctx, MetaPass, marshalPass(p)); err != nil {
		return fmt.Errorf("record the completed pass: %w", err)
	}
	if err := w.cfg.Meta.DeleteMeta(mctx, MetaCursor); err != nil {
		// The next step finds the cursor past the last bucket and records
		// the pass again.
		return fmt.Errorf("remove the cursor of the completed pass: %w", err)
	}
	w.setLastPass(p.Completed)
	level := slog.LevelDebug
	if total != (Counts{Scanned: total.Scanned}) {
		level = slog.LevelInfo // it did something, or failed to
	}
	w.log.Log(ctx, level, "lifecycle pass complete", "started", p.Started, "took", p.Completed.Sub(p.Started),
		"scanned", total.Scanned, "objects_expired", total.ObjectsExpired, "bytes_expired", total.BytesExpired,
		"markers_removed", total.MarkersRemoved, "uploads_aborted", total.UploadsAborted, "errors", total.Errors)
	return nil
}

// checkpointer writes the cursor at most every CheckpointEvery.
type checkpointer struct {
	w    *Worker
	last time.Time
}

func (c *checkpointer) save(ctx context.Context, cur *passCursor) {
	if time.Since(c.last) < c.w.cfg.CheckpointEvery || ctx.Err() != nil {
		return
	}
	cur.Holder = c.w.cfg.ID
	mctx, cancel := context.WithTimeout(ctx, c.w.cfg.lease.opTimeout())
	defer cancel()
	if err := c.w.cfg.Meta.PutMeta(mctx, MetaCursor, cur.marshal()); err != nil {
		c.w.log.Warn("lifecycle: cannot save the cursor", "err", err)
		return
	}
	c.last = time.Now()
}

// bucket works through one bucket from the cursor's phase and position.
func (w *Worker) bucket(ctx context.Context, cur *passCursor, cp *checkpointer) error {
	b := cur.Bucket
	cfg, versioned, err := w.cfg.Store.BucketState(ctx, b)
	if err != nil {
		return fmt.Errorf("read bucket state: %w", err)
	}
	if cfg == nil {
		return nil
	}
	cur.counts(b) // a bucket with a configuration shows in the pass
	scope := cfg.Scope()
	if cur.Phase == phaseVersions {
		// A bucket that never had versioning has neither noncurrent
		// versions nor delete markers.
		if scope.CurrentVersions || (versioned && (scope.NoncurrentVersions || scope.DeleteMarkers)) {
			if err := w.versions(ctx, cur, cfg, versioned, cp); err != nil {
				return err
			}
		}
		cur.Phase = phaseUploads
		cur.After, cur.Carry = VersionMarker{}, keyCarry{}
	}
	if scope.Uploads {
		return w.uploads(ctx, cur, cfg, cp)
	}
	return nil
}

// task is one action of a batch.
type task struct {
	action  ActionType
	version VersionRef
	upload  UploadRef
	size    int64
	marker  bool // the version is a delete marker
}

// versions walks the bucket's versions from the cursor, batch by batch.
func (w *Worker) versions(ctx context.Context, cur *passCursor, cfg *Configuration, versioned bool, cp *checkpointer) error {
	b := cur.Bucket
	tags := usesTags(cfg)
	listAfter := cur.After
	var held []Version // a version that starts a key, held for the next page
	var out []described
	var tasks []task
	for {
		page, more, err := w.cfg.Store.ListVersions(ctx, b, listAfter, w.cfg.BatchSize, tags)
		if err != nil {
			return fmt.Errorf("list versions after %q/%q: %w", listAfter.Key, listAfter.VersionID, err)
		}
		if len(page) == 0 && more {
			return fmt.Errorf("list versions after %q/%q: an empty page with more to come", listAfter.Key, listAfter.VersionID)
		}
		if len(page) > 0 {
			listAfter = page[len(page)-1].Marker()
		}
		items := append(held, page...)
		if cap(out) < len(items) {
			out = make([]described, len(items))
		}
		n := cur.Carry.describe(items, more, versioned, out)
		now := w.cfg.Now()
		tasks = tasks[:0]
		for i := range n {
			if !out[i].known {
				continue
			}
			a := cfg.Evaluate(out[i].Object, now, w.cfg.Day)
			if a.Type != ActionNone {
				v := &items[i]
				tasks = append(tasks, task{action: a.Type, version: v.Ref(), size: v.Size, marker: v.DeleteMarker})
			}
		}
		done := w.run(ctx, b, tasks)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		done.Scanned = int64(n)
		w.count(cur, b, done)
		if n > 0 {
			cur.After = items[n-1].Marker()
		}
		held = append(held[:0:0], items[n:]...)
		cp.save(ctx, cur)
		if !more {
			return nil
		}
	}
}

// uploads walks the bucket's multipart uploads from the cursor.
func (w *Worker) uploads(ctx context.Context, cur *passCursor, cfg *Configuration, cp *checkpointer) error {
	b := cur.Bucket
	var tasks []task
	for {
		page, more, err := w.cfg.Store.ListUploads(ctx, b, cur.UploadAfter, w.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("list uploads after %q/%q: %w", cur.UploadAfter.Key, cur.UploadAfter.UploadID, err)
		}
		if len(page) == 0 && more {
			return fmt.Errorf("list uploads after %q/%q: an empty page with more to come", cur.UploadAfter.Key, cur.UploadAfter.UploadID)
		}
		now := w.cfg.Now()
		tasks = tasks[:0]
		for _, u := range page {
			if cfg.EvaluateUpload(Upload{Key: u.Key, Initiated: u.Initiated}, now, w.cfg.Day).Type == ActionAbortUpload {
				tasks = append(tasks, task{action: ActionAbortUpload, upload: UploadRef{Key: u.Key, UploadID: u.UploadID}})
			}
		}
		done := w.run(ctx, b, tasks)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		done.Scanned = int64(len(page))
		w.count(cur, b, done)
		if len(page) > 0 {
			last := page[len(page)-1]
			cur.UploadAfter = UploadMarker{Key: last.Key, UploadID: last.UploadID}
		}
		cp.save(ctx, cur)
		if !more {
			return nil
		}
	}
}

// run carries out a batch's tasks, Parallel at a time (and the
// expirations of current versions in one call when the Store is a
// BatchExpirer), and counts what was done. A task that fails is left for
// the next pass. It first waits as long as Rate asks.
func (w *Worker) run(ctx context.Context, bucket string, tasks []task) Counts {
	if d := w.pace.delay(time.Now(), len(tasks)); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			return Counts{}
		}
	}
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	var one []int // the tasks that run one by one
	if be, ok := w.cfg.Store.(BatchExpirer); ok {
		var batch []int
		for i := range tasks {
			if a := tasks[i].action; a == ActionDeleteObject || a == ActionAddDeleteMarker {
				batch = append(batch, i)
			} else {
				one = append(one, i)
			}
		}
		if len(batch) > 0 {
			wg.Go(func() { w.applyBatch(ctx, be, bucket, tasks, batch, errs) })
		}
	} else {
		one = make([]int, len(tasks))
		for i := range one {
			one[i] = i
		}
	}
	next := make(chan int)
	for range min(w.cfg.Parallel, len(one)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = w.apply(ctx, bucket, &tasks[i])
			}
		})
	}
	for _, i := range one {
		next <- i
	}
	close(next)
	wg.Wait()

	var c Counts
	var firstErr error
	for i := range tasks {
		t, err := &tasks[i], errs[i]
		switch {
		case errors.Is(err, ErrChanged):
			continue
		case err != nil:
			if ctx.Err() == nil {
				c.Errors++
				if firstErr == nil {
					firstErr = err
				}
			}
			continue
		}
		switch {
		case t.action == ActionAbortUpload:
			c.UploadsAborted++
		case t.marker:
			c.MarkersRemoved++
		default:
			c.ObjectsExpired++
			c.BytesExpired += t.size
		}
	}
	if firstErr != nil {
		w.log.Warn("lifecycle actions failed; retried in the next pass", "bucket", bucket, "failed", c.Errors, "of", len(tasks), "err", firstErr)
	}
	return c
}

// applyBatch expires the current versions tasks[batch...] in one call.
func (w *Worker) applyBatch(ctx context.Context, be BatchExpirer, bucket string, tasks []task, batch []int, errs []error) {
	refs := make([]VersionRef, len(batch))
	for k, i := range batch {
		refs[k] = tasks[i].version
	}
	res := be.ExpireCurrentBatch(ctx, bucket, refs)
	for k, i := range batch {
		var err error
		if k < len(res) {
			err = res[k]
		} else {
			err = fmt.Errorf("lifecycle: the store answered %d of %d expirations", len(res), len(refs))
		}
		if err != nil {
			t := &tasks[i]
			w.log.Debug("lifecycle action", "bucket", bucket, "key", t.version.Key, "id", t.version.VersionID, "action", t.action, "err", err)
			err = fmt.Errorf("%v %s/%s (%s): %w", t.action, bucket, t.version.Key, t.version.VersionID, err)
		}
		errs[i] = err
	}
}

func (w *Worker) apply(ctx context.Context, bucket string, t *task) error {
	var err error
	switch t.action {
	case ActionDeleteObject, ActionAddDeleteMarker:
		err = w.cfg.Store.ExpireCurrent(ctx, bucket, t.version)
	case ActionDeleteVersion, ActionDeleteExpiredMarker:
		err = w.cfg.Store.DeleteVersion(ctx, bucket, t.version)
	case ActionAbortUpload:
		err = w.cfg.Store.AbortUpload(ctx, bucket, t.upload)
	default:
		return fmt.Errorf("lifecycle: no way to carry out %v", t.action)
	}
	if err != nil {
		key, id := t.version.Key, t.version.VersionID
		if t.action == ActionAbortUpload {
			key, id = t.upload.Key, t.upload.UploadID
		}
		w.log.Debug("lifecycle action", "bucket", bucket, "key", key, "id", id, "action", t.action, "err", err)
		return fmt.Errorf("%v %s/%s (%s): %w", t.action, bucket, key, id, err)
	}
	return nil
}

// count adds what a batch did to the pass and to the process's counters.
func (w *Worker) count(cur *passCursor, bucket string, c Counts) {
	cur.counts(bucket).add(c)
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.counts[bucket]
	if n == nil {
		n = &Counts{}
		w.counts[bucket] = n
	}
	n.add(c)
}

// usesTags reports whether an enabled rule filters by tag, so that the
// listing must carry the tags.
func usesTags(c *Configuration) bool {
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.Enabled || r.Filter == nil {
			continue
		}
		if r.Filter.Tag != nil || (r.Filter.And != nil && len(r.Filter.And.Tags) > 0) {
			return true
		}
	}
	return false
}

// pacer spaces batches of actions so that they average at most rate a
// second: a batch starts once the time booked by the ones before it has
// passed, and books len/rate seconds. Idle time earns no credit, so a
// worker that waited does not burst.
type pacer struct {
	rate float64
	next time.Time // when the next batch may start
}

// delay books n actions at now and returns how long to wait before
// starting them.
func (p *pacer) delay(now time.Time, n int) time.Duration {
	if p.rate <= 0 || n == 0 {
		return 0
	}
	if p.next.Before(now) {
		p.next = now
	}
	d := p.next.Sub(now)
	p.next = p.next.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	return d
}
