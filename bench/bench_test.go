package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeS3 is an in-memory S3 endpoint with just the calls the benchmark
// makes, and a switch that corrupts GET bodies.
type fakeS3 struct {
	mu      sync.Mutex
	buckets map[string]bool
	objects map[string][]byte
	corrupt atomic.Bool
	puts    atomic.Int64
}

func newFakeS3(t *testing.T) (*fakeS3, *httptest.Server) {
	f := &fakeS3{buckets: map[string]bool{}, objects: map[string][]byte{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/metrics" {
		io.WriteString(w, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1.2345678e+08\n")
		return
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKTEST/") ||
		r.Header.Get("X-Amz-Content-Sha256") != UnsignedPayload {
		http.Error(w, "<Error><Code>AccessDenied</Code></Error>", http.StatusForbidden)
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	if key == "" {
		if r.Method != http.MethodPut {
			w.WriteHeader(http.StatusNotImplemented)
			return
		}
		if f.buckets[bucket] {
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, "<Error><Code>BucketAlreadyOwnedByYou</Code></Error>")
			return
		}
		f.buckets[bucket] = true
		return
	}
	if !f.buckets[bucket] {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<Error><Code>NoSuchBucket</Code></Error>")
		return
	}
	name := bucket + "/" + key
	switch r.Method {
	case http.MethodPut:
		f.mu.Unlock()
		body, err := io.ReadAll(r.Body)
		f.mu.Lock()
		if err != nil || int64(len(body)) != r.ContentLength {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.objects[name] = body
		f.puts.Add(1)
	case http.MethodGet, http.MethodHead:
		body, ok := f.objects[name]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if f.corrupt.Load() {
			body = bytes.Clone(body)
			body[len(body)-1] ^= 0x40
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodGet {
			w.Write(body)
		}
	case http.MethodDelete:
		delete(f.objects, name)
		w.WriteHeader(http.StatusNoContent)
	}
}

func testConfig(endpoint string, op Op) Config {
	return Config{
		Endpoint:    endpoint,
		AccessKey:   "AKTEST",
		SecretKey:   "secret",
		Bucket:      "bench",
		Op:          op,
		Size:        5000,
		Concurrency: 3,
		Duration:    150 * time.Millisecond,
		Cleanup:     true,
	}
}

func TestRunOps(t *testing.T) {
	for _, op := range []Op{OpPut, OpGet, OpMixed} {
		t.Run(string(op), func(t *testing.T) {
			f, srv := newFakeS3(t)
			rep, err := Run(context.Background(), testConfig(srv.URL, op))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			rep.WriteTable(&out)
			t.Logf("\n%s", out.String())
			if rep.Failed() {
				t.Fatalf("run failed: %v", rep.FirstErrors)
			}
			wantRows := map[Op]int{OpPut: 1, OpGet: 1, OpMixed: 3}[op]
			if len(rep.Results) != wantRows {
				t.Fatalf("%d result rows, want %d", len(rep.Results), wantRows)
			}
			last := rep.Results[len(rep.Results)-1]
			if last.Ops == 0 || last.Bytes != last.Ops*5000 || last.P50 <= 0 || last.P99 < last.P50 {
				t.Errorf("implausible result %+v", last)
			}
			if rep.PeakRSS != 123456780 || rep.RSSSource != "sampled /metrics" {
				t.Errorf("peak RSS %d from %q, want 123456780 from /metrics", rep.PeakRSS, rep.RSSSource)
			}
			if !strings.Contains(out.String(), "118 MiB") {
				t.Errorf("table lacks the RSS column:\n%s", out.String())
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.objects) != 0 {
				t.Errorf("%d objects left after cleanup", len(f.objects))
			}
		})
	}
}

func TestRunDetectsCorruption(t *testing.T) {
	f, srv := newFakeS3(t)
	f.corrupt.Store(true)
	rep, err := Run(context.Background(), testConfig(srv.URL, OpGet))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Failed() || rep.Results[0].Ops != 0 || len(rep.FirstErrors) == 0 {
		t.Fatalf("corrupt GETs not reported: %+v", rep)
	}
	if !strings.Contains(rep.FirstErrors[0], "content mismatch at byte 4999") {
		t.Errorf("error %q does not name the mismatch", rep.FirstErrors[0])
	}
}

func TestRunReusesObjects(t *testing.T) {
	f, srv := newFakeS3(t)
	cfg := testConfig(srv.URL, OpGet)
	cfg.Cleanup = false
	cfg.Duration = time.Millisecond
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	first := f.puts.Load()
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if first != 12 || f.puts.Load() != first {
		t.Errorf("puts: %d after the first run (want 12), %d after the second (want no more)", first, f.puts.Load())
	}
}

func TestRunServerPID(t *testing.T) {
	_, srv := newFakeS3(t)
	cfg := testConfig(srv.URL, OpPut)
	cfg.ServerPID = os.Getpid()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.PeakRSS <= 0 || rep.RSSSource != "VmHWM" {
		t.Errorf("peak RSS %d from %q, want VmHWM of this process", rep.PeakRSS, rep.RSSSource)
	}
}

func TestRunUnreachable(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", OpPut)
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Fatal("Run against a closed port succeeded")
	}
}

func TestValidate(t *testing.T) {
	base := testConfig("http://127.0.0.1:9000", OpGet)
	tests := []struct {
		name     string
		edit     func(*Config)
		ok       bool
		wantKeys int
	}{
		{"defaults", func(c *Config) { c.Concurrency = 8; c.Size = 4 << 10 }, true, 32},
		{"big objects capped", func(c *Config) { c.Concurrency = 8; c.Size = 256 << 20 }, true, 16},
		{"at least one key per worker", func(c *Config) { c.Concurrency = 8; c.Size = 1 << 30 }, true, 8},
		{"explicit keys", func(c *Config) { c.Keys = 3 }, true, 3},
		{"bad op", func(c *Config) { c.Op = "list" }, false, 0},
		{"bad endpoint", func(c *Config) { c.Endpoint = "127.0.0.1:9000" }, false, 0},
		{"no credentials", func(c *Config) { c.SecretKey = "" }, false, 0},
		{"zero size", func(c *Config) { c.Size = 0 }, false, 0},
		{"zero concurrency", func(c *Config) { c.Concurrency = 0 }, false, 0},
		{"zero duration", func(c *Config) { c.Duration = 0 }, false, 0},
	}
	for _, tt := range tests {
		c := base
		tt.edit(&c)
		err := c.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if tt.ok && c.Keys != tt.wantKeys {
			t.Errorf("%s: keys = %d, want %d", tt.name, c.Keys, tt.wantKeys)
		}
	}
}

func TestParseRSSMetrics(t *testing.T) {
	in := `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.5e+07
zones3_process_resident_memory_max_bytes{role="gateway"} 31457280
go_goroutines 12
`
	v, ok := parseRSSMetrics(strings.NewReader(in))
	if !ok || v != 31457280 {
		t.Errorf("parseRSSMetrics = %d, %v; want 31457280", v, ok)
	}
	if _, ok := parseRSSMetrics(strings.NewReader("go_goroutines 3\n")); ok {
		t.Error("found an RSS metric where there is none")
	}
}

func TestLocalServerPID(t *testing.T) {
	_, srv := newFakeS3(t) // listens on 127.0.0.1 in this process
	pid, err := LocalServerPID(srv.URL)
	if err != nil || pid != os.Getpid() {
		t.Errorf("LocalServerPID(%s) = %d, %v; want %d", srv.URL, pid, err, os.Getpid())
	}
	if _, err := LocalServerPID("http://192.0.2.1:9000"); err == nil {
		t.Error("found a local process for a remote endpoint")
	}
	if _, err := LocalServerPID("http://127.0.0.1:1"); !errors.Is(err, ErrNoListener) {
		t.Errorf("closed port: %v", err)
	}
}
