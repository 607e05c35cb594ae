package lifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// leaseKeeper runs leaseState against Meta: it reads, writes and renews
// the lease record, and hands the worker a context that lives exactly as
// long as the worker may act.
type leaseKeeper struct {
	meta Meta
	log  *slog.Logger

	mu    sync.Mutex
	state *leaseState
	// base is the context of Run; acting contexts derive from it.
	base context.Context
	// act is the acting context while the lease is active, nil otherwise.
	act    context.Context
	cancel context.CancelFunc
	// activated is closed (and replaced) when the lease becomes active.
	activated chan struct{}
	// lapse cancels act when the validity runs out without a renewal.
	lapse *time.Timer
}

// The keeper reads time.Now, whose monotonic reading makes the lease
// immune to steps of the wall clock.
func newLeaseKeeper(meta Meta, id string, timing leaseTiming, log *slog.Logger) *leaseKeeper {
	return &leaseKeeper{meta: meta, log: log, state: newLeaseState(id, timing), activated: make(chan struct{})}
}

// run keeps the lease until ctx is done, then releases it.
func (k *leaseKeeper) run(ctx context.Context) {
	k.mu.Lock()
	k.base = ctx
	k.mu.Unlock()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			k.release()
			return
		case <-t.C:
		}
		t.Reset(k.tick(ctx))
	}
}

// tick reads the record, writes ours when the state says so and reads it
// back. It returns how long to wait for the next tick.
func (k *leaseKeeper) tick(ctx context.Context) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, k.state.timing.opTimeout())
	defer cancel()
	rec, err := k.read(ctx)
	if err != nil {
		return k.failed(err)
	}
	k.mu.Lock()
	write := k.state.observe(time.Now(), rec)
	var next leaseRecord
	if write {
		next = k.state.next(time.Now())
	}
	k.publish()
	wait := k.state.wait(time.Now())
	k.mu.Unlock()
	if !write {
		return wait
	}

	start := time.Now()
	err = k.meta.PutMeta(ctx, MetaLease, next.marshal())
	if err == nil {
		rec, err = k.read(ctx)
	}
	if err != nil {
		return k.failed(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	was := k.state.phase
	k.state.confirm(start, time.Now(), rec)
	if k.state.phase != was {
		k.log.Debug("lifecycle lease", "from", was, "to", k.state.phase, "record", holderOf(rec))
	}
	k.publish()
	return k.state.wait(time.Now())
}

// failed records a failed Meta call.
func (k *leaseKeeper) failed(err error) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.state.phase != leaseIdle {
		k.log.Warn("lifecycle lease: cannot renew", "err", err)
	} else {
		k.log.Debug("lifecycle lease: cannot read", "err", err)
	}
	k.state.fail(time.Now())
	k.publish()
	// Retry sooner than a renewal: the validity runs out after two missed
	// ones.
	return min(k.state.wait(time.Now()), k.state.timing.poll())
}

func holderOf(rec *leaseRecord) string {
	if rec == nil {
		return ""
	}
	return rec.Holder
}

func (k *leaseKeeper) read(ctx context.Context) (*leaseRecord, error) {
	b, found, err := k.meta.GetMeta(ctx, MetaLease)
	if err != nil {
		return nil, fmt.Errorf("read lifecycle lease: %w", err)
	}
	if !found {
		return nil, nil
	}
	r := parseLeaseRecord(b)
	return &r, nil
}

// publish makes the acting context follow the state; called with mu held.
func (k *leaseKeeper) publish() {
	now := time.Now()
	if !k.state.active(now) {
		if k.cancel != nil {
			if k.base.Err() != nil {
				k.log.Info("lifecycle worker stops: shutting down")
			} else {
				k.log.Warn("lifecycle worker stops: lease lost or not renewed")
			}
			k.cancel()
			k.act, k.cancel = nil, nil
		}
		if k.lapse != nil {
			k.lapse.Stop()
		}
		return
	}
	if k.cancel == nil && k.base != nil {
		k.act, k.cancel = context.WithCancel(k.base)
		close(k.activated)
		k.activated = make(chan struct{})
		k.log.Info("lifecycle worker holds the lease", "holder", k.state.id)
	}
	// Stop acting when the validity runs out, whether or not a tick comes.
	d := k.state.validUntil.Sub(now)
	if k.lapse == nil {
		k.lapse = time.AfterFunc(d, k.expire)
	} else {
		k.lapse.Reset(d)
	}
}

func (k *leaseKeeper) expire() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.publish()
}

// acting returns the acting context when the lease is active, or else nil
// and a channel closed when it becomes active.
func (k *leaseKeeper) acting() (context.Context, <-chan struct{}) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.act != nil && k.act.Err() == nil {
		return k.act, nil
	}
	return nil, k.activated
}

// held reports whether the lease is active now (for metrics).
func (k *leaseKeeper) held() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.state.active(time.Now())
}

// release stops acting and deletes the record if it is ours, so that
// another gateway takes over at once.
func (k *leaseKeeper) release() {
	k.mu.Lock()
	k.state.phase = leaseIdle
	k.publish()
	k.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), k.state.timing.opTimeout())
	defer cancel()
	rec, err := k.read(ctx)
	if err == nil {
		k.mu.Lock()
		ours := k.state.release(rec)
		k.mu.Unlock()
		if ours {
			err = k.meta.DeleteMeta(ctx, MetaLease)
		}
	}
	if err != nil {
		k.log.Warn("lifecycle lease: cannot release; another gateway takes over when it lapses", "err", err)
	}
}
