package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestVerifyRequest(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	signed := func(method, target string, at time.Time, secret []byte) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		signRequest(r, secret, at)
		return r
	}
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		ok   bool
	}{
		{"valid", func() *http.Request { return signed("GET", "/internode/v1/get?key=6b", now, testSecret) }, true},
		{"slightly skewed", func() *http.Request {
			return signed("GET", "/internode/v1/info", now.Add(-MaxClockSkew+time.Second), testSecret)
		}, true},
		{"old date", func() *http.Request { return signed("GET", "/internode/v1/info", now.Add(-6*time.Minute), testSecret) }, false},
		{"future date", func() *http.Request { return signed("GET", "/internode/v1/info", now.Add(6*time.Minute), testSecret) }, false},
		{"wrong secret", func() *http.Request { return signed("GET", "/internode/v1/info", now, []byte("other")) }, false},
		{"no headers", func() *http.Request { return httptest.NewRequest("GET", "/internode/v1/info", nil) }, false},
		{"other method", func() *http.Request {
			r := signed("GET", "/internode/v1/shards/a", now, testSecret)
			r.Method = "PUT"
			return r
		}, false},
		{"other path", func() *http.Request {
			r := signed("GET", "/internode/v1/shards/a", now, testSecret)
			r.URL.Path = "/internode/v1/shards/b"
			return r
		}, false},
		{"other query", func() *http.Request {
			r := signed("GET", "/internode/v1/get?key=6b", now, testSecret)
			r.URL.RawQuery = "key=6c"
			return r
		}, false},
		{"other date header", func() *http.Request {
			r := signed("GET", "/internode/v1/info", now, testSecret)
			r.Header.Set(headerDate, now.Add(time.Second).Format(time.RFC3339))
			return r
		}, false},
		{"other content digest", func() *http.Request {
			r := signed("POST", "/internode/v1/apply", now, testSecret)
			r.Header.Set(headerContentSHA256, strings.Repeat("00", 32))
			return r
		}, false},
		{"malformed mac", func() *http.Request {
			r := signed("GET", "/internode/v1/info", now, testSecret)
			r.Header.Set("Authorization", authScheme+" zz")
			return r
		}, false},
	} {
		err := verifyRequest(tc.req(), testSecret, now)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: %v is not ErrUnauthorized", tc.name, err)
		}
	}
	if err := verifyRequest(signed("GET", "/internode/v1/info", now, nil), nil, now); err == nil {
		t.Error("empty secret accepted a request")
	}
}

func TestServerRefusesUnsigned(t *testing.T) {
	ctx := context.Background()
	l := openTestLocal(t)
	_, srv := serveLocal(t, l, RemoteOptions{})

	// A client with the wrong secret is refused everything, and leaves no
	// temporary file behind.
	wrong := NewRemote(srv.URL, "n1", []byte("wrong secret"), RemoteOptions{})
	defer wrong.Close()
	_, err := wrong.CreateShard(ctx, "s", strings.NewReader("data"))
	wantErr(t, err, ErrUnauthorized)
	_, err = wrong.Apply(ctx, Batch{Ops: []Op{{Kind: OpPut, Key: []byte("k"), Value: []byte("v")}}})
	wantErr(t, err, ErrUnauthorized)
	_, err = wrong.Get(ctx, []byte("k"))
	wantErr(t, err, ErrUnauthorized)
	_, err = wrong.ReadShard(ctx, "s", 0, -1)
	wantErr(t, err, ErrUnauthorized)
	_, err = wrong.Scan(ctx, ScanRange{})
	wantErr(t, err, ErrUnauthorized)
	_, err = wrong.Info(ctx)
	wantErr(t, err, ErrUnauthorized)
	if entries, _ := os.ReadDir(l.tmpDir); len(entries) != 0 {
		t.Errorf("refused upload left %d temporary files", len(entries))
	}
	if _, err := l.Get(ctx, []byte("k")); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused apply was applied: %v", err)
	}

	send := func(req *http.Request) (int, string) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, resp.Header.Get(headerError)
	}
	// No signature at all.
	req, _ := http.NewRequest("GET", srv.URL+"/internode/v1/info", nil)
	if status, code := send(req); status != http.StatusUnauthorized || code != "unauthorized" {
		t.Errorf("unsigned: %d %s", status, code)
	}
	// Unknown internode paths are refused before they are looked up.
	req, _ = http.NewRequest("GET", srv.URL+"/internode/v1/nothing-here", nil)
	if status, _ := send(req); status != http.StatusUnauthorized {
		t.Errorf("unsigned unknown path: %d", status)
	}
	// A correct signature with a skewed date.
	for _, skew := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		req, _ = http.NewRequest("GET", srv.URL+"/internode/v1/info", nil)
		signRequest(req, testSecret, time.Now().Add(skew))
		if status, _ := send(req); status != http.StatusUnauthorized {
			t.Errorf("skew %s: %d", skew, status)
		}
	}
	// A signed apply whose body is not the one its digest names.
	good := appendBatch(nil, Batch{Ops: []Op{{Kind: OpPut, Key: []byte("k"), Value: []byte("good")}}})
	evil := appendBatch(nil, Batch{Ops: []Op{{Kind: OpPut, Key: []byte("k"), Value: []byte("evil")}}})
	sum := sha256.Sum256(good)
	req, _ = http.NewRequest("POST", srv.URL+"/internode/v1/apply", bytes.NewReader(evil))
	req.Header.Set(headerContentSHA256, hex.EncodeToString(sum[:]))
	signRequest(req, testSecret, time.Now())
	if status, _ := send(req); status != http.StatusUnauthorized {
		t.Errorf("tampered apply: %d", status)
	}
	if _, err := l.Get(ctx, []byte("k")); !errors.Is(err, ErrNotFound) {
		t.Errorf("tampered apply was applied: %v", err)
	}
	// An apply without a digest.
	req, _ = http.NewRequest("POST", srv.URL+"/internode/v1/apply", bytes.NewReader(good))
	signRequest(req, testSecret, time.Now())
	if status, _ := send(req); status != http.StatusBadRequest {
		t.Errorf("apply without digest: %d", status)
	}

	// Health needs no signature.
	for _, path := range []string{"/health/live", "/health/ready"} {
		req, _ = http.NewRequest("GET", srv.URL+path, nil)
		if status, _ := send(req); status != http.StatusOK {
			t.Errorf("%s: %d", path, status)
		}
	}
	// Readiness follows the node.
	l.Close()
	req, _ = http.NewRequest("GET", srv.URL+"/health/ready", nil)
	if status, _ := send(req); status != http.StatusServiceUnavailable {
		t.Errorf("ready on a closed node: %d", status)
	}
}

func TestServerWithoutSecretRefusesAll(t *testing.T) {
	srv := httptest.NewServer(NewServer(openTestLocal(t), nil, testLogger(t)))
	defer srv.Close()
	r := NewRemote(srv.URL, "n1", nil, RemoteOptions{})
	defer r.Close()
	_, err := r.Info(context.Background())
	wantErr(t, err, ErrUnauthorized)
}

func TestRemoteUnavailable(t *testing.T) {
	ctx := context.Background()
	// Nothing listens on this port any more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := NewRemote(addr, "gone", testSecret, RemoteOptions{})
	defer r.Close()
	_, err = r.Get(ctx, []byte("k"))
	wantErr(t, err, ErrUnavailable)
	_, err = r.Apply(ctx, Batch{})
	wantErr(t, err, ErrUnavailable)
	_, err = r.CreateShard(ctx, "s", strings.NewReader("x"))
	wantErr(t, err, ErrUnavailable)
	_, err = r.ReadShard(ctx, "s", 0, -1)
	wantErr(t, err, ErrUnavailable)
	wantErr(t, r.Ready(ctx), ErrUnavailable)

	// A node that accepts but never answers runs into the call timeout.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hang.Close()
	r = NewRemote(hang.URL, "hung", testSecret, RemoteOptions{CallTimeout: 100 * time.Millisecond})
	defer r.Close()
	_, err = r.Info(ctx)
	wantErr(t, err, ErrUnavailable)

	// The caller's own cancellation is reported as such.
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = r.Get(cctx, []byte("k"))
	wantErr(t, err, context.Canceled)
	if errors.Is(err, ErrUnavailable) {
		t.Errorf("cancellation reported as unavailable: %v", err)
	}

	// A bad address fails every call.
	bad := NewRemote("ftp://x", "bad", testSecret, RemoteOptions{})
	if _, err := bad.Info(ctx); err == nil {
		t.Error("bad address accepted")
	}
}

// cutNode serves shards that break off after some bytes.
type cutNode struct{ Node }

func (cutNode) ReadShard(context.Context, string, int64, int64) (io.ReadCloser, error) {
	return io.NopCloser(io.MultiReader(bytes.NewReader(make([]byte, 1<<20)), iotestErrReader{errors.New("disk failed")})), nil
}

func TestRemoteReadCut(t *testing.T) {
	srv := httptest.NewServer(NewServer(cutNode{}, testSecret, testLogger(t)))
	defer srv.Close()
	r := NewRemote(srv.URL, "cut", testSecret, RemoteOptions{})
	defer r.Close()
	rc, err := r.ReadShard(context.Background(), "s", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err == nil {
		t.Fatalf("a cut stream read as complete (%d bytes)", n)
	}
	wantErr(t, err, ErrUnavailable)
}

func TestRemoteTLS(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewTLSServer(NewServer(openTestLocal(t), testSecret, testLogger(t)))
	defer srv.Close()
	tlsConf := srv.Client().Transport.(*http.Transport).TLSClientConfig
	// No scheme: https, as a TLS config is given.
	r := NewRemote(strings.TrimPrefix(srv.URL, "https://"), "tls", testSecret, RemoteOptions{TLS: tlsConf})
	defer r.Close()
	mustCreate(t, r, "s", []byte("over tls"))
	mustApply(t, r, Op{Kind: OpCommitShard, Name: "s"})
	if b, err := readShard(r, "s", 0, -1); err != nil || string(b) != "over tls" {
		t.Fatalf("read = %q, %v", b, err)
	}
	if err := r.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}
