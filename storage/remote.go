package storage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RemoteOptions configures NewRemote. Zero fields take the defaults.
type RemoteOptions struct {
	// TLS, if set, is used for https:// base URLs (a base URL without a
	// scheme then defaults to https).
	TLS *tls.Config
	// DialTimeout bounds connecting, so a dead node costs one quick failed
	// attempt (default 1s).
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers once the
	// request, body included, is sent (default 10s). Shard streams are not
	// limited beyond it: their length is the caller's context's business.
	ResponseHeaderTimeout time.Duration
	// CallTimeout bounds each non-streaming call (Apply, Get, Scan, Info)
	// as a whole (default 10s).
	CallTimeout time.Duration
	// MaxIdleConnsPerHost is how many idle connections to the node are kept
	// for reuse (default 256).
	MaxIdleConnsPerHost int
}

// Remote is a Node reached over the internode API. It is safe for
// concurrent use.
type Remote struct {
	id          string
	base        string // scheme://host[/path], no trailing slash
	secret      []byte
	transport   *http.Transport
	client      *http.Client
	callTimeout time.Duration
	err         error // a bad base URL, reported by every call
}

var _ Node = (*Remote)(nil)

// NewRemote returns a client for the node serving the internode API at
// baseURL ("http://host:port", "https://host:port" or "host:port"), whose
// ID is id. Requests are signed with secret.
func NewRemote(baseURL, id string, secret []byte, opts RemoteOptions) *Remote {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = time.Second
	}
	if opts.ResponseHeaderTimeout <= 0 {
		opts.ResponseHeaderTimeout = 10 * time.Second
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 256
	}
	r := &Remote{id: id, secret: append([]byte(nil), secret...), callTimeout: opts.CallTimeout}
	if !strings.Contains(baseURL, "://") {
		scheme := "http://"
		if opts.TLS != nil {
			scheme = "https://"
		}
		baseURL = scheme + baseURL
	}
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		r.err = fmt.Errorf("storage: node %s: bad address: %w", id, err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		r.err = fmt.Errorf("storage: node %s: bad address %q", id, baseURL)
	default:
		u.RawQuery, u.Fragment = "", ""
		r.base = strings.TrimSuffix(u.String(), "/")
	}

	dialer := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	r.transport = &http.Transport{
		Proxy:                 nil, // internode traffic never goes through a proxy
		DialContext:           dialer.DialContext,
		TLSClientConfig:       opts.TLS,
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
		IdleConnTimeout:       time.Minute, // below the node server's 2 minutes
		ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
		DisableCompression:    true,
		// HTTP/1.1 only: a TCP connection per shard stream, rather than
		// every stream to a node multiplexed under HTTP/2 flow control.
		TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
		ReadBufferSize:  64 << 10,
		WriteBufferSize: 64 << 10,
	}
	r.client = &http.Client{
		Transport: r.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return r
}

// ID implements Node.
func (r *Remote) ID() string { return r.id }

// Close releases idle connections.
func (r *Remote) Close() error {
	r.transport.CloseIdleConnections()
	return nil
}

// newRequest builds a request for the API path (already escaped) and
// query.
func (r *Remote) newRequest(ctx context.Context, method, path string, query url.Values, body io.Reader) (*http.Request, error) {
	if r.err != nil {
		return nil, r.err
	}
	u := r.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("storage: node %s: %w", r.id, err)
	}
	return req, nil
}

// do signs and sends req. Any failure to get an answer is ErrUnavailable
// (unless the caller's own context ended); an error status becomes the
// matching error.
func (r *Remote) do(parent context.Context, op string, req *http.Request) (*http.Response, error) {
	signRequest(req, r.secret, time.Now())
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, r.transportError(parent, op, err)
	}
	if resp.StatusCode/100 != 2 {
		err := r.statusError(op, resp)
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

func (r *Remote) transportError(parent context.Context, op string, err error) error {
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("storage: %s on node %s: %w", op, r.id, perr)
	}
	return fmt.Errorf("storage: %s on node %s: %w: %w", op, r.id, ErrUnavailable, err)
}

func (r *Remote) statusError(op string, resp *http.Response) error {
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	msg := strings.TrimSpace(string(text))
	var sentinel error
	switch resp.StatusCode {
	case http.StatusNotFound:
		sentinel = ErrNotFound
	case http.StatusUnauthorized:
		sentinel = ErrUnauthorized
	case http.StatusBadRequest:
		switch resp.Header.Get(headerError) {
		case "invalid-key":
			sentinel = ErrInvalidKey
		case "bad-request":
			sentinel = errInvalidOp
		default:
			sentinel = ErrInvalidName
		}
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		sentinel = ErrUnavailable
	default:
		return fmt.Errorf("storage: %s on node %s: status %d: %s", op, r.id, resp.StatusCode, msg)
	}
	return fmt.Errorf("storage: %s on node %s: %w (%s)", op, r.id, sentinel, msg)
}

func shardPath(name string) string {
	return internodePrefix + "shards/" + url.PathEscape(name)
}

// CreateShard implements Node. r is streamed as the request body.
func (r *Remote) CreateShard(ctx context.Context, name string, body io.Reader) (int64, error) {
	if err := ValidShardName(name); err != nil {
		return 0, fmt.Errorf("storage: create shard: %w", err)
	}
	gb := &guardedReader{r: body}
	req, err := r.newRequest(ctx, http.MethodPut, shardPath(name), nil, gb)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := r.do(ctx, "create shard", req)
	// The transport may still read the body after Do returns; cut it off
	// from the caller's reader.
	readErr := gb.detach()
	if err != nil {
		if readErr != nil {
			return 0, fmt.Errorf("storage: create shard %q on node %s: %w", name, r.id, readErr)
		}
		return 0, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(io.LimitReader(resp.Body, 32))
	if err != nil {
		return 0, r.transportError(ctx, "create shard", err)
	}
	n, err := strconv.ParseInt(string(text), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("storage: create shard on node %s: bad answer %q", r.id, text)
	}
	return n, nil
}

// guardedReader passes reads to the caller's reader until detached, and
// records the reader's own error (to report it rather than the broken
// request it causes). It hides the reader's Close from the transport.
type guardedReader struct {
	mu       sync.Mutex
	r        io.Reader
	detached bool
	err      error
}

var errDetached = errors.New("request finished")

func (g *guardedReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.detached {
		return 0, errDetached
	}
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF && g.err == nil {
		g.err = err
	}
	return n, err
}

func (g *guardedReader) detach() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.detached = true
	return g.err
}

// ReadShard implements Node; the returned body streams from the node.
func (r *Remote) ReadShard(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	if err := ValidShardName(name); err != nil {
		return nil, fmt.Errorf("storage: read shard: %w", err)
	}
	q := url.Values{}
	if offset != 0 {
		q.Set("offset", strconv.FormatInt(offset, 10))
	}
	if length >= 0 {
		q.Set("length", strconv.FormatInt(length, 10))
	}
	req, err := r.newRequest(ctx, http.MethodGet, shardPath(name), q, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.do(ctx, "read shard", req)
	if err != nil {
		return nil, err
	}
	return &remoteBody{ctx: ctx, r: r, body: resp.Body}, nil
}

// remoteBody reports a stream cut by the network as ErrUnavailable.
type remoteBody struct {
	ctx  context.Context
	r    *Remote
	body io.ReadCloser
}

func (b *remoteBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && err != io.EOF {
		err = b.r.transportError(b.ctx, "read shard", err)
	}
	return n, err
}

func (b *remoteBody) Close() error { return b.body.Close() }

// Apply implements Node.
func (r *Remote) Apply(ctx context.Context, b Batch) ([]bool, error) {
	enc := appendBatch(make([]byte, 0, encodedBatchSize(b)), b)
	if len(enc) > MaxBatchBytes {
		return nil, fmt.Errorf("storage: apply: %w: batch of %d bytes exceeds %d", errInvalidOp, len(enc), MaxBatchBytes)
	}
	sum := sha256.Sum256(enc)
	cctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	req, err := r.newRequest(cctx, http.MethodPost, internodePrefix+"apply", nil, bytes.NewReader(enc))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(headerContentSHA256, hex.EncodeToString(sum[:]))
	resp, err := r.do(ctx, "apply", req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(len(b.Ops))+1))
	if err != nil {
		return nil, r.transportError(ctx, "apply", err)
	}
	applied, err := decodeApplied(data, len(b.Ops))
	if err != nil {
		return nil, fmt.Errorf("storage: apply on node %s: %w", r.id, err)
	}
	return applied, nil
}

// Get implements Node.
func (r *Remote) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := validKey(key); err != nil {
		return nil, fmt.Errorf("storage: get: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	req, err := r.newRequest(cctx, http.MethodGet, internodePrefix+"get", url.Values{"key": {hex.EncodeToString(key)}}, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.do(ctx, "get", req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf []byte
	if resp.ContentLength > 0 && resp.ContentLength <= MaxBatchBytes {
		buf = make([]byte, 0, resp.ContentLength)
	} else {
		buf = []byte{}
	}
	v, err := readAllInto(buf, io.LimitReader(resp.Body, MaxBatchBytes))
	if err != nil {
		return nil, r.transportError(ctx, "get", err)
	}
	return v, nil
}

// Scan implements Node.
func (r *Remote) Scan(ctx context.Context, sr ScanRange) ([]KV, error) {
	q := url.Values{}
	if len(sr.Start) > 0 {
		q.Set("start", hex.EncodeToString(sr.Start))
	}
	if len(sr.End) > 0 {
		q.Set("end", hex.EncodeToString(sr.End))
	}
	if sr.Limit > 0 {
		q.Set("limit", strconv.Itoa(sr.Limit))
	}
	if sr.KeysOnly {
		q.Set("keys-only", "1")
	}
	cctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	req, err := r.newRequest(cctx, http.MethodGet, internodePrefix+"scan", q, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.do(ctx, "scan", req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	kvs, err := readScan(bufio.NewReaderSize(resp.Body, 64<<10), sr.KeysOnly)
	if err != nil {
		return nil, r.transportError(ctx, "scan", err)
	}
	return kvs, nil
}

// Info implements Node.
func (r *Remote) Info(ctx context.Context) (NodeInfo, error) {
	cctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	req, err := r.newRequest(cctx, http.MethodGet, internodePrefix+"info", nil, nil)
	if err != nil {
		return NodeInfo{}, err
	}
	resp, err := r.do(ctx, "info", req)
	if err != nil {
		return NodeInfo{}, err
	}
	defer resp.Body.Close()
	var info NodeInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&info); err != nil {
		return NodeInfo{}, r.transportError(ctx, "info", err)
	}
	return info, nil
}

// Ready asks the node's /health/ready whether it takes writes.
func (r *Remote) Ready(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, r.callTimeout)
	defer cancel()
	req, err := r.newRequest(cctx, http.MethodGet, "/health/ready", nil, nil)
	if err != nil {
		return err
	}
	resp, err := r.do(ctx, "ready", req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1024))
	return resp.Body.Close()
}
