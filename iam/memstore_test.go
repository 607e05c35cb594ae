package iam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memStore is an in-memory Store for the unit tests of this package; the
// tests in cmd/zones3 and integration run the Directory over real storage
// nodes.
type memStore struct {
	mu      sync.Mutex
	records map[string][]byte
	// unavailable makes every call fail as a store without its quorum.
	unavailable bool
	// beforeList, when set, runs after ListMeta took its listing (outside
	// the lock), so that a test can interleave writes with a listing.
	beforeList func(prefix string)
}

func newMemStore() *memStore { return &memStore{records: map[string][]byte{}} }

var errMemUnavailable = fmt.Errorf("memstore: %w", ErrStoreUnavailable)

func (m *memStore) GetMeta(_ context.Context, name string) (MetaEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unavailable {
		return MetaEntry{}, errMemUnavailable
	}
	v, ok := m.records[name]
	if !ok {
		return MetaEntry{}, fmt.Errorf("%s: %w", name, ErrNoSuchRecord)
	}
	return MetaEntry{Name: name, Value: slices.Clone(v)}, nil
}

func (m *memStore) PutMeta(_ context.Context, name string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unavailable {
		return errMemUnavailable
	}
	m.records[name] = slices.Clone(value)
	return nil
}

func (m *memStore) DeleteMeta(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unavailable {
		return errMemUnavailable
	}
	delete(m.records, name)
	return nil
}

func (m *memStore) ListMeta(_ context.Context, prefix string) ([]MetaEntry, error) {
	m.mu.Lock()
	if m.unavailable {
		m.mu.Unlock()
		return nil, errMemUnavailable
	}
	var out []MetaEntry
	for _, name := range slices.Sorted(maps.Keys(m.records)) {
		if strings.HasPrefix(name, prefix) {
			out = append(out, MetaEntry{Name: name, Value: slices.Clone(m.records[name])})
		}
	}
	hook := m.beforeList
	m.mu.Unlock()
	if hook != nil {
		// The listing was taken; writes the hook makes are not in it.
		hook(prefix)
	}
	return out, nil
}

func (m *memStore) setUnavailable(v bool) {
	m.mu.Lock()
	m.unavailable = v
	m.mu.Unlock()
}

// snapshot copies every record, to check that a refused request changed
// nothing.
func (m *memStore) snapshot() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]string{}
	for k, v := range m.records {
		out[k] = string(v)
	}
	return out
}

func (m *memStore) value(name string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.records[name])
}

const (
	testRootAccess = "ZS3ROOTACCESSKEY0001"
	testRootSecret = "zones3-test-root-secret-0123456789abcdef"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestDirectory returns a loaded Directory over store.
func newTestDirectory(t testing.TB, store Store, mod ...func(*DirectoryConfig)) *Directory {
	t.Helper()
	cfg := DirectoryConfig{
		Store:         store,
		RootAccessKey: testRootAccess,
		RootSecretKey: testRootSecret,
		Logger:        quietLog,
	}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := NewDirectory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// wantCode checks that err is an IAM error with the code (nil: no error).
func wantCode(t testing.TB, what string, err error, code string) {
	t.Helper()
	switch {
	case code == "" && err != nil:
		t.Fatalf("%s: %v", what, err)
	case code != "" && err == nil:
		t.Fatalf("%s: no error, want %s", what, code)
	case code != "" && !IsCode(err, code):
		var e *Error
		errors.As(err, &e)
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}
