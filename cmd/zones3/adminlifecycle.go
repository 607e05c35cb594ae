package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// writeLifecycleStatus prints the lifecycle worker's state from the
// gateway's metrics: who holds the lease, how far the pass in progress
// got and what the last complete pass did.
func writeLifecycleStatus(w io.Writer, metrics string) {
	var holder string
	values := map[string]string{}
	s := bufio.NewScanner(strings.NewReader(metrics))
	for s.Scan() {
		line := s.Text()
		if !strings.HasPrefix(line, "zones3_lifecycle_") {
			continue
		}
		// The value follows the last space; a label may hold spaces.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, value := line[:i], line[i+1:]
		if rest, ok := strings.CutPrefix(name, `zones3_lifecycle_lease_holder_info{holder=`); ok {
			if h, err := strconv.Unquote(strings.TrimSuffix(rest, "}")); err == nil {
				holder = h
			}
			continue
		}
		values[name] = value
	}
	if _, ok := values["zones3_lifecycle_lease_held"]; !ok {
		return // a gateway without the worker
	}
	fmt.Fprintln(w, "lifecycle:")
	if holder == "" {
		holder = "none"
	}
	fmt.Fprintf(w, "  lease holder:     %s\n", holder)
	if ps, _ := strconv.ParseFloat(values["zones3_lifecycle_pass_started_timestamp_seconds"], 64); ps > 0 && ps < 1e12 {
		at := time.Unix(0, int64(ps*1e9)).UTC()
		took := time.Since(at)
		line := fmt.Sprintf("  pass running:     started %s (%s ago), %s scanned, %s expired so far",
			at.Format(time.RFC3339), took.Round(time.Second), orZero(values["zones3_lifecycle_pass_scanned"]), orZero(values["zones3_lifecycle_pass_objects_expired"]))
		if n, err := strconv.ParseFloat(values["zones3_lifecycle_pass_objects_expired"], 64); err == nil && n > 0 && took > time.Second {
			line += fmt.Sprintf(" (%.0f/s)", n/took.Seconds())
		}
		fmt.Fprintln(w, line)
	}
	ts, _ := strconv.ParseFloat(values["zones3_lifecycle_last_pass_completed_timestamp_seconds"], 64)
	if ts == 0 {
		fmt.Fprintln(w, "  last pass:        none completed yet")
		return
	}
	at := time.Unix(0, int64(ts*1e9)).UTC()
	fmt.Fprintf(w, "  last pass:        completed %s (%s ago)\n", at.Format(time.RFC3339), time.Since(at).Round(time.Second))
	fmt.Fprintf(w, "  expired:          %s objects, %s bytes, %s delete markers removed, %s uploads aborted\n",
		orZero(values["zones3_lifecycle_last_pass_objects_expired"]), orZero(values["zones3_lifecycle_last_pass_bytes_expired"]),
		orZero(values["zones3_lifecycle_last_pass_delete_markers_removed"]), orZero(values["zones3_lifecycle_last_pass_uploads_aborted"]))
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
