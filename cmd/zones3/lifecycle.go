package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/lifecycle"
)

// lifecycleMeta gives the lifecycle worker the object layer's cluster
// metadata (majority quorum, last writer wins): its lease, cursor and
// pass records live there, so every gateway sees them.
type lifecycleMeta struct {
	store objectlayer.MetaStore
}

var _ lifecycle.Meta = lifecycleMeta{}

func (m lifecycleMeta) GetMeta(ctx context.Context, name string) ([]byte, bool, error) {
	e, err := m.store.GetMeta(ctx, name)
	switch {
	case errors.Is(err, objectlayer.ErrNoSuchMeta):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return e.Value, true, nil
}

func (m lifecycleMeta) PutMeta(ctx context.Context, name string, value []byte) error {
	return m.store.PutMeta(ctx, name, value)
}

func (m lifecycleMeta) DeleteMeta(ctx context.Context, name string) error {
	return m.store.DeleteMeta(ctx, name)
}

// lifecycleWorker runs the gateway's lifecycle worker; every gateway runs
// one and the lease picks the one that acts.
type lifecycleWorker struct {
	worker *lifecycle.Worker
	meta   lifecycle.Meta
	done   sync.WaitGroup
}

// lifecycleParallel is how many actions the worker runs at once when
// they go one by one (expirations in versioned buckets, noncurrent
// versions, aborts; current objects of other buckets go in batches).
// Each is a synced write on every node; the nodes' group commit makes 32
// at a time about four times as fast as the worker's default of 8 (see
// lifecycle/doc.go).
const lifecycleParallel = 32

// startLifecycle starts the worker over layer until ctx is done; stop
// waits for it to release its lease.
func startLifecycle(ctx context.Context, layer *objectlayer.Layer, flags lifecycleFlags, log *slog.Logger) (*lifecycleWorker, error) {
	meta := lifecycleMeta{store: layer}
	w, err := lifecycle.NewWorker(lifecycle.WorkerConfig{
		Store:    newLifecycleStore(layer),
		Meta:     meta,
		Interval: flags.interval,
		Day:      flags.day,
		Parallel: lifecycleParallel,
		Rate:     flags.rate,
		Logger:   log,
	})
	if err != nil {
		return nil, fmt.Errorf("lifecycle worker: %w", err)
	}
	lw := &lifecycleWorker{worker: w, meta: meta}
	lw.done.Go(func() { w.Run(ctx) })
	log.Info("lifecycle worker started", "worker", w.ID(), "lifecycle_interval", flags.interval, "lifecycle_day", flags.day, "lifecycle_rate", flags.rate)
	return lw, nil
}

// wait returns once the worker stopped (its context is done).
func (lw *lifecycleWorker) wait() { lw.done.Wait() }

// writeMetrics appends the worker's metrics and the cluster's lifecycle
// status (lease holder, last complete pass) to /metrics; zones3 admin
// status shows the latter.
func (lw *lifecycleWorker) writeMetrics(w io.Writer) {
	lw.worker.WriteMetrics(w)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := lifecycle.ReadStatus(ctx, lw.meta)
	if err != nil {
		return // the nodes are not answering; the node metrics tell
	}
	fmt.Fprintln(w, "# HELP zones3_lifecycle_lease_holder_info The lifecycle worker that holds (or last held) the lease.")
	fmt.Fprintln(w, "# TYPE zones3_lifecycle_lease_holder_info gauge")
	if st.Holder != "" {
		fmt.Fprintf(w, "zones3_lifecycle_lease_holder_info{holder=%q} 1\n", st.Holder)
	}
	var c lifecycle.Counts
	if st.LastPass != nil {
		for _, b := range st.LastPass.Buckets {
			c.ObjectsExpired += b.ObjectsExpired
			c.BytesExpired += b.BytesExpired
			c.MarkersRemoved += b.MarkersRemoved
			c.UploadsAborted += b.UploadsAborted
		}
	}
	// The pass in progress, as of its last checkpoint: 0 started when none.
	var run lifecycle.Progress
	var started float64
	if st.Running != nil {
		run, started = *st.Running, float64(st.Running.Started.UnixNano())/1e9
	}
	fmt.Fprintf(w, "# HELP zones3_lifecycle_pass_started_timestamp_seconds When the lifecycle pass in progress started (0: none).\n# TYPE zones3_lifecycle_pass_started_timestamp_seconds gauge\nzones3_lifecycle_pass_started_timestamp_seconds %.3f\n", started)
	for _, g := range []struct {
		name, help string
		value      int64
	}{
		{"zones3_lifecycle_last_pass_objects_expired", "Object versions the last complete lifecycle pass expired.", c.ObjectsExpired},
		{"zones3_lifecycle_last_pass_bytes_expired", "Bytes of the object versions the last complete lifecycle pass expired.", c.BytesExpired},
		{"zones3_lifecycle_last_pass_delete_markers_removed", "Delete markers the last complete lifecycle pass removed.", c.MarkersRemoved},
		{"zones3_lifecycle_last_pass_uploads_aborted", "Multipart uploads the last complete lifecycle pass aborted.", c.UploadsAborted},
		{"zones3_lifecycle_pass_scanned", "Versions and uploads the lifecycle pass in progress evaluated so far.", run.Done.Scanned},
		{"zones3_lifecycle_pass_objects_expired", "Object versions the lifecycle pass in progress expired so far.", run.Done.ObjectsExpired},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", g.name, g.help, g.name, g.name, g.value)
	}
}
