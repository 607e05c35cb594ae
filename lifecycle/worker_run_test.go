package lifecycle

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// These tests run whole workers (Run: lease, schedule, passes) in a
// synctest bubble: time is fake and advances when every goroutine waits,
// so the production lease timing (30 s lifetime) runs in no time.

// callLog records which worker called the Store, and when.
type callLog struct {
	mu    sync.Mutex
	calls map[string][]time.Time
}

func (l *callLog) add(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls = map[string][]time.Time{}
	}
	l.calls[id] = append(l.calls[id], time.Now())
}

func (l *callLog) of(id string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.calls[id]...)
}

// loggedStore is one worker's view of a shared Store that logs its calls.
type loggedStore struct {
	Store
	id  string
	log *callLog
}

func (s loggedStore) Buckets(ctx context.Context) ([]string, error) {
	s.log.add(s.id)
	return s.Store.Buckets(ctx)
}

func (s loggedStore) ExpireCurrent(ctx context.Context, bucket string, v VersionRef) error {
	s.log.add(s.id)
	return s.Store.ExpireCurrent(ctx, bucket, v)
}

// metaView is one worker's view of a shared Meta whose lease record can
// be cut off: the worker's lease calls fail while its other records still
// answer, so that only the lease can stop it.
type metaView struct {
	*memMeta
	mu  sync.Mutex
	cut bool
}

func (m *metaView) setCut(cut bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cut = cut
}

func (m *metaView) isCut() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cut
}

func (m *metaView) GetMeta(ctx context.Context, name string) ([]byte, bool, error) {
	if name == MetaLease && m.isCut() {
		return nil, false, partitioned
	}
	return m.memMeta.GetMeta(ctx, name)
}

func (m *metaView) PutMeta(ctx context.Context, name string, value []byte) error {
	if name == MetaLease && m.isCut() {
		return partitioned
	}
	return m.memMeta.PutMeta(ctx, name, value)
}

func (m *metaView) DeleteMeta(ctx context.Context, name string) error {
	if name == MetaLease && m.isCut() {
		return partitioned
	}
	return m.memMeta.DeleteMeta(ctx, name)
}

func metricLine(w *Worker, name string) string {
	var b strings.Builder
	w.WriteMetrics(&b)
	for line := range strings.Lines(b.String()) {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// runWorker runs w until the returned stop is called; stop waits for Run
// to return.
func runWorker(w *Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		w.Run(ctx)
		close(done)
	}()
	return func() {
		cancel()
		<-done
	}
}

// TestWorkerRunShortDay runs one worker with a lifecycle day of 2 s and a
// pass every second: objects go as their days run out.
func TestWorkerRunShortDay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		s := newMemStore(time.Now)
		s.setConfig("b", rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "")
		s.put("b", "first", time.Now(), 1, nil)
		meta := newMemMeta()
		w := newTestWorker(t, WorkerConfig{Store: s, Meta: meta, ID: "gw", Interval: time.Second, Day: 2 * time.Second})
		stop := runWorker(w)

		// The lease is taken at once and acted on after the settling time.
		time.Sleep(time.Second)
		if got := metricLine(w, "zones3_lifecycle_lease_held"); got != "zones3_lifecycle_lease_held 0" {
			t.Fatalf("before the settling read: %s", got)
		}
		time.Sleep(defaultLeaseTiming.settle)
		synctest.Wait()
		if got := metricLine(w, "zones3_lifecycle_lease_held"); got != "zones3_lifecycle_lease_held 1" {
			t.Fatalf("after the settling read: %s", got)
		}
		// "first", written at 0 (a day boundary), was due at 2 s.
		wantKeys(t, s, "b")

		s.put("b", "second", time.Now(), 1, nil) // at 6 s: due at 8 s
		time.Sleep(time.Second)
		synctest.Wait()
		wantKeys(t, s, "b", "second")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		wantKeys(t, s, "b")

		st, err := ReadStatus(context.Background(), meta)
		if err != nil || st.Holder != "gw" || st.LastPass == nil || st.Running != nil {
			t.Fatalf("status %+v, %v", st, err)
		}
		if st.LastPass.Completed.Before(start.Add(8 * time.Second)) {
			t.Fatalf("last pass %+v", st.LastPass)
		}
		if got := metricLine(w, `zones3_lifecycle_objects_expired_total{bucket="b"}`); got != `zones3_lifecycle_objects_expired_total{bucket="b"} 2` {
			t.Fatalf("metric: %q", got)
		}
		// One pass a second, not more.
		// (passes at 5, 6, 7, 8 and 9 s)
		if n := meta.putCount(MetaPass); n < 4 || n > 5 {
			t.Fatalf("%d passes in %v", n, time.Since(start))
		}
		stop()
		// Stopping releases the lease.
		if _, found, _ := meta.GetMeta(context.Background(), MetaLease); found {
			t.Fatal("the lease record outlived its worker")
		}
	})
}

// TestWorkerOneLeaseTwoWorkers runs two workers over one Store and Meta:
// one acts, the other waits; when the first is cut off from the metadata
// it stops acting before the second starts, and the second takes over
// within a minute.
func TestWorkerOneLeaseTwoWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemStore(time.Now)
		s.setConfig("b", rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "")
		shared := newMemMeta()
		var calls callLog
		views := map[string]*metaView{}
		workers := map[string]*Worker{}
		var stops []func()
		for _, id := range []string{"gw-a", "gw-b"} {
			views[id] = &metaView{memMeta: shared}
			workers[id] = newTestWorker(t, WorkerConfig{Store: loggedStore{s, id, &calls}, Meta: views[id], ID: id, Interval: 10 * time.Second})
			stops = append(stops, runWorker(workers[id]))
		}
		defer func() {
			for _, stop := range stops {
				stop()
			}
		}()

		// Objects to expire keep coming.
		stopWriting := make(chan struct{})
		var writer sync.WaitGroup
		writer.Go(func() {
			for {
				select {
				case <-stopWriting:
					return
				case <-time.After(3 * time.Second):
				}
				s.put("b", "k"+time.Now().Format("150405"), time.Now(), 1, nil)
			}
		})
		defer func() {
			close(stopWriting)
			writer.Wait()
		}()

		time.Sleep(2 * time.Minute)
		synctest.Wait()
		a, b := calls.of("gw-a"), calls.of("gw-b")
		if (len(a) == 0) == (len(b) == 0) {
			t.Fatalf("both or neither acted: gw-a %d calls, gw-b %d", len(a), len(b))
		}
		holder, other := "gw-a", "gw-b"
		if len(b) > 0 {
			holder, other = other, holder
		}
		if got := metricLine(workers[holder], "zones3_lifecycle_lease_held"); got != "zones3_lifecycle_lease_held 1" {
			t.Fatalf("holder: %s", got)
		}
		if got := metricLine(workers[other], "zones3_lifecycle_lease_held"); got != "zones3_lifecycle_lease_held 0" {
			t.Fatalf("other: %s", got)
		}
		// The worker that waits shows the holder's last pass.
		if got := metricLine(workers[other], "zones3_lifecycle_last_pass_completed_timestamp_seconds"); got == "" || strings.HasSuffix(got, " 0.000") {
			t.Fatalf("other's last pass: %q", got)
		}

		// The holder's lease renewals fail from now on (as if it were cut
		// off or dead); it could go on acting but for the lease.
		views[holder].setCut(true)
		cut := time.Now()
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		last := calls.of(holder)
		took := calls.of(other)
		if len(took) == 0 {
			t.Fatal("the other worker never took over")
		}
		lastHolder, firstOther := last[len(last)-1], took[0]
		if !firstOther.After(lastHolder) {
			t.Fatalf("both acted at once: the holder until %v, the other from %v", lastHolder.Sub(cut), firstOther.Sub(cut))
		}
		if d := firstOther.Sub(cut); d > time.Minute {
			t.Fatalf("took over %v after the holder was cut off", d)
		}
		t.Logf("holder cut off: it stopped acting %v later, the other started %v later", lastHolder.Sub(cut), firstOther.Sub(cut))
		if got := metricLine(workers[holder], "zones3_lifecycle_lease_held"); got != "zones3_lifecycle_lease_held 0" {
			t.Fatalf("cut-off holder: %s", got)
		}
		// The new holder expires what is due: with a day of 10 s and a
		// pass every 10 s, nothing lives past 30 s.
		for _, key := range s.keys("b") {
			if v := s.versions("b", key)[0]; time.Since(v.mod) > 30*time.Second {
				t.Fatalf("%s left since %v ago", key, time.Since(v.mod))
			}
		}

		// The cut-off gateway comes back: it does not take the lease back.
		views[holder].setCut(false)
		before := len(calls.of(holder))
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(calls.of(holder)); n != before {
			t.Fatalf("the old holder acted again (%d calls) while the other holds the lease", n-before)
		}
	})
}

// TestWorkerHandsOverOnStop stops the holder: it releases the lease, and
// the other worker takes over after a poll and the settling time.
func TestWorkerHandsOverOnStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemStore(time.Now)
		s.setConfig("b", rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "")
		meta := newMemMeta()
		var calls callLog
		first := newTestWorker(t, WorkerConfig{Store: loggedStore{s, "first", &calls}, Meta: meta, ID: "first", Interval: time.Second})
		stopFirst := runWorker(first)
		time.Sleep(10 * time.Second)
		second := newTestWorker(t, WorkerConfig{Store: loggedStore{s, "second", &calls}, Meta: meta, ID: "second", Interval: time.Second})
		stopSecond := runWorker(second)
		defer stopSecond()
		time.Sleep(time.Minute)
		synctest.Wait()
		if len(calls.of("first")) == 0 || len(calls.of("second")) != 0 {
			t.Fatalf("first %d calls, second %d", len(calls.of("first")), len(calls.of("second")))
		}
		stopFirst()
		stopped := time.Now()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		took := calls.of("second")
		if len(took) == 0 {
			t.Fatal("no takeover")
		}
		if d := took[0].Sub(stopped); d > defaultLeaseTiming.poll()+defaultLeaseTiming.settle+time.Second {
			t.Fatalf("took over %v after the holder stopped", d)
		}
	})
}
