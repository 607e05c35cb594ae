package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssWatcher finds the server's peak resident set: from /proc/PID/status
// (VmHWM, the kernel's high-water mark) when the server's PID is known,
// otherwise by sampling the endpoint's Prometheus metrics during the run.
type rssWatcher struct {
	c   *client
	pid int

	mu      sync.Mutex
	max     int64 // largest sample seen, -1 if none
	metrics bool  // a sample came from /metrics
}

func newRSSWatcher(c *client, pid int) *rssWatcher {
	return &rssWatcher{c: c, pid: pid, max: -1}
}

// rssSampleInterval is how often /metrics is read during a run: rarely
// enough to cost the server nothing measurable.
const rssSampleInterval = 500 * time.Millisecond

// sample polls /metrics until ctx is done (only when no PID was given).
func (w *rssWatcher) sample(ctx context.Context) {
	if w.pid != 0 {
		return
	}
	t := time.NewTicker(rssSampleInterval)
	defer t.Stop()
	for {
		if v, ok := w.c.scrapeRSS(ctx); ok {
			w.mu.Lock()
			w.max = max(w.max, v)
			w.metrics = true
			w.mu.Unlock()
		} else if ctx.Err() == nil && w.max < 0 {
			return // the endpoint has no such metric; stop asking
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// peak returns the peak RSS in bytes and where it came from, or -1.
func (w *rssWatcher) peak() (int64, string) {
	if w.pid != 0 {
		v, err := ReadVmHWM(w.pid)
		if err != nil {
			return -1, err.Error()
		}
		return v, "VmHWM"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.metrics {
		return w.max, "sampled /metrics"
	}
	return -1, ""
}

// ReadVmHWM returns the peak resident set size of process pid in bytes.
func ReadVmHWM(pid int) (int64, error) { return readStatusKB(pid, "VmHWM") }

// ReadVmRSS returns the current resident set size of process pid, in bytes,
// from /proc/PID/status (Linux only).
func ReadVmRSS(pid int) (int64, error) { return readStatusKB(pid, "VmRSS") }

// readStatusKB reads one "Field: N kB" line of /proc/PID/status.
func readStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1, fmt.Errorf("read %s: %w", field, err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), field+":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest) // "123456 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			break
		}
		return kb << 10, nil
	}
	return -1, fmt.Errorf("read %s: no such line in /proc/%d/status", field, pid)
}

// rssMetricNames are the Prometheus gauges read as the server's RSS; a
// *_max_* gauge, when the server keeps one, covers the moments between
// samples.
var rssMetricNames = []string{
	"process_resident_memory_bytes",
	"process_resident_memory_max_bytes",
	"zones3_process_resident_memory_max_bytes",
}

// scrapeRSS reads the endpoint's /metrics and returns the largest RSS gauge.
func (c *client) scrapeRSS(ctx context.Context) (int64, bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.Endpoint+"/metrics", nil)
	if err != nil {
		return 0, false
	}
	// Unsigned: the gateway serves /metrics only to requests without
	// credentials (a signed one would be an S3 call on a bucket "metrics").
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, false
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return 0, false
	}
	return parseRSSMetrics(io.LimitReader(resp.Body, 4<<20))
}

// parseRSSMetrics finds the largest of rssMetricNames in Prometheus text.
func parseRSSMetrics(r io.Reader) (int64, bool) {
	best, found := int64(-1), false
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		line := s.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		name := fields[0]
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		for _, want := range rssMetricNames {
			if name != want {
				continue
			}
			if v, err := strconv.ParseFloat(fields[1], 64); err == nil {
				best, found = max(best, int64(v)), true
			}
		}
	}
	return best, found
}
