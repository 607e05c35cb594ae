package lifecycle

import (
	"testing"
	"time"
)

// leaseStep is one event of a lease scenario, at t seconds.
type leaseStep struct {
	t  float64
	op string // observe, confirm (of the write that started at start), fail
	// rec is the record read: nil none, else holder and seq (seq 0 with
	// holder "me": our last write).
	rec   *leaseRecord
	start float64

	wantWrite  bool
	wantPhase  leasePhase
	wantActive bool
}

func rec(holder string, seq uint64) *leaseRecord { return &leaseRecord{Holder: holder, Seq: seq} }

// mine stands for our own last write in a scenario.
var mine = &leaseRecord{Holder: "me"}

func TestLeaseState(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	at := func(s float64) time.Time { return base.Add(time.Duration(s * float64(time.Second))) }
	timing := leaseTiming{lifetime: 30 * time.Second, renew: 10 * time.Second, settle: 5 * time.Second}

	take := []leaseStep{
		{t: 0, op: "observe", rec: nil, wantWrite: true, wantPhase: leaseIdle},
		{t: 0.1, op: "confirm", start: 0, rec: mine, wantPhase: leasePending},
		{t: 5.1, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
		{t: 5.2, op: "confirm", start: 5.1, rec: mine, wantPhase: leaseHeld, wantActive: true},
	}
	tests := []struct {
		name  string
		steps []leaseStep
	}{
		{"a free lease is taken, and acted on after the settling read", take},
		{"the settling read comes no sooner than the settling time", []leaseStep{
			{t: 0, op: "observe", rec: nil, wantWrite: true},
			{t: 0.1, op: "confirm", start: 0, rec: mine, wantPhase: leasePending},
			{t: 4, op: "observe", rec: mine, wantWrite: true, wantPhase: leasePending},
			{t: 4.1, op: "confirm", start: 4, rec: mine, wantPhase: leasePending},
			{t: 5.1, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
		}},
		{"renewals keep it", append(take[:4:4],
			leaseStep{t: 15, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 15.1, op: "confirm", start: 15, rec: mine, wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 34.9, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 35, op: "confirm", start: 34.9, rec: mine, wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 54.8, op: "fail", wantPhase: leaseHeld, wantActive: true},
		)},
		{"a holder that cannot renew stops lifetime-renew after its last write", append(take[:4:4],
			leaseStep{t: 15, op: "fail", wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 20, op: "fail", wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 25.1, op: "fail", wantPhase: leaseIdle, wantActive: false},
		)},
		{"validity ends without a failure reported", append(take[:4:4],
			leaseStep{t: 25.1, op: "active", wantPhase: leaseHeld, wantActive: false},
		)},
		{"a renewal write read back as another's: lost", append(take[:4:4],
			leaseStep{t: 15, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 15.1, op: "confirm", start: 15, rec: rec("other", 1), wantPhase: leaseIdle},
		)},
		{"a holder that finds another's record stops at once and does not write", append(take[:4:4],
			leaseStep{t: 15, op: "observe", rec: rec("other", 1), wantWrite: false, wantPhase: leaseIdle},
		)},
		{"a holder that finds no record takes it again, settling first", append(take[:4:4],
			leaseStep{t: 15, op: "observe", rec: nil, wantWrite: true, wantPhase: leaseIdle},
			leaseStep{t: 15.1, op: "confirm", start: 15, rec: mine, wantPhase: leasePending},
		)},
		{"a holder past its validity that finds its record settles again", append(take[:4:4],
			leaseStep{t: 21, op: "fail", wantPhase: leaseHeld, wantActive: true},
			leaseStep{t: 26, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseIdle},
			leaseStep{t: 26.1, op: "confirm", start: 26, rec: mine, wantPhase: leasePending},
			leaseStep{t: 31.1, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
		)},
		{"another's record is taken after a lifetime unchanged", []leaseStep{
			{t: 0, op: "observe", rec: rec("other", 7), wantWrite: false},
			{t: 5, op: "observe", rec: rec("other", 7), wantWrite: false},
			{t: 29.9, op: "observe", rec: rec("other", 7), wantWrite: false},
			{t: 30, op: "observe", rec: rec("other", 7), wantWrite: true},
			{t: 30.1, op: "confirm", start: 30, rec: mine, wantPhase: leasePending},
			{t: 35.1, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
		}},
		{"a record that changes is a live holder", []leaseStep{
			{t: 0, op: "observe", rec: rec("other", 7), wantWrite: false},
			{t: 20, op: "observe", rec: rec("other", 8), wantWrite: false},
			{t: 40, op: "observe", rec: rec("other", 8), wantWrite: false},
			{t: 49.9, op: "observe", rec: rec("other", 8), wantWrite: false},
			{t: 50, op: "observe", rec: rec("other", 8), wantWrite: true},
		}},
		{"a new holder restarts the watch", []leaseStep{
			{t: 0, op: "observe", rec: rec("other", 7), wantWrite: false},
			{t: 20, op: "observe", rec: rec("third", 7), wantWrite: false},
			{t: 40, op: "observe", rec: rec("third", 7), wantWrite: false},
			{t: 50, op: "observe", rec: rec("third", 7), wantWrite: true},
		}},
		{"failed reads do not shorten the watch", []leaseStep{
			{t: 0, op: "observe", rec: rec("other", 7), wantWrite: false},
			{t: 10, op: "fail"},
			{t: 20, op: "fail"},
			{t: 30, op: "observe", rec: rec("other", 7), wantWrite: true},
		}},
		{"our own record from before a restart is taken at once", []leaseStep{
			{t: 0, op: "observe", rec: rec("me", 41), wantWrite: true},
			{t: 0.1, op: "confirm", start: 0, rec: mine, wantPhase: leasePending},
		}},
		{"an unreadable record is watched like a dead holder's", []leaseStep{
			{t: 0, op: "observe", rec: ptr(parseLeaseRecord([]byte("{garbage"))), wantWrite: false},
			{t: 29, op: "observe", rec: ptr(parseLeaseRecord([]byte("{garbage"))), wantWrite: false},
			{t: 30, op: "observe", rec: ptr(parseLeaseRecord([]byte("{garbage"))), wantWrite: true},
		}},
		{"concurrent takers: ours read back first, theirs lands later and wins", []leaseStep{
			{t: 0, op: "observe", rec: nil, wantWrite: true},
			{t: 0.1, op: "confirm", start: 0, rec: mine, wantPhase: leasePending},
			{t: 5.1, op: "observe", rec: rec("other", 1), wantWrite: false, wantPhase: leaseIdle},
			// and the winner is watched from then on
			{t: 35, op: "observe", rec: rec("other", 1), wantWrite: false},
			{t: 35.1, op: "observe", rec: rec("other", 1), wantWrite: true},
		}},
		{"concurrent takers: theirs read back instead of ours", []leaseStep{
			{t: 0, op: "observe", rec: nil, wantWrite: true},
			{t: 0.1, op: "confirm", start: 0, rec: rec("other", 1), wantPhase: leaseIdle},
			{t: 10, op: "observe", rec: rec("other", 1), wantWrite: false},
			{t: 30.1, op: "observe", rec: rec("other", 1), wantWrite: true},
		}},
		{"the record vanished between write and read", []leaseStep{
			{t: 0, op: "observe", rec: nil, wantWrite: true},
			{t: 0.1, op: "confirm", start: 0, rec: nil, wantPhase: leaseIdle},
			{t: 5, op: "observe", rec: nil, wantWrite: true},
		}},
		{"our older write read back is not a confirmation", []leaseStep{
			{t: 0, op: "observe", rec: nil, wantWrite: true},
			{t: 0.1, op: "confirm", start: 0, rec: mine, wantPhase: leasePending},
			{t: 5.1, op: "observe", rec: mine, wantWrite: true, wantPhase: leaseHeld, wantActive: true},
			{t: 5.2, op: "confirm", start: 5.1, rec: rec("me", 1), wantPhase: leaseIdle},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newLeaseState("me", timing)
			for i, st := range tt.steps {
				now := at(st.t)
				r := st.rec
				if r == mine {
					r = &leaseRecord{Holder: "me", Seq: s.seq}
				}
				switch st.op {
				case "observe":
					if got := s.observe(now, r); got != st.wantWrite {
						t.Fatalf("step %d (t=%v): observe %+v: write = %v, want %v", i, st.t, r, got, st.wantWrite)
					}
					if st.wantWrite {
						w := s.next(now)
						if w.Holder != "me" || w.Seq != s.seq || !w.Expires.Equal(now.Add(timing.lifetime)) {
							t.Fatalf("step %d: next = %+v", i, w)
						}
					}
				case "confirm":
					s.confirm(at(st.start), now, r)
				case "fail":
					s.fail(now)
				case "active":
				default:
					t.Fatalf("unknown op %q", st.op)
				}
				if s.phase != st.wantPhase {
					t.Fatalf("step %d (t=%v, %s): phase %v, want %v", i, st.t, st.op, s.phase, st.wantPhase)
				}
				if got := s.active(now); got != st.wantActive {
					t.Fatalf("step %d (t=%v, %s): active = %v, want %v", i, st.t, st.op, got, st.wantActive)
				}
			}
		})
	}
}

func TestLeaseWait(t *testing.T) {
	timing := leaseTiming{lifetime: 30 * time.Second, renew: 10 * time.Second, settle: 5 * time.Second}
	now := time.Unix(1_700_000_000, 0)
	s := newLeaseState("me", timing)
	if d := s.wait(now); d != 5*time.Second {
		t.Fatalf("idle wait %v, want the poll period 5s", d)
	}
	s.observe(now, nil)
	s.next(now)
	s.confirm(now, now.Add(time.Second), &leaseRecord{Holder: "me", Seq: s.seq})
	if d := s.wait(now.Add(2 * time.Second)); d != 4*time.Second {
		t.Fatalf("pending wait %v, want 4s to the settling read", d)
	}
	if d := s.wait(now.Add(7 * time.Second)); d != 0 {
		t.Fatalf("pending wait past the settling time %v, want 0", d)
	}
	s.observe(now.Add(7*time.Second), &leaseRecord{Holder: "me", Seq: s.seq})
	if d := s.wait(now.Add(7 * time.Second)); d != 10*time.Second {
		t.Fatalf("held wait %v, want the renewal period", d)
	}
	if !s.release(&leaseRecord{Holder: "me", Seq: 9}) || s.phase != leaseIdle {
		t.Fatal("release of our record must delete it")
	}
	if s.release(&leaseRecord{Holder: "other"}) || s.release(nil) {
		t.Fatal("release must not delete another's record")
	}
}

func TestLeaseTimingValidate(t *testing.T) {
	if err := defaultLeaseTiming.validate(); err != nil {
		t.Fatal(err)
	}
	// A dead holder's lease is taken within a minute: seen within a poll,
	// watched a lifetime, then the settling time.
	if worst := defaultLeaseTiming.poll() + defaultLeaseTiming.lifetime + defaultLeaseTiming.settle + 3*defaultLeaseTiming.opTimeout(); worst >= time.Minute {
		t.Fatalf("worst takeover %v", worst)
	}
	if defaultLeaseTiming.opTimeout() >= defaultLeaseTiming.settle {
		t.Fatal("a Meta call may outlast the settling time")
	}
	for _, bad := range []leaseTiming{
		{lifetime: 15 * time.Second, renew: 10 * time.Second, settle: time.Second},
		{lifetime: 30 * time.Second, renew: 10 * time.Second, settle: 20 * time.Second},
		{lifetime: 30 * time.Second, renew: 0, settle: time.Second},
		{},
	} {
		if bad.validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestLeaseRecordRoundTrip(t *testing.T) {
	r := leaseRecord{Holder: "gw-1", Seq: 12, Expires: time.Unix(1_700_000_030, 0).UTC()}
	got := parseLeaseRecord(r.marshal())
	if got.Holder != r.Holder || got.Seq != r.Seq || !got.Expires.Equal(r.Expires) {
		t.Fatalf("round trip %+v -> %+v", r, got)
	}
	for _, bad := range []string{"", "null", "{}", `{"holder":""}`, "[1]"} {
		if got := parseLeaseRecord([]byte(bad)); got.Holder == "" || got.Holder == "gw-1" {
			t.Errorf("%q parsed as %+v", bad, got)
		}
	}
}
