package lifecycle

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchStore is a bucket of n small objects held compactly: key i is
// "obj/" and i in 7 digits, so that key order is index order. It carries
// out expirations by marking the object gone, so that what is measured is
// the worker's own cost: listing pages, evaluating, batching, counting.
type benchStore struct {
	cfg  *Configuration
	mod  []time.Time
	gone []bool
}

func benchKey(i int) string {
	b := make([]byte, 0, 11)
	b = append(b, "obj/"...)
	d := strconv.AppendInt(make([]byte, 0, 7), int64(i), 10)
	for range 7 - len(d) {
		b = append(b, '0')
	}
	return string(append(b, d...))
}

func benchIndex(key string) int {
	i, _ := strconv.Atoi(key[len("obj/"):])
	return i
}

func (s *benchStore) Buckets(context.Context) ([]string, error) { return []string{"bench"}, nil }

func (s *benchStore) BucketState(context.Context, string) (*Configuration, bool, error) {
	return s.cfg, false, nil
}

func (s *benchStore) ListVersions(_ context.Context, _ string, after VersionMarker, limit int, _ bool) ([]Version, bool, error) {
	i := 0
	if after.Key != "" {
		i = benchIndex(after.Key) + 1
	}
	page := make([]Version, 0, limit)
	for ; i < len(s.mod); i++ {
		if s.gone[i] {
			continue
		}
		if len(page) == limit {
			return page, true, nil
		}
		page = append(page, Version{Key: benchKey(i), ModTime: s.mod[i], Size: 4096, IsLatest: true})
	}
	return page, false, nil
}

func (s *benchStore) ListUploads(context.Context, string, UploadMarker, int) ([]PendingUpload, bool, error) {
	return nil, false, nil
}

func (s *benchStore) ExpireCurrent(_ context.Context, _ string, v VersionRef) error {
	i := benchIndex(v.Key)
	if s.gone[i] || !s.mod[i].Equal(v.ModTime) {
		return ErrChanged
	}
	s.gone[i] = true // each index is expired by one goroutine
	return nil
}

func (s *benchStore) DeleteVersion(context.Context, string, VersionRef) error { return ErrChanged }

func (s *benchStore) AbortUpload(context.Context, string, UploadRef) error { return ErrChanged }

// BenchmarkWorkerPass runs whole passes of the worker over a bucket of
// 1,000,000 small objects, with none or half of them due.
func BenchmarkWorkerPass(b *testing.B) {
	const n = 1_000_000
	now := time.Unix(1_700_000_000, 0).UTC()
	cfg, err := Parse(strings.NewReader(config(`<Rule><ID>e</ID><Filter><Prefix>obj/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>`)))
	if err != nil {
		b.Fatal(err)
	}
	for _, due := range []int{0, 2} {
		name := "none-due"
		if due > 0 {
			name = "half-due"
		}
		b.Run(name, func(b *testing.B) {
			s := &benchStore{cfg: cfg, mod: make([]time.Time, n), gone: make([]bool, n)}
			for i := range n {
				s.mod[i] = now.Add(-time.Hour) // not due
				if due > 0 && i%due == 0 {
					s.mod[i] = now.Add(-100 * Day)
				}
			}
			w, err := NewWorker(WorkerConfig{Store: s, Meta: newMemMeta(), Now: func() time.Time { return now },
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var scanned, expired int64
			for b.Loop() {
				clear(s.gone)
				if err := w.pass(context.Background(), &passCursor{Started: now}); err != nil {
					b.Fatal(err)
				}
				p, _ := loadPass(context.Background(), w.cfg.Meta)
				c := p.Buckets["bench"]
				if c.Scanned != n || (due > 0 && c.ObjectsExpired != n/int64(due)) {
					b.Fatalf("pass counts %+v", c)
				}
				scanned += c.Scanned
				expired += c.ObjectsExpired
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(scanned)/secs, "objects/s")
			b.ReportMetric(float64(expired)/secs, "expired/s")
		})
	}
}
