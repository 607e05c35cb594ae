package storage

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The internode API, served by NewServer under /internode/v1/ (every route
// signed, see auth.go):
//
//	PUT  /internode/v1/shards/{name}                body: shard bytes; answer: bytes written (decimal)
//	GET  /internode/v1/shards/{name}?offset=&length=  answer: the bytes, Content-Length set
//	POST /internode/v1/apply                        body: encoded batch; answer: applied list
//	GET  /internode/v1/get?key=<hex>                answer: the value
//	GET  /internode/v1/scan?start=&end=&limit=&keys-only=1   answer: scan encoding (codec.go)
//	GET  /internode/v1/info                         answer: NodeInfo as JSON
//	POST /internode/v1/stat-shards                  see shardinfo.go
//	GET  /internode/v1/list-shards?after=&limit=    see shardinfo.go
//
// and, unsigned, GET /health/live and GET /health/ready.
//
// An error is a status with a short text body and an X-Zones3-Error code:
// 404 not-found, 401 unauthorized, 400 invalid-name / invalid-key /
// bad-request, 503 unavailable, 500 internal.
const (
	internodePrefix = "/internode/v1/"
	headerError     = "X-Zones3-Error"
)

// Server-side time limits. Non-streaming calls get a whole-call deadline;
// shard streams only an idle limit, refreshed as data moves, so a large
// shard may take as long as it needs while a stalled peer is cut off.
const (
	serverCallTimeout = 30 * time.Second
	streamIdleTimeout = time.Minute
	streamChunk       = 1 << 20 // bytes sent between write-deadline refreshes
	// maxShardBytes bounds one shard upload (S3's largest part is 5 GiB).
	maxShardBytes = 5 << 30
)

// errBadRequest marks a request the server cannot parse.
var errBadRequest = errors.New("bad request")

// NewServer serves n over the internode API. Every /internode/ request
// must be signed with secret (an empty secret refuses them all); the
// health routes are open. logger nil means slog.Default().
func NewServer(n Node, secret []byte, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	s := &server{node: n, secret: append([]byte(nil), secret...), log: logger, now: time.Now}
	s.bufPool.New = func() any {
		b := make([]byte, serveBufferSize)
		return &b
	}
	api := http.NewServeMux()
	api.HandleFunc("PUT "+internodePrefix+"shards/{name}", s.createShard)
	api.HandleFunc("GET "+internodePrefix+"shards/{name}", s.readShard)
	api.HandleFunc("POST "+internodePrefix+"apply", s.call(s.apply))
	api.HandleFunc("GET "+internodePrefix+"get", s.call(s.get))
	api.HandleFunc("GET "+internodePrefix+"scan", s.call(s.scan))
	api.HandleFunc("GET "+internodePrefix+"info", s.call(s.info))
	api.HandleFunc("POST "+internodePrefix+"stat-shards", s.call(s.statShards))
	api.HandleFunc("GET "+internodePrefix+"list-shards", s.call(s.listShards))

	mux := http.NewServeMux()
	mux.Handle("/internode/", s.authenticate(api))
	mux.HandleFunc("GET /health/live", s.call(s.live))
	mux.HandleFunc("GET /health/ready", s.call(s.ready))
	return mux
}

type server struct {
	node    Node
	secret  []byte
	log     *slog.Logger
	now     func() time.Time
	bufPool sync.Pool
}

func (s *server) authenticate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := verifyRequest(r, s.secret, s.now()); err != nil {
			s.writeError(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// call runs a non-streaming handler under a whole-call deadline, on the
// connection and on the context.
func (s *server) call(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		deadline := time.Now().Add(serverCallTimeout)
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(deadline)
		_ = rc.SetWriteDeadline(deadline)
		ctx, cancel := context.WithDeadline(r.Context(), deadline)
		defer cancel()
		if err := h(w, r.WithContext(ctx)); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// classify maps an error to its status and X-Zones3-Error code.
func classify(err error) (int, string) {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, "not-found"
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrInvalidName):
		return http.StatusBadRequest, "invalid-name"
	case errors.Is(err, ErrInvalidKey):
		return http.StatusBadRequest, "invalid-key"
	case errors.Is(err, errBadRequest), errors.Is(err, errBadBatch), errors.Is(err, errInvalidOp):
		return http.StatusBadRequest, "bad-request"
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusInternalServerError, "internal"
}

func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := classify(err)
	switch {
	case status == http.StatusUnauthorized:
		s.log.Warn("internode request refused", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
	case status >= 500:
		s.log.Error("internode request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	default:
		s.log.Debug("internode request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	msg := err.Error()
	if len(msg) > 512 {
		msg = msg[:512]
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(headerError, code)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

func (s *server) createShard(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	body := &idleDeadlineReader{r: http.MaxBytesReader(w, r.Body, maxShardBytes), rc: rc}
	n, err := s.node.CreateShard(r.Context(), r.PathValue("name"), body)
	_ = rc.SetWriteDeadline(time.Now().Add(serverCallTimeout))
	if err != nil {
		if body.err != nil && !errors.Is(err, ErrInvalidName) {
			err = fmt.Errorf("%w: reading shard body: %w", errBadRequest, err)
		}
		s.writeError(w, r, err)
		return
	}
	out := strconv.AppendInt(nil, n, 10)
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

// idleDeadlineReader pushes the connection's read deadline forward as the
// body arrives, so only a stalled upload times out.
type idleDeadlineReader struct {
	r    io.Reader
	rc   *http.ResponseController
	last time.Time
	err  error // first read error other than EOF
}

func (d *idleDeadlineReader) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.last) > time.Second {
		_ = d.rc.SetReadDeadline(now.Add(streamIdleTimeout))
		d.last = now
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF && d.err == nil {
		d.err = err
	}
	return n, err
}

func (s *server) readShard(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// No read deadline: one expiring while the response streams would
	// cancel the request.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(serverCallTimeout))
	q := r.URL.Query()
	offset, err := queryInt(q.Get("offset"), 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	length, err := queryInt(q.Get("length"), -1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := s.node.ReadShard(r.Context(), r.PathValue("name"), offset, length)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	if sized, ok := body.(interface{ Remaining() int64 }); ok {
		h.Set("Content-Length", strconv.FormatInt(sized.Remaining(), 10))
	}
	w.WriteHeader(http.StatusOK)

	if err := s.streamOut(w, rc, body); err != nil {
		s.log.Debug("shard stream cut", "path", r.URL.Path, "err", err)
		// Abort the connection so the client sees a cut stream, never a
		// short one that looks complete.
		panic(http.ErrAbortHandler)
	}
}

// streamOut copies body to w a chunk at a time, refreshing the write
// deadline per chunk. A Local shard goes out with sendfile where possible.
func (s *server) streamOut(w http.ResponseWriter, rc *http.ResponseController, body io.Reader) error {
	if sr, ok := body.(*shardReader); ok {
		for sr.Remaining() > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(streamIdleTimeout))
			n, err := sr.writeChunk(w, streamChunk)
			if err != nil {
				return err
			}
			if n == 0 {
				break // the file is shorter than it was
			}
		}
		return nil
	}
	bufp := s.bufPool.Get().(*[]byte)
	defer s.bufPool.Put(bufp)
	buf := *bufp
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(streamIdleTimeout))
		n, rerr := io.ReadFull(body, buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

func (s *server) apply(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > MaxBatchBytes {
		return fmt.Errorf("%w: batch of %d bytes", errBadRequest, r.ContentLength)
	}
	want, err := hex.DecodeString(r.Header.Get(headerContentSHA256))
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("%w: missing or malformed %s", errBadRequest, headerContentSHA256)
	}
	var body []byte
	if r.ContentLength > 0 {
		body = make([]byte, 0, r.ContentLength)
	}
	body, err = readAllInto(body, http.MaxBytesReader(w, r.Body, MaxBatchBytes))
	if err != nil {
		return fmt.Errorf("%w: reading batch: %w", errBadRequest, err)
	}
	if sum := sha256.Sum256(body); !hmac.Equal(sum[:], want) {
		return fmt.Errorf("batch body does not match its signed digest: %w", ErrUnauthorized)
	}
	b, err := decodeBatch(body)
	if err != nil {
		return err
	}
	applied, err := s.node.Apply(r.Context(), b)
	if err != nil {
		return err
	}
	out := appendApplied(make([]byte, 0, len(applied)), applied)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
	return nil
}

// readAllInto reads r to the end, appending to buf.
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (s *server) get(w http.ResponseWriter, r *http.Request) error {
	key, err := queryHex(r.URL.Query().Get("key"))
	if err != nil {
		return err
	}
	v, err := s.node.Get(r.Context(), key)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(v)))
	_, _ = w.Write(v)
	return nil
}

func (s *server) scan(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var sr ScanRange
	var err error
	if sr.Start, err = queryHex(q.Get("start")); err != nil {
		return err
	}
	if sr.End, err = queryHex(q.Get("end")); err != nil {
		return err
	}
	limit, err := queryInt(q.Get("limit"), 0)
	if err != nil {
		return err
	}
	sr.Limit = int(limit)
	sr.KeysOnly = q.Get("keys-only") == "1"
	kvs, err := s.node.Scan(r.Context(), sr)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeScan(bw, kvs); err != nil {
		s.log.Debug("scan response cut", "err", err)
	}
	return nil
}

func (s *server) info(w http.ResponseWriter, r *http.Request) error {
	info, err := s.node.Info(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(info)
}

func (s *server) live(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok\n")
	return nil
}

// readier is implemented by nodes that can tell whether they take writes.
type readier interface {
	Ready(ctx context.Context) error
}

func (s *server) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var err error
	if rd, ok := s.node.(readier); ok {
		err = rd.Ready(ctx)
	} else {
		_, err = s.node.Info(ctx)
	}
	if err != nil {
		return fmt.Errorf("not ready: %w: %w", ErrUnavailable, err)
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ready\n")
	return nil
}

func queryInt(s string, def int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return v, nil
}

func queryHex(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	return v, nil
}
