package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestWriteLifecycleStatus(t *testing.T) {
	metrics := `# HELP zones3_lifecycle_lease_held x
zones3_lifecycle_lease_held 1
zones3_lifecycle_last_pass_completed_timestamp_seconds 1700000000.500
zones3_lifecycle_lease_holder_info{holder="gw-1 \"a\""} 1
zones3_lifecycle_last_pass_objects_expired 12
zones3_lifecycle_last_pass_bytes_expired 3400
zones3_node_up{node="a"} 1
`
	var b strings.Builder
	writeLifecycleStatus(&b, metrics)
	out := b.String()
	for _, want := range []string{`lease holder:     gw-1 "a"`, "completed 2023-11-14T22:13:20Z", "12 objects, 3400 bytes, 0 delete markers removed"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pass running") {
		t.Errorf("a pass shown running without one:\n%s", out)
	}
	b.Reset()
	started := float64(time.Now().Add(-100*time.Second).UnixNano()) / 1e9
	writeLifecycleStatus(&b, fmt.Sprintf("zones3_lifecycle_lease_held 1\nzones3_lifecycle_pass_started_timestamp_seconds %.3f\nzones3_lifecycle_pass_scanned 700000\nzones3_lifecycle_pass_objects_expired 600000\n", started))
	if out := b.String(); !strings.Contains(out, "700000 scanned, 600000 expired so far (") || !strings.Contains(out, "/s)") {
		t.Errorf("status of a pass in progress:\n%s", out)
	}
	b.Reset()
	writeLifecycleStatus(&b, "zones3_lifecycle_lease_held 0\nzones3_lifecycle_last_pass_completed_timestamp_seconds 0.000\n")
	if out := b.String(); !strings.Contains(out, "lease holder:     none") || !strings.Contains(out, "none completed yet") {
		t.Errorf("status before any pass:\n%s", out)
	}
	b.Reset()
	writeLifecycleStatus(&b, "zones3_node_up 1\n")
	if b.Len() != 0 {
		t.Errorf("status without lifecycle metrics: %q", b.String())
	}
}

// FuzzWriteLifecycleStatus: whatever a gateway's /metrics holds, the
// status reader never fails, and prints a section only for a gateway
// with the worker's metrics.
func FuzzWriteLifecycleStatus(f *testing.F) {
	f.Add("zones3_lifecycle_lease_held 1\nzones3_lifecycle_lease_holder_info{holder=\"a b\"} 1\nzones3_lifecycle_last_pass_completed_timestamp_seconds 12.5\n")
	f.Add("zones3_lifecycle_lease_holder_info{holder=\"\\\"} 1\nzones3_lifecycle_lease_held\n")
	f.Add("zones3_lifecycle_last_pass_completed_timestamp_seconds 1e400\nzones3_lifecycle_lease_held 0")
	f.Fuzz(func(t *testing.T, metrics string) {
		var b strings.Builder
		writeLifecycleStatus(&b, metrics)
		if b.Len() > 0 && !strings.Contains(metrics, "zones3_lifecycle_lease_held") {
			t.Fatalf("a lifecycle section without the worker's metrics:\n%s", b.String())
		}
	})
}
