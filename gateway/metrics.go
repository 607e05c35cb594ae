package gateway

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds (seconds) of the request latency
// histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// metrics counts requests for /metrics in the Prometheus text format. The
// per-request path is lock-free once an API has been seen.
type metrics struct {
	inFlight atomic.Int64

	mu   sync.RWMutex
	apis map[string]*apiMetrics
}

type apiMetrics struct {
	// status[code-100] counts responses with that HTTP status.
	status    [500]atomic.Uint64
	buckets   []atomic.Uint64 // one per latencyBuckets, not cumulative
	count     atomic.Uint64
	sumNanos  atomic.Uint64
	bytesIn   atomic.Uint64
	bytesOut  atomic.Uint64
	bucketsNs []int64
}

func newMetrics() *metrics { return &metrics{apis: make(map[string]*apiMetrics)} }

func (m *metrics) api(name string) *apiMetrics {
	m.mu.RLock()
	a := m.apis[name]
	m.mu.RUnlock()
	if a != nil {
		return a
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if a = m.apis[name]; a == nil {
		a = &apiMetrics{buckets: make([]atomic.Uint64, len(latencyBuckets)), bucketsNs: make([]int64, len(latencyBuckets))}
		for i, b := range latencyBuckets {
			a.bucketsNs[i] = int64(b * 1e9)
		}
		m.apis[name] = a
	}
	return a
}

func (m *metrics) observe(api string, status int, d time.Duration, in, out int64) {
	a := m.api(api)
	if status >= 100 && status < 600 {
		a.status[status-100].Add(1)
	}
	for i, ns := range a.bucketsNs {
		if int64(d) <= ns {
			a.buckets[i].Add(1)
			break
		}
	}
	a.count.Add(1)
	a.sumNanos.Add(uint64(d))
	a.bytesIn.Add(uint64(in))
	a.bytesOut.Add(uint64(out))
}

// writeTo writes every metric in the Prometheus text exposition format.
func (m *metrics) writeTo(w io.Writer) error {
	m.mu.RLock()
	names := make([]string, 0, len(m.apis))
	for name := range m.apis {
		names = append(names, name)
	}
	m.mu.RUnlock()
	slices.Sort(names)
	apis := make([]*apiMetrics, len(names))
	for i, name := range names {
		apis[i] = m.api(name)
	}

	bw := bufio.NewWriter(w)
	line := func(parts ...string) {
		for _, p := range parts {
			bw.WriteString(p)
		}
		bw.WriteByte('\n')
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }

	line("# HELP zones3_s3_requests_total S3 requests served, by API and HTTP status.")
	line("# TYPE zones3_s3_requests_total counter")
	for i, a := range apis {
		for code := range a.status {
			if n := a.status[code].Load(); n > 0 {
				line(`zones3_s3_requests_total{api="`, names[i], `",status="`, strconv.Itoa(code+100), `"} `, u(n))
			}
		}
	}

	line("# HELP zones3_s3_request_duration_seconds Time to serve S3 requests, by API.")
	line("# TYPE zones3_s3_request_duration_seconds histogram")
	for i, a := range apis {
		var cum uint64
		for j, le := range latencyBuckets {
			cum += a.buckets[j].Load()
			line(`zones3_s3_request_duration_seconds_bucket{api="`, names[i], `",le="`, strconv.FormatFloat(le, 'g', -1, 64), `"} `, u(cum))
		}
		count := a.count.Load()
		line(`zones3_s3_request_duration_seconds_bucket{api="`, names[i], `",le="+Inf"} `, u(count))
		line(`zones3_s3_request_duration_seconds_sum{api="`, names[i], `"} `, strconv.FormatFloat(float64(a.sumNanos.Load())/1e9, 'g', -1, 64))
		line(`zones3_s3_request_duration_seconds_count{api="`, names[i], `"} `, u(count))
	}

	line("# HELP zones3_s3_received_bytes_total Request body bytes received, by API.")
	line("# TYPE zones3_s3_received_bytes_total counter")
	for i, a := range apis {
		line(`zones3_s3_received_bytes_total{api="`, names[i], `"} `, u(a.bytesIn.Load()))
	}
	line("# HELP zones3_s3_sent_bytes_total Response body bytes sent, by API.")
	line("# TYPE zones3_s3_sent_bytes_total counter")
	for i, a := range apis {
		line(`zones3_s3_sent_bytes_total{api="`, names[i], `"} `, u(a.bytesOut.Load()))
	}
	line("# HELP zones3_s3_requests_in_flight S3 requests being served.")
	line("# TYPE zones3_s3_requests_in_flight gauge")
	line("zones3_s3_requests_in_flight ", strconv.FormatInt(m.inFlight.Load(), 10))
	return bw.Flush()
}
