package lifecycle

import (
	"encoding/json"
	"fmt"
	"time"
)

// The lease: one record in Meta (MetaLease) that says which worker acts.
// The metadata store has no compare-and-swap: writes are last writer wins
// by hybrid timestamp, with majority quorums. So the lease is kept by
// these rules, which leaseState decides without I/O:
//
//   - A worker takes the lease when there is no record, when the record is
//     its own (it restarted with the same ID), or when it has watched the
//     same record (holder and sequence number) unchanged for a whole
//     lifetime on its own clock. Watching, rather than trusting the expiry
//     written in the record, keeps gateways with skewed clocks from taking
//     a live lease: only the rate of the clocks matters.
//   - Taking or renewing is a write (its own ID, the next sequence number)
//     followed by a read. The worker holds the lease only if the read
//     returns its write. Two workers that take at once both write; the one
//     with the newer timestamp wins everywhere once both writes have
//     landed, but the other's read may come first. So a taker does not act
//     until a read a settling time later still shows its record: by then
//     any concurrent write has landed (every Meta call is bounded by a
//     timeout shorter than the settling time).
//   - The holder renews every renew period, reading first: a record that
//     is not its own means it lost the lease, and it stops at once.
//   - The holder acts only until lifetime - renew after the start of its
//     last write that it read back. Others take no sooner than lifetime
//     after they first saw that write, so a holder that cannot renew stops
//     a whole renew period before anyone else may start.

// leaseRecord is the value of the lease record.
type leaseRecord struct {
	Holder string `json:"holder"`
	// Seq grows with every write of one holder, so that a watcher sees a
	// live holder's record change.
	Seq uint64 `json:"seq"`
	// Expires is the holder's clock plus the lifetime at the write: for
	// people (admin status); workers go by what they watched.
	Expires time.Time `json:"expires"`
}

func (r leaseRecord) marshal() []byte {
	b, _ := json.Marshal(r) // a struct of strings, numbers and a time
	return b
}

// parseLeaseRecord decodes the lease record. An unreadable record is
// returned as a record of an unknown holder, so that it is watched and
// taken over like a dead holder's.
func parseLeaseRecord(b []byte) leaseRecord {
	var r leaseRecord
	if err := json.Unmarshal(b, &r); err != nil || r.Holder == "" {
		return leaseRecord{Holder: fmt.Sprintf("(unreadable record of %d bytes)", len(b))}
	}
	return r
}

type leasePhase uint8

const (
	// leaseIdle: not holding; watching the record.
	leaseIdle leasePhase = iota
	// leasePending: our write was read back; waiting for the settling
	// read before acting.
	leasePending
	// leaseHeld: holding and acting.
	leaseHeld
)

var leasePhaseNames = [...]string{"idle", "pending", "held"}

func (p leasePhase) String() string { return leasePhaseNames[p] }

// leaseTiming are the lease's durations.
type leaseTiming struct {
	// lifetime: a record unchanged for this long is taken over.
	lifetime time.Duration
	// renew: how often the holder renews; it acts until lifetime - renew
	// after its last confirmed write.
	renew time.Duration
	// settle: how long a taker waits before the read that lets it act;
	// longer than any Meta call may take.
	settle time.Duration
}

// defaultLeaseTiming takes over a dead holder's lease within 52 s: its
// last record is seen within a poll (5 s), watched a lifetime (30 s), then
// settled (5 s), each step up to a Meta call (4 s) late.
var defaultLeaseTiming = leaseTiming{lifetime: 30 * time.Second, renew: 10 * time.Second, settle: 5 * time.Second}

// poll is how often a worker that does not hold the lease reads it.
func (t leaseTiming) poll() time.Duration { return t.renew / 2 }

// opTimeout bounds each Meta call of the lease, below the settling time.
func (t leaseTiming) opTimeout() time.Duration { return t.settle * 4 / 5 }

func (t leaseTiming) validate() error {
	if t.renew <= 0 || t.settle <= 0 || t.lifetime < 2*t.renew || t.settle >= t.lifetime-t.renew {
		return fmt.Errorf("lifecycle: the lease lifetime (%v) must be at least twice its renewal period (%v), which must be positive",
			t.lifetime, t.renew)
	}
	return nil
}

// leaseState is one worker's view of the lease: the decisions, no I/O.
// The keeper calls observe with each record it reads, writes next() when
// observe says so, then calls confirm with the record it read back, and
// fail whenever a Meta call fails.
type leaseState struct {
	id     string
	timing leaseTiming

	phase leasePhase
	// seq is the sequence number of our last write.
	seq uint64
	// validUntil: held or pending, the lease is ours until then.
	validUntil time.Time
	// actFrom: pending, the settling read may come from then on.
	actFrom time.Time

	// watched is the other holder's record and when we first saw it.
	watched   leaseRecord
	watchedAt time.Time
	watching  bool
}

func newLeaseState(id string, timing leaseTiming) *leaseState {
	return &leaseState{id: id, timing: timing}
}

// observe takes the record read at now (nil: there is none) and says
// whether to write ours.
func (s *leaseState) observe(now time.Time, rec *leaseRecord) (write bool) {
	if s.phase != leaseIdle && !now.Before(s.validUntil) {
		// We kept it too long without a confirmed renewal: anyone may be
		// taking it now, so start over as a taker.
		s.phase = leaseIdle
	}
	ours := rec != nil && rec.Holder == s.id
	switch s.phase {
	case leaseHeld:
		if ours {
			return true
		}
		s.phase = leaseIdle // taken over: stop at once
	case leasePending:
		if ours {
			if !now.Before(s.actFrom) {
				s.phase = leaseHeld
			}
			return true
		}
		s.phase = leaseIdle // a concurrent taker won
	}
	// Idle.
	switch {
	case rec == nil:
		s.watching = false
		return true
	case ours:
		// Our own record from before a restart or a lapse: nobody else
		// took it since.
		s.watching = false
		return true
	case !s.watching || s.watched.Holder != rec.Holder || s.watched.Seq != rec.Seq:
		s.watched, s.watchedAt, s.watching = *rec, now, true
		return false
	default:
		return now.Sub(s.watchedAt) >= s.timing.lifetime
	}
}

// next is the record to write at now.
func (s *leaseState) next(now time.Time) leaseRecord {
	s.seq++
	return leaseRecord{Holder: s.id, Seq: s.seq, Expires: now.Add(s.timing.lifetime)}
}

// confirm takes the record read back at now after the write that started
// at start.
func (s *leaseState) confirm(start, now time.Time, back *leaseRecord) {
	if back == nil || back.Holder != s.id || back.Seq != s.seq {
		// Another taker's write is newer than ours (or the record vanished).
		s.phase = leaseIdle
		s.watching = false
		if back != nil && back.Holder != s.id {
			s.watched, s.watchedAt, s.watching = *back, now, true
		}
		return
	}
	s.validUntil = start.Add(s.timing.lifetime - s.timing.renew)
	if s.phase == leaseIdle {
		s.phase = leasePending
		s.actFrom = now.Add(s.timing.settle)
	}
}

// fail records that a Meta call failed at now: the lease stays ours only
// until its validity ends.
func (s *leaseState) fail(now time.Time) {
	if s.phase != leaseIdle && !now.Before(s.validUntil) {
		s.phase = leaseIdle
	}
}

// active reports whether the worker may act at now.
func (s *leaseState) active(now time.Time) bool {
	return s.phase == leaseHeld && now.Before(s.validUntil)
}

// wait is how long to wait at now before the next read of the record.
func (s *leaseState) wait(now time.Time) time.Duration {
	switch s.phase {
	case leaseHeld:
		return s.timing.renew
	case leasePending:
		return max(s.actFrom.Sub(now), 0)
	}
	return s.timing.poll()
}

// release says whether the record read at shutdown should be deleted: it
// is ours, so others may take the lease at once instead of after a
// lifetime.
func (s *leaseState) release(rec *leaseRecord) bool {
	s.phase = leaseIdle
	return rec != nil && rec.Holder == s.id
}
