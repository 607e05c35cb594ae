package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/zones3/zones3/bench"
	"github.com/zones3/zones3/placement"
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
	// health, when set, is told every probe's outcome: it is the node
	// state the object layer consults before each node call.
	health *placement.Health

	mu         sync.Mutex
	err        error // nil when ready
	up         []bool
	infos      []storage.NodeInfo // the last Info of each node that answered
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
		infos:      make([]storage.NodeInfo, len(nodes)),
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

	if r.health != nil {
		now := time.Now()
		for i, n := range r.nodes {
			r.health.Observe(n.ID(), errs[i] == nil || !errors.Is(errs[i], storage.ErrUnavailable), now)
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	upCount := 0
	for i, n := range r.nodes {
		up := errs[i] == nil
		if up {
			upCount++
			r.infos[i] = infos[i]
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

// writeMetrics appends the nodes' state and usage, as last probed, to the
// gateway's /metrics in the Prometheus text format.
func (r *readiness) writeMetrics(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(w, "# HELP zones3_node_up Whether the storage node answered the last probe (1) or not (0).")
	fmt.Fprintln(w, "# TYPE zones3_node_up gauge")
	for i, n := range r.nodes {
		v := 0
		if r.up[i] {
			v = 1
		}
		fmt.Fprintf(w, "zones3_node_up{node=%q,zone=%q} %d\n", n.ID(), r.zones[i], v)
	}
	fmt.Fprintln(w, "# HELP zones3_node_used_bytes Bytes of shard files and Pebble on the node, as last probed.")
	fmt.Fprintln(w, "# TYPE zones3_node_used_bytes gauge")
	for i, n := range r.nodes {
		fmt.Fprintf(w, "zones3_node_used_bytes{node=%q,zone=%q} %d\n", n.ID(), r.zones[i], r.infos[i].UsedBytes)
	}
	fmt.Fprintln(w, "# HELP zones3_node_free_bytes Free bytes on the node's data volume, as last probed.")
	fmt.Fprintln(w, "# TYPE zones3_node_free_bytes gauge")
	for i, n := range r.nodes {
		fmt.Fprintf(w, "zones3_node_free_bytes{node=%q,zone=%q} %d\n", n.ID(), r.zones[i], r.infos[i].FreeBytes)
	}
	fmt.Fprintln(w, "# HELP zones3_node_shard_files Committed shard files on the node, as last probed.")
	fmt.Fprintln(w, "# TYPE zones3_node_shard_files gauge")
	for i, n := range r.nodes {
		fmt.Fprintf(w, "zones3_node_shard_files{node=%q,zone=%q} %d\n", n.ID(), r.zones[i], r.infos[i].ShardFiles)
	}
	if rss, err := bench.ReadVmRSS(os.Getpid()); err == nil {
		fmt.Fprintln(w, "# HELP process_resident_memory_bytes Resident memory size in bytes.")
		fmt.Fprintln(w, "# TYPE process_resident_memory_bytes gauge")
		fmt.Fprintf(w, "process_resident_memory_bytes %d\n", rss)
	}
	if peak, err := bench.ReadVmHWM(os.Getpid()); err == nil {
		fmt.Fprintln(w, "# HELP zones3_process_resident_memory_max_bytes Peak resident memory size in bytes since the start.")
		fmt.Fprintln(w, "# TYPE zones3_process_resident_memory_max_bytes gauge")
		fmt.Fprintf(w, "zones3_process_resident_memory_max_bytes %d\n", peak)
	}
}
