package main

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/zones3/zones3/storage"
)

// fakeNode answers Info while up is set; it implements nothing else.
type fakeNode struct {
	storage.Node
	id   string
	zone string
	up   atomic.Bool
}

func (n *fakeNode) ID() string { return n.id }

func (n *fakeNode) Info(ctx context.Context) (storage.NodeInfo, error) {
	if !n.up.Load() {
		return storage.NodeInfo{}, storage.ErrUnavailable
	}
	return storage.NodeInfo{ID: n.id, Zone: n.zone}, nil
}

func TestReadiness(t *testing.T) {
	fakes := []*fakeNode{{id: "a", zone: "z1"}, {id: "b", zone: "z2"}, {id: "c", zone: "z3"}}
	nodes := make([]storage.Node, len(fakes))
	for i, f := range fakes {
		nodes[i] = f
	}
	r := newReadiness(nodes, []string{"z1", "z2", "z3"}, 2, slog.New(slog.DiscardHandler))
	if r.Ready() == nil {
		t.Error("ready before the first probe")
	}

	fakes[0].up.Store(true)
	r.probe(context.Background())
	if err := r.Ready(); err == nil || err.Error() != "1 of 3 storage nodes answer; a read quorum needs 2" {
		t.Errorf("one node up: %v", err)
	}
	select {
	case <-r.becameReady():
		t.Error("becameReady closed without a quorum")
	default:
	}

	fakes[2].up.Store(true)
	r.probe(context.Background())
	if err := r.Ready(); err != nil {
		t.Errorf("two nodes up: %v", err)
	}
	<-r.becameReady()

	fakes[0].up.Store(false)
	r.probe(context.Background())
	if r.Ready() == nil {
		t.Error("still ready after losing the quorum")
	}
}

func TestReadinessStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := newReadiness([]storage.Node{&fakeNode{id: "a"}}, []string{"z"}, 1, slog.New(slog.DiscardHandler))
	r.run(ctx) // returns at once
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("unreachable")
	}
}
