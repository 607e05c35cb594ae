package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/zones3/zones3/gateway"
	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// Defaults of the server command.
const (
	defaultListen  = "127.0.0.1:9000"
	defaultDataDir = "data"
)

// embeddedZones are the zones of the server's three in-process nodes; node
// "node-a" of zone "zone-a" keeps its data in <data>/node-a, and so on.
var embeddedZones = []string{"a", "b", "c"}

type serverConfig struct {
	listen    string
	data      string
	lifecycle lifecycleFlags
	s3        s3Flags
	tls       tlsFlags
	repair    repairFlags
	logLevel  logLevel
}

func parseServerFlags(args []string, stderr io.Writer) (serverConfig, error) {
	var c serverConfig
	fs := newFlagSet("server", stderr)
	fs.StringVar(&c.listen, "listen", defaultListen, "`address` to serve S3 on (port 0 picks a free one)")
	fs.StringVar(&c.data, "data", "./"+defaultDataDir, "`folder` of the nodes' data and the credentials file")
	c.lifecycle.register(fs)
	c.s3.register(fs)
	c.tls.register(fs)
	c.repair.register(fs)
	fs.Var(&c.logLevel, "log-level", "log `level`: debug, info (default), warn or error; debug logs every request")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if c.data == "" {
		return c, usagef("--data must not be empty")
	}
	for _, err := range []error{c.lifecycle.validate(), c.s3.validate(), c.tls.validate(), c.repair.validate()} {
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// cmdServer runs one process with three zone-tagged storage nodes and the
// S3 gateway over them.
func cmdServer(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	cfg, err := parseServerFlags(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.logLevel.Level)
	setMemoryLimit(getenv, log)

	if err := os.MkdirAll(cfg.data, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	creds, source, err := serverCredentials(cfg.data, getenv)
	if err != nil {
		return err
	}
	iamKey, err := iamKeyFromEnv(getenv)
	if err != nil {
		return err
	}
	if source != fromEnv {
		warnLooseMode(filepath.Join(cfg.data, credentialsFile), log)
	}

	// Listen before opening the nodes: a port in use fails at once.
	srv, err := listenHTTP(cfg.listen, cfg.tls, log)
	if err != nil {
		return err
	}
	defer srv.close()

	nodes := make([]storage.Node, 0, len(embeddedZones))
	topoNodes := make([]placement.Node, 0, len(embeddedZones))
	zones := make([]string, 0, len(embeddedZones))
	for _, z := range embeddedZones {
		id, zone := "node-"+z, "zone-"+z
		n, err := storage.OpenLocal(filepath.Join(cfg.data, id), storage.LocalOptions{ID: id, Zone: zone, Logger: log})
		if err != nil {
			return fmt.Errorf("open node %s: %w", id, err)
		}
		defer closeNode(n, log)
		nodes = append(nodes, n)
		topoNodes = append(topoNodes, placement.Node{ID: id, Zone: zone, Weight: 1})
		zones = append(zones, zone)
	}

	printCredentials(stdout, creds, source, cfg.data, srv.url())
	return serveGateway(ctx, srv, nodes, zones, topoNodes, cfg.s3, cfg.repair, cfg.lifecycle, creds, iamKey, log)
}

// serveGateway builds the object layer and the S3 handler over nodes,
// serves them on srv until ctx is done and closes the layer.
func serveGateway(ctx context.Context, srv *httpServer, nodes []storage.Node,
	zones []string, topoNodes []placement.Node, s3 s3Flags, repair repairFlags, lc lifecycleFlags, creds credentials, iamKey string, log *slog.Logger) error {
	topo, err := placement.New(topoNodes)
	if err != nil {
		return fmt.Errorf("placement: %w", err)
	}
	if topo.Warning != "" {
		log.Warn("topology cannot survive failures", "warning", topo.Warning)
	}
	// The readiness prober and the data path share one view of node
	// health, so a node the prober sees come back is used at once; the
	// prober asks every node each second, so the layer needs no prober of
	// its own.
	health := placement.NewHealth(placement.HealthConfig{})
	layer, err := objectlayer.New(nodes, topo, objectlayer.Options{Logger: log, Health: health, ProbeInterval: -1, RepairOptions: repair.options()})
	if err != nil {
		return fmt.Errorf("object layer: %w", err)
	}
	defer layer.Close()

	domains := []string(s3.domains)
	verifier := &iam.Verifier{
		Region:         s3.region,
		BucketFromHost: func(host string) string { return gateway.VirtualHostBucket(host, domains) },
	}
	ids, err := newIdentities(layer, creds, iamKey, verifier, log)
	if err != nil {
		return err
	}

	ready := newReadiness(nodes, zones, topo.ReadQuorum(), log)
	ready.health = health
	ctx, cancel := context.WithCancel(ctx)
	var probing sync.WaitGroup
	probing.Go(func() { ready.run(ctx) })
	probing.Go(func() { ids.dir.Run(ctx) })
	defer probing.Wait() // before the nodes close
	defer cancel()

	// The worker stops with ctx, before the layer closes.
	lcw, err := startLifecycle(ctx, layer, lc, log)
	if err != nil {
		return err
	}
	defer lcw.wait()
	defer cancel()

	h := gateway.New(gateway.Config{
		Layer:    layer,
		Verifier: verifier,
		Region:   s3.region,
		Domains:  domains,
		Logger:   log,
		Ready: func() error {
			if err := ready.Ready(); err != nil {
				return err
			}
			return ids.ready()
		},
		Metrics: func(w io.Writer) {
			ready.writeMetrics(w)
			layer.WriteRepairMetrics(w)
			lcw.writeMetrics(w)
		},
		IAM:            ids.api,
		Authorizer:     ids.authz,
		Admin:          layer,
		AdminAccessKey: creds.AccessKey,
		Nodes:          ready.adminNodes,
		LifecycleDay:   lc.day,
	})

	log.Info("zones3 listening", "addr", srv.addr(), "url", srv.url(),
		"nodes", len(nodes), "k", topo.K, "m", topo.M, "region", s3.region)
	go func() {
		select {
		case <-ready.becameReady():
			log.Info("zones3 ready", "addr", srv.addr(), "url", srv.url())
		case <-ctx.Done():
		}
	}()
	return srv.serve(ctx, h)
}

func closeNode(n *storage.Local, log *slog.Logger) {
	if err := n.Close(); err != nil {
		log.Error("close storage node", "node", n.ID(), "err", err)
	}
}

// warnLooseMode warns when the credentials file can be read by others.
func warnLooseMode(path string, log *slog.Logger) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("credentials file is readable by other users; chmod 600 it", "path", path, "mode", fi.Mode().Perm())
	}
}

// printCredentials shows the root key pair and how to use it.
func printCredentials(w io.Writer, c credentials, source credentialsSource, dataDir, url string) {
	switch source {
	case fromEnv:
		fmt.Fprintf(w, "Root access key: %s (from %s)\n", c.AccessKey, envRootAccessKey)
		fmt.Fprintf(w, "  aws --endpoint-url %s s3 ls\n", url)
		return
	case fromCreated:
		fmt.Fprintf(w, "Created root credentials in %s\n", filepath.Join(dataDir, credentialsFile))
	case fromFile:
		fmt.Fprintf(w, "Root credentials from %s\n", filepath.Join(dataDir, credentialsFile))
	}
	fmt.Fprintf(w, "  Access key: %s\n  Secret key: %s\n\n", c.AccessKey, c.SecretKey)
	fmt.Fprintf(w, "  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n", c.AccessKey, c.SecretKey)
	fmt.Fprintf(w, "  aws --endpoint-url %s s3 ls\n", url)
	if strings.HasPrefix(url, "https:") {
		fmt.Fprintln(w, "  (add --no-verify-ssl to aws for a self-signed certificate)")
	}
}
