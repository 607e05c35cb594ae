package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is the worker's Now in tests that run passes directly.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// t0 is on a boundary of 10 s days.
var t0 = time.Unix(1_700_000_000, 0).UTC()

func at(d time.Duration) time.Time { return t0.Add(d) }

const sec = time.Second

// testLogger logs through t, shown when a test fails.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newTestWorker(t *testing.T, cfg WorkerConfig) *Worker {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	if cfg.Day == 0 {
		cfg.Day = 10 * sec
	}
	w, err := NewWorker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// runPass runs one whole pass and returns its record.
func runPass(t *testing.T, w *Worker) Pass {
	t.Helper()
	if err := w.pass(context.Background(), &passCursor{Started: w.cfg.Now()}); err != nil {
		t.Fatalf("pass: %v", err)
	}
	p, err := loadPass(context.Background(), w.cfg.Meta)
	if err != nil || p == nil {
		t.Fatalf("pass record: %v, %v", p, err)
	}
	if c, err := loadCursor(context.Background(), w.cfg.Meta); c != nil || err != nil {
		t.Fatalf("cursor left after a complete pass: %+v, %v", c, err)
	}
	return *p
}

func rules(t *testing.T, r string) *Configuration { return mustParse(t, config(r)) }

func wantKeys(t *testing.T, s *memStore, bucket string, want ...string) {
	t.Helper()
	if got := s.keys(bucket); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("keys of %s = %q, want %q", bucket, got, want)
	}
}

// shape describes a key's versions, newest first: "D" a delete marker,
// else the size.
func shape(s *memStore, bucket, key string) string {
	var parts []string
	for _, v := range s.versions(bucket, key) {
		if v.marker {
			parts = append(parts, "D")
		} else {
			parts = append(parts, fmt.Sprint(v.size))
		}
	}
	return strings.Join(parts, ",")
}

func wantCounts(t *testing.T, what string, got, want Counts) {
	t.Helper()
	if got != want {
		t.Fatalf("%s counts %+v, want %+v", what, got, want)
	}
}

func TestWorkerExpiresByDays(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("logs", rules(t, `<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "")
	s.put("logs", "logs/old", at(-25*sec), 100, nil) // due at -20s + 1 day = -10s
	s.put("logs", "logs/new", at(-1*sec), 200, nil)  // due at 0 + 1 day = +10s
	s.put("logs", "other/x", at(-100*sec), 300, nil)
	s.put("plain", "logs/old", at(-100*sec), 400, nil) // a bucket without rules
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now, BatchSize: 2})

	p := runPass(t, w)
	wantKeys(t, s, "logs", "logs/new", "other/x")
	wantKeys(t, s, "plain", "logs/old")
	wantCounts(t, "first pass", p.Buckets["logs"], Counts{Scanned: 3, ObjectsExpired: 1, BytesExpired: 100})
	if _, ok := p.Buckets["plain"]; ok || !p.Started.Equal(t0) || !p.Completed.Equal(t0) || p.Holder != w.ID() {
		t.Fatalf("pass record %+v", p)
	}

	clock.set(at(9 * sec))
	runPass(t, w)
	wantKeys(t, s, "logs", "logs/new", "other/x")
	clock.set(at(10 * sec))
	p = runPass(t, w)
	wantKeys(t, s, "logs", "other/x")
	wantCounts(t, "third pass", p.Buckets["logs"], Counts{Scanned: 2, ObjectsExpired: 1, BytesExpired: 200})
	wantCounts(t, "the process's", *w.counts["logs"], Counts{Scanned: 7, ObjectsExpired: 2, BytesExpired: 300})
	if calls := s.listCalls; calls[0].tags {
		t.Fatal("tags asked for without a tag filter")
	}
}

func TestWorkerExpiresByDate(t *testing.T) {
	clock := &testClock{t: utc(2023, 12, 31, 23, 59).Add(59 * sec)}
	s := newMemStore(clock.Now)
	s.setConfig("b", rules(t, `<Rule><ID>d</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2024-01-01T00:00:00Z</Date></Expiration></Rule>`), "")
	s.put("b", "tmp/a", utc(2023, 6, 1, 0, 0), 1, nil)
	s.put("b", "tmp/b", clock.Now().Add(-sec), 2, nil)
	s.put("b", "keep/c", utc(2023, 6, 1, 0, 0), 3, nil)
	// The Date is absolute: a day of 10 s does not scale it.
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now})
	runPass(t, w)
	wantKeys(t, s, "b", "keep/c", "tmp/a", "tmp/b")

	clock.set(utc(2024, 1, 1, 0, 0))
	s.put("b", "tmp/new", clock.Now(), 4, nil) // written on the date: expires too
	p := runPass(t, w)
	wantKeys(t, s, "b", "keep/c")
	wantCounts(t, "pass", p.Buckets["b"], Counts{Scanned: 4, ObjectsExpired: 3, BytesExpired: 7})
}

func TestWorkerVersionedExpiryAddsDeleteMarker(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	cfg := rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`)
	s.setConfig("enabled", cfg, "Enabled")
	s.setConfig("suspended", cfg, "Suspended")
	s.put("enabled", "k", at(-100*sec), 10, nil)
	s.put("suspended", "k", at(-100*sec), 20, nil)
	s.put("enabled", "fresh", at(-5*sec), 30, nil)
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now})

	p := runPass(t, w)
	// Enabled: the object stays, as a noncurrent version behind a marker.
	if got := shape(s, "enabled", "k"); got != "D,10" {
		t.Fatalf("enabled k: %s, want D,10", got)
	}
	if got := shape(s, "enabled", "fresh"); got != "30" {
		t.Fatalf("enabled fresh: %s", got)
	}
	// Suspended: the null delete marker replaces the null version.
	if got := shape(s, "suspended", "k"); got != "D" {
		t.Fatalf("suspended k: %s, want D", got)
	}
	if m := s.versions("suspended", "k")[0]; m.id != "null" || !m.mod.Equal(t0) {
		t.Fatalf("suspended marker %+v", m)
	}
	wantCounts(t, "enabled", p.Buckets["enabled"], Counts{Scanned: 2, ObjectsExpired: 1, BytesExpired: 10})
	wantCounts(t, "suspended", p.Buckets["suspended"], Counts{Scanned: 1, ObjectsExpired: 1, BytesExpired: 20})

	// Days also clears a delete marker left as the only version once it is
	// that old; a marker with versions behind it stays.
	clock.set(at(19 * sec))
	runPass(t, w)
	if got := shape(s, "suspended", "k"); got != "D" {
		t.Fatalf("suspended k before the marker is 2 days old: %s", got)
	}
	clock.set(at(20 * sec))
	p = runPass(t, w)
	wantKeys(t, s, "suspended")
	if got := shape(s, "enabled", "k"); got != "D,10" {
		t.Fatalf("enabled k: %s, want D,10", got)
	}
	wantCounts(t, "suspended, later", p.Buckets["suspended"], Counts{Scanned: 1, MarkersRemoved: 1})
	// fresh (written at -5 s) expired at +20 s as well.
	wantCounts(t, "enabled, later", p.Buckets["enabled"], Counts{Scanned: 3, ObjectsExpired: 1, BytesExpired: 30})
}

func TestWorkerNoncurrentExpiry(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("v", rules(t, `<Rule><ID>nc</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration>`+
		`<NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`), "Enabled")
	// k: six versions 10 s apart; the noncurrent ones became noncurrent
	// long enough ago, but the two newest are kept.
	for i, d := range []time.Duration{-100, -90, -80, -70, -60, -50} {
		s.put("v", "k", at(d*sec), int64(i+1), nil)
	}
	// recent: the oldest noncurrent version has two newer ones, but
	// became noncurrent only at -6 s: due at +10 s.
	for i, d := range []time.Duration{-7, -6, -5, -3} {
		s.put("v", "recent", at(d*sec), int64(10+i), nil)
	}
	// single: only a current version.
	s.put("v", "single", at(-1000*sec), 99, nil)
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now, BatchSize: 3})

	p := runPass(t, w)
	if got := shape(s, "v", "k"); got != "6,5,4" {
		t.Fatalf("k: %s, want 6,5,4 (current and the two newest noncurrent)", got)
	}
	if got := shape(s, "v", "recent"); got != "13,12,11,10" {
		t.Fatalf("recent: %s", got)
	}
	if got := shape(s, "v", "single"); got != "99" {
		t.Fatalf("single: %s", got)
	}
	wantCounts(t, "pass", p.Buckets["v"], Counts{Scanned: 11, ObjectsExpired: 3, BytesExpired: 1 + 2 + 3})

	clock.set(at(10 * sec))
	runPass(t, w)
	if got := shape(s, "v", "recent"); got != "13,12,11" {
		t.Fatalf("recent at +10 s: %s, want 13,12,11", got)
	}
}

func TestWorkerRemovesDeleteMarkers(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("v", rules(t, `<Rule><ID>m</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`+
		`<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`), "Enabled")
	s.putMarker("v", "only-marker", at(-1*sec))
	s.put("v", "marker-over-data", at(-100*sec), 5, nil)
	s.putMarker("v", "marker-over-data", at(-1*sec))
	s.put("v", "noncurrent-marker", at(-100*sec), 7, nil)
	s.putMarker("v", "noncurrent-marker", at(-60*sec))
	s.put("v", "noncurrent-marker", at(-50*sec), 9, nil)
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now, BatchSize: 2})

	p := runPass(t, w)
	wantKeys(t, s, "v", "marker-over-data", "noncurrent-marker")
	if got := shape(s, "v", "marker-over-data"); got != "D,5" {
		t.Fatalf("marker-over-data: %s", got)
	}
	if got := shape(s, "v", "noncurrent-marker"); got != "9" {
		t.Fatalf("noncurrent-marker: %s", got)
	}
	wantCounts(t, "pass", p.Buckets["v"], Counts{Scanned: 6, ObjectsExpired: 1, BytesExpired: 7, MarkersRemoved: 2})
}

func TestWorkerAbortsUploads(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("b", rules(t, `<Rule><ID>u</ID><Filter><Prefix>up/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`), "")
	s.addUpload("b", "up/a", "u1", at(-100*sec))
	s.addUpload("b", "up/a", "u2", at(-100*sec))
	s.addUpload("b", "up/b", "u3", at(-1*sec))
	s.addUpload("b", "other", "u4", at(-100*sec))
	s.addUpload("b", "up/c", "u5", at(-50*sec))
	s.put("b", "up/object", at(-100*sec), 1, nil) // no expiration rule: stays
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now, BatchSize: 2})

	p := runPass(t, w)
	if got := s.uploadIDs("b"); !slices.Equal(got, []string{"u3", "u4"}) {
		t.Fatalf("uploads left %q, want u3 u4", got)
	}
	wantKeys(t, s, "b", "up/object")
	if len(s.listCalls) != 0 {
		t.Fatalf("versions listed without a rule for them: %+v", s.listCalls)
	}
	wantCounts(t, "pass", p.Buckets["b"], Counts{Scanned: 5, UploadsAborted: 3})
}

func TestWorkerDisabledRulesDoNothing(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("b", rules(t, `<Rule><ID>off</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration>`+
		`<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>`+
		`<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`), "Enabled")
	s.put("b", "k", at(-1000*sec), 1, nil)
	s.put("b", "k", at(-900*sec), 2, nil)
	s.putMarker("b", "m", at(-1000*sec))
	s.addUpload("b", "k", "u1", at(-1000*sec))
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now})

	p := runPass(t, w)
	if got := shape(s, "b", "k"); got != "2,1" || shape(s, "b", "m") != "D" || len(s.uploadIDs("b")) != 1 || len(s.actions) != 0 {
		t.Fatalf("disabled rules acted: k %s, m %s, uploads %q, actions %q", got, shape(s, "b", "m"), s.uploadIDs("b"), s.actions)
	}
	wantCounts(t, "pass", p.Buckets["b"], Counts{})
}

func TestWorkerTagFilter(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("b", rules(t, `<Rule><ID>t</ID><Filter><Tag><Key>class</Key><Value>scratch</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "")
	s.put("b", "tagged", at(-100*sec), 1, map[string]string{"class": "scratch"})
	s.put("b", "other-tag", at(-100*sec), 2, map[string]string{"class": "keep"})
	s.put("b", "untagged", at(-100*sec), 3, nil)
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now})
	runPass(t, w)
	wantKeys(t, s, "b", "other-tag", "untagged")
	if !s.listCalls[0].tags {
		t.Fatal("the listing was not asked for tags")
	}
}

// TestWorkerResumesAfterRestart stops a worker in the middle of a bucket
// and starts another, which resumes from the cursor the first one saved.
func TestWorkerResumesAfterRestart(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	cfg := rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	s.setConfig("a-small", cfg, "")
	s.put("a-small", "x", at(-100*sec), 1, nil)
	s.setConfig("big", cfg, "")
	var all []string
	for i := range 100 {
		key := fmt.Sprintf("obj/%03d", i)
		all = append(all, key)
		s.put("big", key, at(-100*sec), 10, nil)
	}
	s.setConfig("c-after", cfg, "")
	s.put("c-after", "y", at(-100*sec), 1, nil)
	meta := newMemMeta()

	// The first worker stops (its process is killed) while listing the
	// fourth page of "big".
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bigCalls := 0
	s.onList = func(ctx context.Context, bucket string, call int, page []Version) error {
		if bucket == "big" {
			if bigCalls++; bigCalls == 4 {
				cancel()
				return ctx.Err()
			}
		}
		return nil
	}
	first := newTestWorker(t, WorkerConfig{Store: s, Meta: meta, Now: clock.Now, ID: "first", BatchSize: 10, CheckpointEvery: time.Nanosecond})
	if _, err := first.step(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("first worker's step: %v, want context.Canceled", err)
	}
	cur, err := loadCursor(context.Background(), meta)
	if err != nil || cur == nil {
		t.Fatalf("cursor: %+v, %v", cur, err)
	}
	left := s.keys("big")
	done := len(all) - len(left)
	if cur.Bucket != "big" || cur.Phase != phaseVersions || cur.Holder != "first" || !cur.Started.Equal(t0) ||
		cur.After.Key != all[done-1] || done < 20 || done > 30 {
		t.Fatalf("cursor %+v after %d objects expired", cur, done)
	}
	wantKeys(t, s, "a-small")
	wantCounts(t, "cursor, big", *cur.Counts["big"], Counts{Scanned: int64(done), ObjectsExpired: int64(done), BytesExpired: int64(10 * done)})
	// Any gateway sees the pass in progress, with its counts so far.
	st, err := ReadStatus(context.Background(), meta)
	if err != nil || st.Running == nil || st.Running.Bucket != "big" || !st.Running.Started.Equal(t0) {
		t.Fatalf("status of the interrupted pass: %+v, %v", st.Running, err)
	}
	wantCounts(t, "status, running", st.Running.Done, Counts{Scanned: int64(done) + 1, ObjectsExpired: int64(done) + 1, BytesExpired: int64(10*done) + 1})

	// A second worker (another gateway, or the same one restarted)
	// resumes after the last version the first one dealt with.
	s.onList, s.listCalls = nil, nil
	clock.set(at(sec))
	second := newTestWorker(t, WorkerConfig{Store: s, Meta: meta, Now: clock.Now, ID: "second", BatchSize: 10, CheckpointEvery: time.Nanosecond})
	if _, err := second.step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if first := s.listCalls[0]; first.bucket != "big" || first.after != cur.After {
		t.Fatalf("second worker's first listing %+v, want big after %+v", first, cur.After)
	}
	wantKeys(t, s, "big")
	wantKeys(t, s, "c-after")
	p, err := loadPass(context.Background(), meta)
	if err != nil || p == nil {
		t.Fatal(p, err)
	}
	if !p.Started.Equal(t0) || !p.Completed.Equal(at(sec)) || p.Holder != "second" {
		t.Fatalf("pass %+v", p)
	}
	wantCounts(t, "pass, big", p.Buckets["big"], Counts{Scanned: 100, ObjectsExpired: 100, BytesExpired: 1000})
	wantCounts(t, "pass, a-small", p.Buckets["a-small"], Counts{Scanned: 1, ObjectsExpired: 1, BytesExpired: 1})
	wantCounts(t, "second worker's, big", *second.counts["big"], Counts{Scanned: int64(100 - done), ObjectsExpired: int64(100 - done), BytesExpired: int64(10 * (100 - done))})

	// The next pass is due an interval after this one started.
	wait, err := second.step(context.Background())
	if err != nil || wait != DefaultInterval-sec {
		t.Fatalf("next step waits %v (%v), want %v", wait, err, DefaultInterval-sec)
	}
}

func TestWorkerActionErrorsAreRetriedNextPass(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("b", rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "")
	for i := range 10 {
		s.put("b", fmt.Sprintf("obj/%d", i), at(-100*sec), 1, nil)
	}
	s.failAction = func(bucket, key string) error {
		if key == "obj/3" || key == "obj/7" {
			return errors.New("write quorum not reached")
		}
		return nil
	}
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now})
	p := runPass(t, w)
	wantKeys(t, s, "b", "obj/3", "obj/7")
	wantCounts(t, "failing pass", p.Buckets["b"], Counts{Scanned: 10, ObjectsExpired: 8, BytesExpired: 8, Errors: 2})

	s.failAction = nil
	p = runPass(t, w)
	wantKeys(t, s, "b")
	wantCounts(t, "next pass", p.Buckets["b"], Counts{Scanned: 2, ObjectsExpired: 2, BytesExpired: 2})
}

func TestWorkerListingErrorSkipsBucket(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	cfg := rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	for _, b := range []string{"a", "b"} {
		s.setConfig(b, cfg, "")
		for i := range 5 {
			s.put(b, fmt.Sprintf("obj/%d", i), at(-100*sec), 1, nil)
		}
	}
	failing := true
	s.onList = func(ctx context.Context, bucket string, call int, page []Version) error {
		if bucket == "a" && call == 2 && failing {
			return errors.New("read quorum not reached")
		}
		return nil
	}
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now, BatchSize: 2})
	p := runPass(t, w)
	// The first page of a was dealt with (its last version held back).
	wantKeys(t, s, "a", "obj/1", "obj/2", "obj/3", "obj/4")
	wantKeys(t, s, "b")
	wantCounts(t, "a", p.Buckets["a"], Counts{Scanned: 1, ObjectsExpired: 1, BytesExpired: 1, Errors: 1})

	failing = false
	runPass(t, w)
	wantKeys(t, s, "a")
}

// TestWorkerRaceGuard overwrites what the worker listed before it acts:
// the new version must survive.
func TestWorkerRaceGuard(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	cfg := rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	s.setConfig("plain", cfg, "")
	s.setConfig("versioned", cfg, "Enabled")
	s.setConfig("suspended", cfg, "Suspended")
	s.put("plain", "k", at(-100*sec), 1, nil)
	s.put("versioned", "k", at(-100*sec), 1, nil)
	s.putMarker("suspended", "k", at(-100*sec)) // a null marker, the only version
	s.onList = func(ctx context.Context, bucket string, call int, page []Version) error {
		// A client writes the key again between the listing and the action.
		s.put(bucket, "k", at(-sec), 2, nil)
		return nil
	}
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now})
	p := runPass(t, w)
	if got := shape(s, "plain", "k"); got != "2" {
		t.Fatalf("plain k: %s, want the new object 2", got)
	}
	if got := shape(s, "versioned", "k"); got != "2,1" {
		t.Fatalf("versioned k: %s, want 2,1 (no delete marker over the new version)", got)
	}
	if got := shape(s, "suspended", "k"); got != "2" {
		t.Fatalf("suspended k: %s, want the new null version 2", got)
	}
	for _, b := range []string{"plain", "versioned", "suspended"} {
		wantCounts(t, b, p.Buckets[b], Counts{Scanned: 1})
	}
	if len(s.actions) != 0 {
		t.Fatalf("actions %q", s.actions)
	}
}

// TestWorkerRelistedVersionsAreSkipped replaces a null version in the
// middle of a key while the worker walks it: the listing after the null
// version then shows a newer version again, which must not be taken for
// an old noncurrent one.
func TestWorkerRelistedVersionsAreSkipped(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	cfg := rules(t, `<Rule><ID>nc</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`)
	s.setConfig("b", cfg, "Enabled")
	s.put("b", "k", at(-300*sec), 3, nil)
	s.setConfig("b", cfg, "Suspended")
	s.put("b", "k", at(-200*sec), 2, nil) // the null version
	s.setConfig("b", cfg, "Enabled")
	s.put("b", "k", at(-100*sec), 7, nil)
	if got := shape(s, "b", "k"); got != "7,2,3" {
		t.Fatalf("k: %s", got)
	}
	s.onList = func(ctx context.Context, bucket string, call int, page []Version) error {
		if call == 1 {
			// After the first page (7, null), versioning is suspended and
			// the key written again: the new null version replaces the
			// old one and 7 became noncurrent just now.
			s.setConfig("b", cfg, "Suspended")
			s.put("b", "k", at(-sec), 9, nil)
		}
		return nil
	}
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now, BatchSize: 2})
	runPass(t, w)
	// 3 went (noncurrent since -200 s); the old null version was gone
	// already; 7 stays: it is noncurrent only since -1 s.
	if got := shape(s, "b", "k"); got != "9,7" {
		t.Fatalf("k: %s, want 9,7", got)
	}
}

func TestWorkerMetricsAndStatus(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig(`b"1`, rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>`+
		`<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`), "Enabled")
	s.put(`b"1`, "k", at(-100*sec), 1000, nil)
	s.putMarker(`b"1`, "m", at(-100*sec))
	s.addUpload(`b"1`, "u", "u1", at(-100*sec))
	meta := newMemMeta()
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: meta, Now: clock.Now})
	runPass(t, w)

	var b strings.Builder
	w.WriteMetrics(&b)
	text := b.String()
	for _, line := range []string{
		`zones3_lifecycle_scanned_total{bucket="b\"1"} 3`,
		`zones3_lifecycle_objects_expired_total{bucket="b\"1"} 1`,
		`zones3_lifecycle_bytes_expired_total{bucket="b\"1"} 1000`,
		`zones3_lifecycle_delete_markers_removed_total{bucket="b\"1"} 1`,
		`zones3_lifecycle_uploads_aborted_total{bucket="b\"1"} 1`,
		`zones3_lifecycle_errors_total{bucket="b\"1"} 0`,
		"zones3_lifecycle_last_pass_completed_timestamp_seconds 1700000000.000",
		"zones3_lifecycle_lease_held 0",
		"# TYPE zones3_lifecycle_objects_expired_total counter",
		"# TYPE zones3_lifecycle_lease_held gauge",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, text)
		}
	}

	// Another gateway's worker that never acted shows the same last pass.
	other := newTestWorker(t, WorkerConfig{Store: s, Meta: meta, Now: clock.Now})
	b.Reset()
	other.refreshLastPass(context.Background())
	other.WriteMetrics(&b)
	if !strings.Contains(b.String(), "zones3_lifecycle_last_pass_completed_timestamp_seconds 1700000000.000\n") ||
		strings.Contains(b.String(), "bucket=") {
		t.Fatalf("metrics of a worker that never acted:\n%s", b.String())
	}

	st, err := ReadStatus(context.Background(), meta)
	if err != nil || st.LastPass == nil || st.Running != nil || st.Holder != "" {
		t.Fatalf("status %+v, %v", st, err)
	}
	if c := st.LastPass.Buckets[`b"1`]; c.ObjectsExpired != 1 || c.MarkersRemoved != 1 || c.UploadsAborted != 1 {
		t.Fatalf("status counts %+v", c)
	}
}

func TestWorkerUnreadableRecords(t *testing.T) {
	clock := &testClock{t: t0}
	s := newMemStore(clock.Now)
	s.setConfig("b", rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "")
	s.put("b", "k", at(-100*sec), 1, nil)
	meta := newMemMeta()
	meta.records[MetaCursor] = []byte(`{"v":99}`)
	meta.records[MetaPass] = []byte(`not json`)
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: meta, Now: clock.Now})
	if _, err := w.step(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, s, "b")
	if p, err := loadPass(context.Background(), meta); err != nil || p == nil || p.Buckets["b"].ObjectsExpired != 1 {
		t.Fatalf("pass %+v, %v", p, err)
	}
}

func TestUsesTags(t *testing.T) {
	for doc, want := range map[string]bool{
		`<Rule><ID>a</ID><Filter><Prefix>p</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`:                                                      false,
		`<Rule><ID>a</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`:                                 true,
		`<Rule><ID>a</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>`:                                false,
		`<Rule><ID>a</ID><Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`:    true,
		`<Rule><ID>a</ID><Filter><And><Prefix>p</Prefix><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`: false,
	} {
		if got := usesTags(rules(t, doc)); got != want {
			t.Errorf("usesTags(%s) = %v", doc, got)
		}
	}
}

func TestNewWorkerDefaults(t *testing.T) {
	if _, err := NewWorker(WorkerConfig{}); err == nil {
		t.Fatal("a worker without a Store was made")
	}
	w, err := NewWorker(WorkerConfig{Store: newMemStore(time.Now), Meta: newMemMeta(), BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := w.cfg
	if c.ID == "" || c.Interval != DefaultInterval || c.Day != Day || c.BatchSize != 2 || c.Parallel != DefaultParallel ||
		c.CheckpointEvery != DefaultCheckpointEvery || c.lease != defaultLeaseTiming || c.Now == nil || c.Logger == nil {
		t.Fatalf("defaults %+v", c)
	}
	if _, err := NewWorker(WorkerConfig{Store: newMemStore(time.Now), Meta: newMemMeta(), LeaseLifetime: 15 * sec, LeaseRenew: 10 * sec}); err == nil {
		t.Fatal("a lease lifetime shorter than two renewals was accepted")
	}
	w2, _ := NewWorker(WorkerConfig{Store: newMemStore(time.Now), Meta: newMemMeta()})
	if w2.ID() == w.ID() {
		t.Fatal("two workers got one ID")
	}
}

// TestWorkerBatchExpirer: a Store that expires in batches gets each
// batch's expirations of current versions in one call, with the stamps it
// listed, while the other actions go one by one; the outcome and the
// counts are those of a Store without batches.
func TestWorkerBatchExpirer(t *testing.T) {
	clock := &testClock{t: t0}
	s := &batchStore{memStore: newMemStore(clock.Now)}
	cfg := rules(t, `<Rule><ID>e</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`)
	s.setConfig("plain", cfg, "")
	s.setConfig("versioned", cfg, "Enabled")
	for i := range 5 {
		s.put("plain", fmt.Sprint("k", i), at(-100*sec), 10, nil)
	}
	s.put("plain", "new", at(0), 10, nil)
	s.put("versioned", "k", at(-100*sec), 1, nil)
	s.put("versioned", "k", at(-50*sec), 2, nil)
	s.onList = func(ctx context.Context, bucket string, call int, page []Version) error {
		if bucket == "plain" && call == 1 {
			s.put(bucket, "k1", at(-sec), 20, nil) // written after the listing
		}
		return nil
	}
	w := newTestWorker(t, WorkerConfig{Store: s, Meta: newMemMeta(), Now: clock.Now, BatchSize: 4})
	p := runPass(t, w)
	wantKeys(t, s.memStore, "plain", "k1", "new")
	wantCounts(t, "plain", p.Buckets["plain"], Counts{Scanned: 6, ObjectsExpired: 4, BytesExpired: 40})
	if got := shape(s.memStore, "versioned", "k"); got != "D,2" {
		t.Fatalf("versioned k: %s, want a delete marker over 2 (1 was noncurrent for 50 s)", got)
	}
	wantCounts(t, "versioned", p.Buckets["versioned"], Counts{Scanned: 2, ObjectsExpired: 2, BytesExpired: 3})
	// plain: k0, k1, k2 (k3 is held for the next page, as a page's last
	// version that starts a key is), then k3 and k4; versioned: k.
	var sizes []int
	for _, b := range s.batches {
		sizes = append(sizes, len(b))
		for _, v := range b {
			if v.Stamp == 0 {
				t.Errorf("%s handed over without its stamp", v.Key)
			}
		}
	}
	if !slices.Equal(sizes, []int{3, 2, 1}) {
		t.Fatalf("batches of %v expirations, want [3 2 1]", sizes)
	}
}

func TestPacer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rate  float64
		steps []struct {
			at   time.Duration
			n    int
			want time.Duration
		}
	}{
		{name: "no bound", rate: 0, steps: []struct {
			at   time.Duration
			n    int
			want time.Duration
		}{{0, 1000, 0}, {0, 1000, 0}}},
		{name: "1000 a second", rate: 1000, steps: []struct {
			at   time.Duration
			n    int
			want time.Duration
		}{
			{0, 500, 0}, // the first batch starts at once and books 0.5 s
			{100 * time.Millisecond, 500, 400 * time.Millisecond}, // waits for it
			{time.Second, 0, 0},    // nothing to do costs nothing
			{time.Second, 1000, 0}, // booked up to 1 s: no wait
			{1500 * time.Millisecond, 10, 500 * time.Millisecond},
			{10 * time.Second, 10, 0}, // idle time earns no burst
			{10 * time.Second, 10, 10 * time.Millisecond},
		}},
	} {
		p := pacer{rate: tc.rate}
		for i, st := range tc.steps {
			if got := p.delay(t0.Add(st.at), st.n); got != st.want {
				t.Errorf("%s step %d: delay %v, want %v", tc.name, i, got, st.want)
			}
		}
	}
}
