package objectlayer

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// WriteRepairMetrics writes the repair queue's and the scanner's metrics
// in the Prometheus text format: what waits for repair, what was healed
// and found, and how far the scanner is.
func (l *Layer) WriteRepairMetrics(w io.Writer) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	metric := func(name, typ, help string, v any) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	var objects, shards, deferred int
	if q := l.rep.queue; q != nil {
		objects, shards, deferred, _ = q.counts()
	}
	s := &l.rep.stats
	metric("zones3_repair_queue_objects", "gauge", "Objects waiting in the repair queue.", objects)
	metric("zones3_repair_queue_shards", "gauge", "Shards known to need repair among the queued objects.", shards)
	metric("zones3_repair_queue_deferred", "gauge", "Queued objects waiting for a retry (a node down).", deferred)
	metric("zones3_repair_queue_overflow_total", "counter", "Objects not queued because the queue was full (the scanner finds them).", s.queueOverflow.Load())
	metric("zones3_repair_shards_healed_total", "counter", "Shards (files and inline shards) rebuilt onto their node.", s.shardsRebuilt.Load())
	metric("zones3_repair_records_healed_total", "counter", "Metadata records written to nodes that lacked them.", s.recordsWritten.Load())
	metric("zones3_repair_rebuilt_bytes_total", "counter", "Bytes of shards rebuilt.", s.bytesRebuilt.Load())
	metric("zones3_repair_missing_found_total", "counter", "Shards found missing.", s.missing.Load())
	metric("zones3_repair_bitrot_found_total", "counter", "Shards found corrupt (block checksum mismatch).", s.bitrot.Load())
	metric("zones3_repair_verified_bytes_total", "counter", "Shard bytes read and checked for bitrot.", s.bytesVerified.Load())
	metric("zones3_repair_incomplete_total", "counter", "Object repairs that could not restore full redundancy (retried later).", s.incomplete.Load())
	metric("zones3_gc_orphan_shards_removed_total", "counter", "Shard files no record referred to, removed.", s.orphansRemoved.Load())
	metric("zones3_gc_tombstones_removed_total", "counter", "Tombstones removed once every node held them.", s.tombstonesRemoved.Load())

	var running, scanned, estimate int64
	var last, lastFull time.Time
	var lastDuration time.Duration
	if sc := l.rep.scan; sc != nil {
		sc.mu.Lock()
		if r := sc.running; r != nil {
			st := r.status()
			running, scanned, estimate = 1, st.ObjectsScanned, st.ObjectsEstimate
		}
		last, lastFull = sc.lastPass, sc.lastFull
		for _, p := range sc.passes {
			if st := p.status(); st.State == PassDone {
				lastDuration = st.Finished.Sub(st.Started)
				break
			}
		}
		sc.mu.Unlock()
	}
	metric("zones3_scan_running", "gauge", "Whether a scanner pass is running on this gateway.", running)
	metric("zones3_scan_objects_scanned", "gauge", "Objects the running pass has walked.", scanned)
	metric("zones3_scan_objects_estimate", "gauge", "Objects the running pass will walk, as estimated (0 until known).", estimate)
	metric("zones3_scan_last_complete_timestamp_seconds", "gauge", "Start of this gateway's last complete pass (Unix time, 0 for none).", unixOrZero(last))
	metric("zones3_scan_last_full_complete_timestamp_seconds", "gauge", "Start of this gateway's last complete full (bitrot) pass (Unix time, 0 for none).", unixOrZero(lastFull))
	metric("zones3_scan_last_duration_seconds", "gauge", "Duration of this gateway's last complete pass.", lastDuration.Seconds())
}
