package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/zones3/zones3/storage"
)

// Readiness probing of the storage nodes behind a gateway.
const (
	probeInterval = time.Second
	probeTimeout  = 2 * time.Second
)

// readiness tells whether enough storage nodes answer for the gateway to
// serve reads: it asks every node for Info once a second in the background
// and caches the verdict, so /health/ready costs nothing.
type readiness struct {
	nodes  []storage.Node
	zones  []string // the zone each node is configured in
	quorum int
	log    *slog.Logger

	mu         sync.Mutex
	err        error // nil when ready
	up         []bool
	zoneWarned []bool
	first      chan struct{} // closed on the first ready verdict
	firstOnce  sync.Once
}

func newReadiness(nodes []storage.Node, zones []string, quorum int, log *slog.Logger) *readiness {
	return &readiness{
		nodes:      nodes,
		zones:      zones,
		quorum:     quorum,
		log:        log,
		err:        fmt.Errorf("storage nodes not probed yet"),
		up:         make([]bool, len(nodes)),
		zoneWarned: make([]bool, len(nodes)),
		first:      make(chan struct{}),
	}
}

// Ready is the gateway's readiness check.
func (r *readiness) Ready() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// becameReady is closed once the nodes first reach a read quorum.
func (r *readiness) becameReady() <-chan struct{} { return r.first }

// run probes now and then every probeInterval until ctx is done.
func (r *readiness) run(ctx context.Context) {
	t := time.NewTicker(probeInterval)
	defer t.Stop()
	for {
		r.probe(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// probe asks every node for Info in parallel and updates the verdict.
func (r *readiness) probe(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	infos := make([]storage.NodeInfo, len(r.nodes))
	errs := make([]error, len(r.nodes))
	var wg sync.WaitGroup
	for i, n := range r.nodes {
		wg.Go(func() { infos[i], errs[i] = n.Info(ctx) })
	}
	wg.Wait()
	if ctx.Err() != nil && context.Cause(ctx) == context.Canceled {
		return // shutting down
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	upCount := 0
	for i, n := range r.nodes {
		up := errs[i] == nil
		if up {
			upCount++
			if z := infos[i].Zone; z != "" && z != r.zones[i] && !r.zoneWarned[i] {
				r.zoneWarned[i] = true
				r.log.Warn("storage node reports another zone than configured",
					"node", n.ID(), "configured", r.zones[i], "reported", z)
			}
		}
		if up != r.up[i] {
			if up {
				r.log.Info("storage node up", "node", n.ID(), "zone", r.zones[i])
			} else {
				r.log.Warn("storage node down", "node", n.ID(), "zone", r.zones[i], "err", errs[i])
			}
			r.up[i] = up
		}
	}
	wasReady := r.err == nil
	if upCount >= r.quorum {
		r.err = nil
		r.firstOnce.Do(func() { close(r.first) })
	} else {
		r.err = fmt.Errorf("%d of %d storage nodes answer; a read quorum needs %d", upCount, len(r.nodes), r.quorum)
		if wasReady {
			r.log.Warn("not ready", "err", r.err)
		}
	}
}
