package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
	"github.com/zones3/zones3/iam/policy"
)

// Config is what New needs to serve S3.
type Config struct {
	// Layer does the storage work of every S3 call.
	Layer objectlayer.API
	// Verifier authenticates requests (SigV4, SigV2, presigned URLs). A
	// nil Verifier treats every request as anonymous, which is refused.
	Verifier *iam.Verifier
	// Region is the one region this endpoint serves; "" means us-east-1.
	Region string
	// Domains are the base domains of virtual-host-style requests: with
	// "s3.example.com", Host "photos.s3.example.com" names bucket "photos".
	Domains []string
	// Logger receives one debug line per request and every internal error;
	// nil means slog.Default().
	Logger *slog.Logger
	// Ready reports whether the gateway can serve (for /health/ready); nil
	// means always ready.
	Ready func() error
	// Authorizer, when set, decides every request, anonymous ones
	// included (bucket policies may allow them). nil allows every signed
	// request and refuses anonymous ones.
	Authorizer Authorizer
	// Metrics, when set, appends the embedding program's metrics (node
	// state, process memory) to /metrics in the Prometheus text format.
	Metrics func(w io.Writer)
	// IAM, when set, serves the IAM and STS query APIs: path-style
	// requests that iam.IsAPIRequest recognises go to it instead of S3.
	IAM http.Handler
	// Admin, when set, serves the operator API under AdminPrefix to
	// requests signed with AdminAccessKey (the root key); Nodes reports
	// the storage nodes for its status.
	Admin          Admin
	AdminAccessKey string
	Nodes          func() []AdminNode
	// LifecycleDay is the length of a lifecycle day (zones3
	// --lifecycle-day) by which the gateway tells objects already due
	// for expiration and the x-amz-expiration header; 0 means 24h.
	LifecycleDay time.Duration
}

// New returns the HTTP handler of the S3 API.
func New(cfg Config) http.Handler {
	h := &handler{
		layer:        cfg.Layer,
		verifier:     cfg.Verifier,
		region:       cfg.Region,
		domains:      make([]string, 0, len(cfg.Domains)),
		log:          cfg.Logger,
		ready:        cfg.Ready,
		metrics:      newMetrics(),
		extraMetrics: cfg.Metrics,
		authz:        cfg.Authorizer,
		iamAPI:       cfg.IAM,
		admin:        cfg.Admin,
		adminKey:     cfg.AdminAccessKey,
		adminNodes:   cfg.Nodes,
	}
	h.lifecycles.day = cfg.LifecycleDay
	if h.region == "" {
		h.region = "us-east-1"
	}
	for _, d := range cfg.Domains {
		if d = strings.ToLower(strings.Trim(d, ".")); d != "" {
			h.domains = append(h.domains, d)
		}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.policies.log = h.log
	var id [24]byte
	for i := range id {
		id[i] = byte(rand.Uint32())
	}
	h.hostID = base64.StdEncoding.EncodeToString(id[:])
	return h
}

type handler struct {
	layer    objectlayer.API
	verifier *iam.Verifier
	region   string
	domains  []string
	log      *slog.Logger
	ready    func() error
	metrics  *metrics
	// extraMetrics appends the embedding program's metrics (Config.Metrics).
	extraMetrics func(io.Writer)
	// hostID identifies this gateway in x-amz-id-2 and error bodies.
	hostID string
	authz  Authorizer
	// policies caches the parsed bucket policies.
	policies policyCache
	// iamAPI serves IAM and STS requests (Config.IAM).
	iamAPI http.Handler

	admin      Admin
	adminKey   string
	adminNodes func() []AdminNode
	// lifecycles caches the parsed lifecycle configurations.
	lifecycles lifecycleCache
}

// request is what the handlers of one S3 call share.
type request struct {
	id     string
	api    string
	bucket string
	key    string
	query  url.Values
	auth   iam.Auth
	// conditions is the request's condition context, built on the first
	// authorisation question and reused by the next ones.
	conditions policy.Context
}

// apiFunc serves one S3 operation. An error returned before anything was
// written becomes an S3 error response; one returned after the status line
// was sent aborts the connection, so that the client never takes a cut
// body for a whole one.
type apiFunc func(h *handler, w *respWriter, r *http.Request, rq *request) error

func (h *handler) ServeHTTP(hw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rq := &request{id: newRequestID()}
	w := &respWriter{ResponseWriter: hw}
	hdr := hw.Header()
	hdr["X-Amz-Request-Id"] = []string{rq.id}
	hdr["X-Amz-Id-2"] = []string{h.hostID}
	hdr["Server"] = []string{"zones3"}

	// net/http answers Expect: 100-continue only when a non-empty body is
	// read. botocore sends the expectation on every PUT, even an empty one,
	// and mistakes a final status that no 100 Continue preceded for the
	// answer to its next request on the connection; so confirm it here.
	if r.ContentLength == 0 && r.ProtoAtLeast(1, 1) && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		hw.WriteHeader(http.StatusContinue)
	}

	if h.serveOps(w, r) || h.serveAdmin(w, r) {
		return
	}

	body := &countingBody{rc: r.Body}
	r.Body = body
	h.metrics.inFlight.Add(1)
	defer func() {
		h.metrics.inFlight.Add(-1)
		status := w.status
		if !w.wrote {
			status = http.StatusOK
		}
		if p := recover(); p != nil {
			// The connection is cut; count the request as failed.
			if status < 400 {
				status = 499
			}
			h.finish(r, rq, status, body.n, w.n, start)
			panic(p)
		}
		h.finish(r, rq, status, body.n, w.n, start)
	}()

	if h.iamAPI != nil && VirtualHostBucket(r.Host, h.domains) == "" && iam.IsAPIRequest(r) {
		rq.api = "IAM"
		h.iamAPI.ServeHTTP(w, r)
		return
	}

	// Authentication comes first: a caller without credentials learns
	// nothing about which requests would be valid.
	fn, routeErr := h.route(r, rq)
	err := h.authenticate(r, rq)
	if err == nil {
		err = routeErr
	}
	if err == nil && fn == nil {
		err = errNotImplemented
	}
	if err == nil {
		err = h.authorize(r, rq)
	}
	if err == nil {
		err = fn(h, w, r, rq)
	}
	if err != nil {
		if w.wrote {
			h.log.Warn("s3 response cut short", "api", rq.api, "path", r.URL.Path, "request_id", rq.id, "err", err)
			panic(http.ErrAbortHandler)
		}
		h.writeError(w, r, rq, err)
	}
}

// authenticate verifies the request signature. Until bucket policies
// exist only signed requests of known keys are allowed.
func (h *handler) authenticate(r *http.Request, rq *request) error {
	if h.verifier == nil {
		return errAccessDenied
	}
	auth, err := h.verifier.Verify(r)
	if err != nil {
		return err
	}
	if auth.Method == iam.AuthAnonymous && h.authz == nil {
		return errAccessDenied
	}
	rq.auth = auth
	return nil
}

// finish records the metrics and the debug line of one request.
func (h *handler) finish(r *http.Request, rq *request, status int, in, out int64, start time.Time) {
	d := time.Since(start)
	api := rq.api
	if api == "" {
		api = "Unknown"
	}
	h.metrics.observe(api, status, d, in, out)
	if h.log.Enabled(r.Context(), slog.LevelDebug) {
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "s3 request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("api", api),
			slog.Int("status", status),
			slog.Int64("bytes_in", in),
			slog.Int64("bytes_out", out),
			slog.Duration("duration", d),
			slog.String("request_id", rq.id))
	}
}

// writeError sends err as an S3 <Error> document (no body for HEAD).
func (h *handler) writeError(w *respWriter, r *http.Request, rq *request, err error) {
	e, internal := toAPIError(err)
	if internal {
		h.log.Error("s3 internal error", "api", rq.api, "method", r.Method, "path", r.URL.Path, "request_id", rq.id, "err", err)
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	x := newXMLBuf()
	x.open("Error")
	x.elem("Code", e.Code)
	x.elem("Message", e.Message)
	if rq.key != "" {
		x.elem("Key", rq.key)
	}
	if rq.bucket != "" {
		x.elem("BucketName", rq.bucket)
	}
	x.elem("Resource", r.URL.Path)
	x.elem("RequestId", rq.id)
	x.elem("HostId", h.hostID)
	x.close("Error")
	x.write(w, e.Status)
}

// serveOps answers the operational endpoints (health, metrics). They need
// no credentials, and a signed request for the same path is left to S3.
func (h *handler) serveOps(w *respWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	if p != "/health/live" && p != "/health/ready" && p != "/metrics" {
		return false
	}
	if r.Header.Get("Authorization") != "" || r.URL.RawQuery != "" || VirtualHostBucket(r.Host, h.domains) != "" {
		return false
	}
	switch p {
	case "/health/live":
		writeText(w, http.StatusOK, "OK\n")
	case "/health/ready":
		if h.ready != nil {
			if err := h.ready(); err != nil {
				writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
				return true
			}
		}
		writeText(w, http.StatusOK, "OK\n")
	case "/metrics":
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		h.metrics.writeTo(w)
		if h.extraMetrics != nil {
			h.extraMetrics(w)
		}
	}
	return true
}

func writeText(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, s)
}

// VirtualHostBucket returns the bucket a virtual-host-style Host names
// under one of domains ("photos" for "photos.s3.example.com:9000" and
// domain "s3.example.com"), or "" for a path-style request. iam's
// Verifier.BucketFromHost is meant to be this function.
func VirtualHostBucket(host string, domains []string) string {
	if len(domains) == 0 {
		return ""
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && i > strings.LastIndexByte(host, ']') {
		host = host[:i]
	}
	host = strings.ToLower(host)
	for _, d := range domains {
		if len(host) > len(d)+1 && strings.HasSuffix(host, d) && host[len(host)-len(d)-1] == '.' {
			return host[:len(host)-len(d)-1]
		}
	}
	return ""
}

// newRequestID returns 16 upper-case hex digits, like S3's request IDs.
func newRequestID() string {
	const digits = "0123456789ABCDEF"
	var b [16]byte
	v := rand.Uint64()
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = digits[v&0xF]
		v >>= 4
	}
	return string(b[:])
}

// owner is the canonical user shown in listings and ACLs.
type owner struct{ ID, DisplayName string }

// ownerOf derives the canonical user of an access key: a stable 64-hex ID
// as S3 shows, and the key itself as display name.
func ownerOf(accessKey string) owner {
	sum := sha256.Sum256([]byte("zones3-owner:" + accessKey))
	return owner{ID: hex.EncodeToString(sum[:]), DisplayName: accessKey}
}

// respWriter remembers the status and counts the body bytes.
type respWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	n      int64
}

func (w *respWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.status = code
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *respWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countingBody counts the request body bytes read.
type countingBody struct {
	rc io.ReadCloser
	n  int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }
