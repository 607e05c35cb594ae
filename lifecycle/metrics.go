package lifecycle

import (
	"bufio"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// WriteMetrics writes the worker's metrics in the Prometheus text format,
// for the gateway's /metrics. The counters are what this gateway's worker
// did since it started (sum them over the gateways); the last pass is the
// cluster's, the same on every gateway.
func (w *Worker) WriteMetrics(out io.Writer) {
	w.mu.Lock()
	buckets := slices.Sorted(maps.Keys(w.counts))
	counts := make([]Counts, len(buckets))
	for i, b := range buckets {
		counts[i] = *w.counts[b]
	}
	lastPass := w.lastPass
	w.mu.Unlock()
	held := w.lease.held()

	bw := bufio.NewWriter(out)
	defer bw.Flush()
	perBucket := func(name, help string, value func(*Counts) int64) {
		bw.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n")
		for i, b := range buckets {
			bw.WriteString(name + `{bucket="` + escapeLabel(b) + `"} ` + strconv.FormatInt(value(&counts[i]), 10) + "\n")
		}
	}
	perBucket("zones3_lifecycle_scanned_total", "Versions and multipart uploads the lifecycle worker evaluated.",
		func(c *Counts) int64 { return c.Scanned })
	perBucket("zones3_lifecycle_objects_expired_total", "Object versions the lifecycle worker expired (deleted, or hidden behind a delete marker).",
		func(c *Counts) int64 { return c.ObjectsExpired })
	perBucket("zones3_lifecycle_bytes_expired_total", "Bytes of the object versions the lifecycle worker expired.",
		func(c *Counts) int64 { return c.BytesExpired })
	perBucket("zones3_lifecycle_delete_markers_removed_total", "Delete markers the lifecycle worker removed.",
		func(c *Counts) int64 { return c.MarkersRemoved })
	perBucket("zones3_lifecycle_uploads_aborted_total", "Incomplete multipart uploads the lifecycle worker aborted.",
		func(c *Counts) int64 { return c.UploadsAborted })
	perBucket("zones3_lifecycle_errors_total", "Lifecycle actions and listings that failed (retried in the next pass).",
		func(c *Counts) int64 { return c.Errors })

	bw.WriteString("# HELP zones3_lifecycle_last_pass_completed_timestamp_seconds When the last complete lifecycle pass of the cluster ended (0: none yet).\n")
	bw.WriteString("# TYPE zones3_lifecycle_last_pass_completed_timestamp_seconds gauge\n")
	ts := 0.0
	if !lastPass.IsZero() {
		ts = float64(lastPass.UnixNano()) / 1e9
	}
	bw.WriteString("zones3_lifecycle_last_pass_completed_timestamp_seconds " + strconv.FormatFloat(ts, 'f', 3, 64) + "\n")
	bw.WriteString("# HELP zones3_lifecycle_lease_held Whether this gateway's lifecycle worker holds the lease and acts (1) or not (0).\n")
	bw.WriteString("# TYPE zones3_lifecycle_lease_held gauge\n")
	if held {
		bw.WriteString("zones3_lifecycle_lease_held 1\n")
	} else {
		bw.WriteString("zones3_lifecycle_lease_held 0\n")
	}
}

// escapeLabel escapes a Prometheus label value.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
