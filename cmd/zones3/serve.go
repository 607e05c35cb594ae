package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"
)

// HTTP server limits. There is no ReadTimeout or WriteTimeout: either would
// cut a large upload or download that is making progress.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 1 << 20
	// shutdownTimeout is how long a graceful stop waits for requests in
	// flight before it closes their connections.
	shutdownTimeout = 20 * time.Second
)

// defaultMemoryLimit is the soft Go memory limit set when GOMEMLIMIT is
// unset. The data path holds a few 1 MiB blocks per request, so the live
// heap stays far below it; the limit only makes the collector run sooner
// when garbage piles up under load, which keeps the resident set small.
// Pebble's block cache and memtables are allocated outside the Go heap and
// are not counted.
const defaultMemoryLimit = 192 << 20

// setMemoryLimit applies defaultMemoryLimit unless GOMEMLIMIT is set.
func setMemoryLimit(getenv env, log *slog.Logger) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	log.Debug("soft memory limit set", "bytes", defaultMemoryLimit)
}

// httpServer serves one handler on one listener until its context ends.
type httpServer struct {
	srv   *http.Server
	ln    net.Listener
	https bool
	log   *slog.Logger
}

// listenHTTP binds addr (so that the port is known and taken before the
// slow part of start-up) and prepares a server. With TLS it loads
// the key pair now, so a bad file stops the start instead of every
// handshake.
func listenHTTP(addr string, tf tlsFlags, log *slog.Logger) (*httpServer, error) {
	srv := &http.Server{
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if tf.enabled() {
		cert, err := tls.LoadX509KeyPair(tf.cert, tf.key)
		if err != nil {
			return nil, fmt.Errorf("load TLS key pair: %w", err)
		}
		// HTTP/1.1 only, as S3 itself: the SDKs' streaming uploads and
		// large downloads are tuned for it.
		srv.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"http/1.1"},
		}
		srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return &httpServer{srv: srv, ln: ln, https: tf.enabled(), log: log}, nil
}

// addr is the address actually bound (the chosen port for ":0").
func (s *httpServer) addr() string { return s.ln.Addr().String() }

// url is the base URL clients on this machine reach the server at.
func (s *httpServer) url() string {
	scheme := "http"
	if s.https {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(s.addr())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// serve serves h until ctx is done or the server fails, then stops
// gracefully: no new connections, requests in flight get shutdownTimeout
// to finish.
func (s *httpServer) serve(ctx context.Context, h http.Handler) error {
	s.srv.Handler = h
	errc := make(chan error, 1)
	go func() {
		if s.https {
			errc <- s.srv.ServeTLS(s.ln, "", "")
		} else {
			errc <- s.srv.Serve(s.ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("requests still running at the shutdown deadline; closing their connections")
		err = s.srv.Close()
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// close releases the listener of a server that was never served.
func (s *httpServer) close() { s.ln.Close() }
