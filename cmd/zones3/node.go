package main

import (
	"context"
	"fmt"
	"io"

	"github.com/zones3/zones3/storage"
)

// minClusterSecretLen is the length below which the cluster secret is
// called weak in the log (it is still used).
const minClusterSecretLen = 16

type nodeConfig struct {
	id, zone string
	listen   string
	data     string
	tls      tlsFlags
	logLevel logLevel
}

func parseNodeFlags(args []string, stderr io.Writer) (nodeConfig, error) {
	var c nodeConfig
	fs := newFlagSet("node", stderr)
	fs.StringVar(&c.id, "id", "", "the node's stable `ID` (required)")
	fs.StringVar(&c.zone, "zone", "", "the availability `zone` the node is in (required)")
	fs.StringVar(&c.listen, "listen", "", "`address` of the internode API, e.g. 0.0.0.0:9100 (required)")
	fs.StringVar(&c.data, "data", "", "`folder` of the node's data (required)")
	c.tls.register(fs)
	fs.Var(&c.logLevel, "log-level", "log `level`: debug, info (default), warn or error")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	for _, req := range []struct{ name, v string }{{"id", c.id}, {"zone", c.zone}, {"listen", c.listen}, {"data", c.data}} {
		if req.v == "" {
			return c, usagef("--%s is required", req.name)
		}
	}
	return c, c.tls.validate()
}

// clusterSecret returns ZONES3_CLUSTER_SECRET, which node and gateway need.
func clusterSecret(getenv env) ([]byte, error) {
	s := getenv(envClusterSecret)
	if s == "" {
		return nil, fmt.Errorf("%s is not set: nodes and gateways sign internode requests with it; "+
			"set the same random value (e.g. from `openssl rand -hex 32`) on every node and gateway", envClusterSecret)
	}
	return []byte(s), nil
}

// cmdNode runs one storage node serving the internode API.
func cmdNode(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	cfg, err := parseNodeFlags(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.logLevel.Level)
	secret, err := clusterSecret(getenv)
	if err != nil {
		return err
	}
	if len(secret) < minClusterSecretLen {
		log.Warn("the cluster secret is short; use at least 16 random characters", "env", envClusterSecret)
	}
	setMemoryLimit(getenv, log)

	srv, err := listenHTTP(cfg.listen, cfg.tls, log)
	if err != nil {
		return err
	}
	defer srv.close()
	n, err := storage.OpenLocal(cfg.data, storage.LocalOptions{ID: cfg.id, Zone: cfg.zone, Logger: log})
	if err != nil {
		return fmt.Errorf("open node: %w", err)
	}
	defer closeNode(n, log)

	log.Info("zones3 ready", "role", "node", "id", cfg.id, "zone", cfg.zone, "addr", srv.addr(), "url", srv.url())
	return srv.serve(ctx, storage.NewServer(n, secret, log))
}
