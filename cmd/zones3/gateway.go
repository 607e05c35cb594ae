package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

type gatewayConfig struct {
	listen    string
	nodes     []nodeAddr
	nodeCA    string // PEM file of the CA that signed the nodes' certificates
	lifecycle lifecycleFlags
	s3        s3Flags
	tls       tlsFlags
	repair    repairFlags
	logLevel  logLevel
}

func parseGatewayFlags(args []string, stderr io.Writer) (gatewayConfig, error) {
	var c gatewayConfig
	var nodes stringList
	fs := newFlagSet("gateway", stderr)
	fs.StringVar(&c.listen, "listen", defaultListen, "`address` to serve S3 on")
	fs.Var(&nodes, "node", "a storage node as `ZONE=ADDR` (ADDR host:port or http(s)://host:port); repeatable")
	fs.StringVar(&c.nodeCA, "node-ca", "", "PEM `file` of the CA that signed the nodes' TLS certificates; nodes given as host:port are then reached over HTTPS")
	c.lifecycle.register(fs)
	c.s3.register(fs)
	c.tls.register(fs)
	c.repair.register(fs)
	fs.Var(&c.logLevel, "log-level", "log `level`: debug, info (default), warn or error; debug logs every request")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if len(nodes) == 0 {
		return c, usagef("at least one --node ZONE=ADDR is required")
	}
	seen := map[string]bool{}
	for _, s := range nodes {
		n, err := parseNodeAddr(s)
		if err != nil {
			return c, usageError{err.Error()}
		}
		if seen[n.url] {
			return c, usagef("node %s is given twice", n.addr)
		}
		seen[n.url] = true
		c.nodes = append(c.nodes, n)
	}
	for _, err := range []error{c.lifecycle.validate(), c.s3.validate(), c.tls.validate(), c.repair.validate()} {
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// cmdGateway runs the S3 gateway over remote storage nodes.
func cmdGateway(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	cfg, err := parseGatewayFlags(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.logLevel.Level)
	creds, ok, err := rootCredentialsFromEnv(getenv)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New(envRootAccessKey + " and " + envRootSecretKey + " must be set: a gateway has no data folder to keep generated credentials in")
	}
	secret, err := clusterSecret(getenv)
	if err != nil {
		return err
	}
	iamKey, err := iamKeyFromEnv(getenv)
	if err != nil {
		return err
	}
	setMemoryLimit(getenv, log)

	srv, err := listenHTTP(cfg.listen, cfg.tls, log)
	if err != nil {
		return err
	}
	defer srv.close()

	var nodeTLS *tls.Config
	if cfg.nodeCA != "" {
		if nodeTLS, err = loadCA(cfg.nodeCA); err != nil {
			return err
		}
	}

	// A remote node's placement ID is its address as given, so placement
	// stays the same as long as the addresses do.
	nodes := make([]storage.Node, len(cfg.nodes))
	topoNodes := make([]placement.Node, len(cfg.nodes))
	zones := make([]string, len(cfg.nodes))
	for i, n := range cfg.nodes {
		r := storage.NewRemote(n.addr, n.addr, secret, storage.RemoteOptions{TLS: nodeTLS})
		defer r.Close()
		nodes[i] = r
		topoNodes[i] = placement.Node{ID: n.addr, Zone: n.zone, Weight: 1}
		zones[i] = n.zone
	}
	if err := serveGateway(ctx, srv, nodes, zones, topoNodes, cfg.s3, cfg.repair, cfg.lifecycle, creds, iamKey, log); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// loadCA returns a TLS client configuration that trusts the CA
// certificates in the PEM file path.
func loadCA(path string) (*tls.Config, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --node-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read --node-ca %s: no PEM certificate found", path)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
