package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/lifecycle"
	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// openTestNodes opens three zone-tagged Pebble nodes in temporary folders.
func openTestNodes(t *testing.T) ([]storage.Node, *placement.Topology) {
	t.Helper()
	var nodes []storage.Node
	var pnodes []placement.Node
	for _, z := range embeddedZones {
		id, zone := "node-"+z, "zone-"+z
		n, err := storage.OpenLocal(t.TempDir(), storage.LocalOptions{ID: id, Zone: zone, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		nodes = append(nodes, n)
		pnodes = append(pnodes, placement.Node{ID: id, Zone: zone, Weight: 1})
	}
	topo, err := placement.New(pnodes)
	if err != nil {
		t.Fatal(err)
	}
	return nodes, topo
}

func TestLifecycleMetaAdapter(t *testing.T) {
	nodes, topo := openTestNodes(t)
	layer, err := objectlayer.New(nodes, topo, objectlayer.Options{Logger: slog.New(slog.DiscardHandler), ProbeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer layer.Close()
	m := lifecycleMeta{layer}
	ctx := context.Background()
	if v, found, err := m.GetMeta(ctx, "lifecycle/x"); found || err != nil || v != nil {
		t.Fatalf("missing record: %q %v %v", v, found, err)
	}
	if err := m.PutMeta(ctx, "lifecycle/x", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if v, found, err := m.GetMeta(ctx, "lifecycle/x"); !found || err != nil || string(v) != "one" {
		t.Fatalf("record: %q %v %v", v, found, err)
	}
	if err := m.DeleteMeta(ctx, "lifecycle/x"); err != nil {
		t.Fatal(err)
	}
	if _, found, err := m.GetMeta(ctx, "lifecycle/x"); found || err != nil {
		t.Fatalf("deleted record: %v %v", found, err)
	}
}

// passLog is a lifecycle.Store without buckets that records when each
// worker started a pass.
type passLog struct {
	lifecycle.Store // nil: a pass over no buckets calls nothing else
	id              string
	mu              *sync.Mutex
	passes          map[string][]time.Time
}

func (p passLog) Buckets(ctx context.Context) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.passes[p.id] = append(p.passes[p.id], time.Now())
	return nil, nil
}

// cuttableMeta fails every call on the lease record once cut.
type cuttableMeta struct {
	lifecycle.Meta
	mu  sync.Mutex
	cut bool
}

var errCut = errors.New("cut off")

func (m *cuttableMeta) isCut(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cut && name == lifecycle.MetaLease
}

func (m *cuttableMeta) GetMeta(ctx context.Context, name string) ([]byte, bool, error) {
	if m.isCut(name) {
		return nil, false, errCut
	}
	return m.Meta.GetMeta(ctx, name)
}

func (m *cuttableMeta) PutMeta(ctx context.Context, name string, value []byte) error {
	if m.isCut(name) {
		return errCut
	}
	return m.Meta.PutMeta(ctx, name, value)
}

// TestLifecycleLeaseOverClusterMetadata runs the lifecycle workers of two
// gateways (two object layers, each with its own clock) over the cluster
// metadata of three real nodes: one acts; when its lease renewals fail,
// it stops, and the other takes over after it; when that one stops, it
// hands the lease back at once.
func TestLifecycleLeaseOverClusterMetadata(t *testing.T) {
	nodes, topo := openTestNodes(t)
	var mu sync.Mutex
	passes := map[string][]time.Time{}
	metas := map[string]*cuttableMeta{}
	workers := map[string]*lifecycle.Worker{}
	stops := map[string]func(){}
	for _, id := range []string{"gw-1", "gw-2"} {
		layer, err := objectlayer.New(nodes, topo, objectlayer.Options{Logger: slog.New(slog.DiscardHandler), ProbeInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer layer.Close()
		metas[id] = &cuttableMeta{Meta: lifecycleMeta{layer}}
		w, err := lifecycle.NewWorker(lifecycle.WorkerConfig{
			Store: passLog{id: id, mu: &mu, passes: passes}, Meta: metas[id], ID: id,
			Interval: 100 * time.Millisecond, LeaseLifetime: 3 * time.Second, LeaseRenew: time.Second,
			Logger: slog.New(slog.NewTextHandler(testLogWriter{t}, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		workers[id] = w
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		stops[id] = func() { cancel(); <-done }
		defer stops[id]()
	}
	of := func(id string) []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Time(nil), passes[id]...)
	}
	held := func(id string) bool {
		var b strings.Builder
		workers[id].WriteMetrics(&b)
		return strings.Contains(b.String(), "zones3_lifecycle_lease_held 1\n")
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 30 s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	waitFor("holder", func() bool { return len(of("gw-1")) > 0 || len(of("gw-2")) > 0 })
	time.Sleep(2 * time.Second)
	holder, other := "gw-1", "gw-2"
	if len(of("gw-2")) > 0 {
		holder, other = other, holder
	}
	if len(of(other)) > 0 || !held(holder) || held(other) {
		t.Fatalf("%s: %d passes, held %v; %s: %d passes, held %v", holder, len(of(holder)), held(holder), other, len(of(other)), held(other))
	}

	// The holder's lease renewals fail: it stops before the other starts.
	metas[holder].mu.Lock()
	metas[holder].cut = true
	metas[holder].mu.Unlock()
	waitFor("takeover", func() bool { return len(of(other)) > 0 })
	last, first := of(holder), of(other)[0]
	if !first.After(last[len(last)-1]) {
		t.Fatalf("both acted at once: %s until %v, %s from %v", holder, last[len(last)-1], other, first)
	}
	t.Logf("%s stopped %v before %s started", holder, first.Sub(last[len(last)-1]), other)
	if held(holder) {
		t.Fatal("the cut-off holder still claims the lease")
	}

	// The new holder stops: it releases the lease, and the first one,
	// back in touch, takes it.
	metas[holder].mu.Lock()
	metas[holder].cut = false
	metas[holder].mu.Unlock()
	before := len(of(holder))
	stops[other]()
	waitFor("handover", func() bool { return len(of(holder)) > before })
	st, err := lifecycle.ReadStatus(context.Background(), metas[holder])
	if err != nil || st.Holder != holder || st.LastPass == nil || st.LastPass.Holder != holder {
		t.Fatalf("status %+v %v", st, err)
	}
	t.Log("last pass completed", st.LastPass.Completed)
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
