package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Op is the kind of load a run generates.
type Op string

const (
	OpPut   Op = "put"
	OpGet   Op = "get"
	OpMixed Op = "mixed" // mixedGetPercent GETs, the rest PUTs
)

// mixedGetPercent is the share of GETs in a mixed run.
const mixedGetPercent = 70

// maxPopulateBytes bounds the data a run writes by default (keys × size), so
// that a large object size does not fill the disk.
const maxPopulateBytes = 4 << 30

// Config describes one benchmark run.
type Config struct {
	Endpoint    string // e.g. http://127.0.0.1:9000
	Region      string // signing region; "" means us-east-1
	AccessKey   string
	SecretKey   string
	Bucket      string // created if absent
	Op          Op
	Size        int64 // object size in bytes
	Concurrency int
	Duration    time.Duration
	// Keys is the number of distinct objects: pre-populated for GET and
	// mixed runs, overwritten in turn by PUT runs. 0 picks Concurrency*4,
	// limited so that Keys*Size stays within 4 GiB (but at least
	// Concurrency).
	Keys int
	// Cleanup deletes the run's objects at the end. Without it, a later
	// run of the same size reuses the objects that are already there.
	Cleanup bool
	// ServerPID, when not 0, is the server process whose peak RSS (VmHWM)
	// is reported (see LocalServerPID). Otherwise the endpoint's /metrics
	// is sampled during the run for process_resident_memory_bytes.
	ServerPID int
	// Insecure skips TLS certificate verification (self-signed servers).
	Insecure bool
	Logger   *slog.Logger
}

// Result is the outcome of one operation kind in a run.
type Result struct {
	Op          string // PUT, GET or MIXED (all operations of a mixed run)
	Size        int64
	Concurrency int
	Ops         int64
	Bytes       int64
	Elapsed     time.Duration
	P50, P99    time.Duration
	Errors      int64
}

// OpsPerSec is the operation rate over the run.
func (r Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// MiBPerSec is the payload throughput over the run.
func (r Result) MiBPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) / (1 << 20) / r.Elapsed.Seconds()
}

// Report is what Run measured.
type Report struct {
	Results []Result
	// PeakRSS is the server's peak resident set in bytes, or -1 when it
	// could not be observed; RSSSource says how it was read.
	PeakRSS   int64
	RSSSource string
	// FirstErrors holds the first few error messages, for diagnosis.
	FirstErrors []string
}

// Failed reports whether any operation failed or read wrong bytes.
func (r *Report) Failed() bool {
	for _, res := range r.Results {
		if res.Errors > 0 {
			return true
		}
	}
	return false
}

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid endpoint %q: want http://host:port or https://host:port", c.Endpoint)
	}
	c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	if c.Bucket == "" {
		return errors.New("empty bucket name")
	}
	switch c.Op {
	case OpPut, OpGet, OpMixed:
	default:
		return fmt.Errorf("invalid op %q: want put, get or mixed", c.Op)
	}
	if c.Size <= 0 {
		return fmt.Errorf("invalid size %d: must be positive", c.Size)
	}
	if c.Concurrency <= 0 {
		return fmt.Errorf("invalid concurrency %d: must be positive", c.Concurrency)
	}
	if c.Duration <= 0 {
		return fmt.Errorf("invalid duration %s: must be positive", c.Duration)
	}
	if c.Keys < 0 {
		return fmt.Errorf("invalid keys %d: must not be negative", c.Keys)
	}
	if c.Keys == 0 {
		c.Keys = c.Concurrency * 4
		if limit := maxPopulateBytes / c.Size; int64(c.Keys) > limit {
			c.Keys = int(limit)
		}
		c.Keys = max(c.Keys, c.Concurrency)
	}
	// Checked last, so that a caller can validate the rest before it
	// looks the credentials up.
	if c.AccessKey == "" || c.SecretKey == "" {
		return ErrNoCredentials
	}
	return nil
}

// ErrNoCredentials is returned by Validate for a Config without a key pair.
var ErrNoCredentials = errors.New("no credentials")

// client sends the run's signed requests.
type client struct {
	cfg    *Config
	http   *http.Client
	signer *Signer
}

func newClient(cfg *Config) *client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.Concurrency * 2,
		MaxIdleConnsPerHost: cfg.Concurrency * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		// Large reads and writes bypass these buffers; small objects fit.
		WriteBufferSize: 64 << 10,
		ReadBufferSize:  64 << 10,
	}
	if cfg.Insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	return &client{
		cfg:    cfg,
		http:   &http.Client{Transport: tr},
		signer: &Signer{AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey, Region: cfg.Region},
	}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// newRequest builds a signed path-style request for bucket/key (key may be
// empty for a bucket request).
func (c *client) newRequest(ctx context.Context, method, key string, body io.Reader, size int64) (*http.Request, error) {
	path := "/" + awsEscape(c.cfg.Bucket, true)
	if key != "" {
		path += "/" + awsEscape(key, false)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Endpoint+path, body)
	if err != nil {
		return nil, fmt.Errorf("build %s request: %w", method, err)
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	c.signer.Sign(req, time.Now())
	return req, nil
}

// statusError turns a non-2xx response into an error naming the S3 code.
func statusError(op string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	code := ""
	if i := bytes.Index(body, []byte("<Code>")); i >= 0 {
		rest := body[i+len("<Code>"):]
		if j := bytes.Index(rest, []byte("</Code>")); j >= 0 {
			code = string(rest[:j])
		}
	}
	if code != "" {
		return fmt.Errorf("%s: HTTP %d %s", op, resp.StatusCode, code)
	}
	return fmt.Errorf("%s: HTTP %d", op, resp.StatusCode)
}

// drain reads the rest of a body so the connection can be reused.
func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

func (c *client) ensureBucket(ctx context.Context) error {
	var body io.Reader = http.NoBody
	var size int64
	if c.cfg.Region != "us-east-1" {
		x := `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>` +
			c.cfg.Region + `</LocationConstraint></CreateBucketConfiguration>`
		body, size = strings.NewReader(x), int64(len(x))
	}
	req, err := c.newRequest(ctx, http.MethodPut, "", body, size)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", c.cfg.Bucket, err)
	}
	defer drain(resp)
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = statusError("create bucket "+c.cfg.Bucket, resp)
	if resp.StatusCode == http.StatusConflict && strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		return nil
	}
	return err
}

func (c *client) put(ctx context.Context, key string, o object) error {
	req, err := c.newRequest(ctx, http.MethodPut, key, o.reader(), o.p.size)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("PUT %s: %w", key, err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return statusError("PUT "+key, resp)
	}
	return nil
}

// get reads key and compares every byte with o, using buf for the copy.
func (c *client) get(ctx context.Context, key string, o object, buf []byte) error {
	req, err := c.newRequest(ctx, http.MethodGet, key, nil, 0)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", key, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError("GET "+key, resp)
	}
	v := o.verifier()
	if _, err := io.CopyBuffer(v, resp.Body, buf); err != nil {
		return fmt.Errorf("GET %s: read body: %w", key, err)
	}
	if err := v.check(); err != nil {
		return fmt.Errorf("GET %s: %w", key, err)
	}
	return nil
}

// exists reports whether key is present with the given size.
func (c *client) exists(ctx context.Context, key string, size int64) (bool, error) {
	req, err := c.newRequest(ctx, http.MethodHead, key, nil, 0)
	if err != nil {
		return false, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false, fmt.Errorf("HEAD %s: %w", key, err)
	}
	drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return resp.ContentLength == size, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("HEAD %s: HTTP %d", key, resp.StatusCode)
}

func (c *client) delete(ctx context.Context, key string) error {
	req, err := c.newRequest(ctx, http.MethodDelete, key, nil, 0)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("DELETE %s: %w", key, err)
	}
	defer drain(resp)
	if resp.StatusCode/100 != 2 {
		return statusError("DELETE "+key, resp)
	}
	return nil
}

// keyName is the object name of key number i; the size is part of the name
// so that runs of different sizes never read each other's objects.
func keyName(size int64, i int) string {
	return "bench-" + FormatSize(size) + "/obj-" + strconv.Itoa(i)
}

// forEachKey runs fn for keys 0..n-1 on up to workers goroutines and
// returns the first error.
func forEachKey(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// workerStats is what one worker measured for one operation kind.
type workerStats struct {
	lat    []time.Duration
	bytes  int64
	errors int64
}

// errorLog keeps the first few error messages of a run.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.msgs) < 5 {
		l.msgs = append(l.msgs, err.Error())
	}
}

// Run performs one benchmark run: it creates the bucket, pre-populates the
// objects a GET or mixed run reads, runs the workers for cfg.Duration,
// optionally deletes the objects, and returns what it measured. An error is
// returned only when the run could not be carried out; failed operations
// are counted in the report (see Report.Failed).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	c := newClient(&cfg)
	defer c.close()

	if err := c.ensureBucket(ctx); err != nil {
		return nil, err
	}
	pat := newPattern(cfg.Size)
	objects := make([]object, cfg.Keys)
	for i := range objects {
		objects[i] = pat.object(keyName(cfg.Size, i))
	}

	if cfg.Op != OpPut {
		log.Info("populating objects", "bucket", cfg.Bucket, "keys", cfg.Keys, "size", FormatSize(cfg.Size))
		var reused atomic.Int64
		err := forEachKey(ctx, cfg.Keys, cfg.Concurrency, func(ctx context.Context, i int) error {
			key := keyName(cfg.Size, i)
			ok, err := c.exists(ctx, key, cfg.Size)
			if err != nil {
				return err
			}
			if ok {
				reused.Add(1)
				return nil
			}
			return c.put(ctx, key, objects[i])
		})
		if err != nil {
			return nil, fmt.Errorf("populate: %w", err)
		}
		if n := reused.Load(); n > 0 {
			log.Info("reused objects left by an earlier run", "count", n)
		}
	}

	rss := newRSSWatcher(c, cfg.ServerPID)
	rssCtx, stopRSS := context.WithCancel(ctx)
	rssDone := make(chan struct{})
	go func() { rss.sample(rssCtx); close(rssDone) }()

	log.Info("running", "op", string(cfg.Op), "size", FormatSize(cfg.Size), "concurrency", cfg.Concurrency, "duration", cfg.Duration)
	var errs errorLog
	puts := make([]workerStats, cfg.Concurrency)
	gets := make([]workerStats, cfg.Concurrency)
	// PUT workers write disjoint keys so that no two of them write one key
	// at the same time; each cycles over its own share.
	perWorker := max(1, cfg.Keys/cfg.Concurrency)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			buf := make([]byte, 256<<10)
			for j := 0; ctx.Err() == nil && time.Now().Before(deadline); j++ {
				doGet := cfg.Op == OpGet || (cfg.Op == OpMixed && rng.IntN(100) < mixedGetPercent)
				var idx int
				switch {
				case doGet || cfg.Op == OpMixed:
					idx = rng.IntN(cfg.Keys)
				default:
					idx = w + cfg.Concurrency*(j%perWorker)
				}
				key := keyName(cfg.Size, idx)
				o := pat.object(key)
				t0 := time.Now()
				var err error
				st := &puts[w]
				if doGet {
					st = &gets[w]
					err = c.get(ctx, key, o, buf)
				} else {
					err = c.put(ctx, key, o)
				}
				if err != nil {
					if ctx.Err() != nil {
						return // interrupted: not a server error
					}
					st.errors++
					errs.add(err)
					time.Sleep(10 * time.Millisecond) // do not spin on a dead server
					continue
				}
				st.lat = append(st.lat, time.Since(t0))
				st.bytes += cfg.Size
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopRSS()
	<-rssDone

	rep := &Report{FirstErrors: errs.msgs}
	summarize := func(name string, stats ...[]workerStats) Result {
		r := Result{Op: name, Size: cfg.Size, Concurrency: cfg.Concurrency, Elapsed: elapsed}
		var lat []time.Duration
		for _, ss := range stats {
			for _, s := range ss {
				lat = append(lat, s.lat...)
				r.Bytes += s.bytes
				r.Errors += s.errors
			}
		}
		r.Ops = int64(len(lat))
		r.P50, r.P99 = percentile(lat, 50), percentile(lat, 99)
		return r
	}
	switch cfg.Op {
	case OpPut:
		rep.Results = []Result{summarize("PUT", puts)}
	case OpGet:
		rep.Results = []Result{summarize("GET", gets)}
	case OpMixed:
		rep.Results = []Result{summarize("GET", gets), summarize("PUT", puts), summarize("MIXED", gets, puts)}
	}
	rep.PeakRSS, rep.RSSSource = rss.peak()

	if cfg.Cleanup && ctx.Err() == nil {
		n := max(cfg.Keys, cfg.Concurrency*perWorker)
		if err := forEachKey(ctx, n, cfg.Concurrency, func(ctx context.Context, i int) error {
			return c.delete(ctx, keyName(cfg.Size, i))
		}); err != nil {
			log.Warn("cleanup failed", "err", err)
		}
	}
	return rep, ctx.Err()
}

// percentile returns the p-th percentile (nearest rank) of lat, sorting it.
func percentile(lat []time.Duration, p int) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	i := (len(lat)*p + 99) / 100
	return lat[max(0, min(len(lat)-1, i-1))]
}
