package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// storageNodes are three real storage nodes (Pebble in temporary folders),
// one per zone, each behind its internode HTTP API so that a test can take
// one down.
type storageNodes struct {
	t       *testing.T
	dirs    []string
	locals  []*storage.Local
	servers []*httptest.Server
}

var (
	quietLog           = slog.New(slog.NewTextHandler(io.Discard, nil))
	testClusterSecret  = []byte("zones3 identities test secret")
	testIdentitiesRoot = credentials{AccessKey: "ZS3IDENTITIESROOT001", SecretKey: "zones3-identities-test-root-secret-0123"}
)

func newStorageNodes(t *testing.T) *storageNodes {
	s := &storageNodes{t: t}
	for range 3 {
		s.dirs = append(s.dirs, t.TempDir())
	}
	s.open()
	t.Cleanup(s.close)
	return s
}

func (s *storageNodes) open() {
	s.locals, s.servers = make([]*storage.Local, 3), make([]*httptest.Server, 3)
	for i, dir := range s.dirs {
		id := fmt.Sprintf("node-%c", 'a'+i)
		local, err := storage.OpenLocal(dir, storage.LocalOptions{ID: id, Zone: "zone-" + id[5:], Logger: quietLog})
		if err != nil {
			s.t.Fatal(err)
		}
		s.locals[i] = local
		s.servers[i] = httptest.NewServer(storage.NewServer(local, testClusterSecret, quietLog))
	}
}

// down stops serving node i, as a lost zone.
func (s *storageNodes) down(i int) { s.servers[i].Close() }

func (s *storageNodes) close() {
	for i := range s.locals {
		s.servers[i].Close()
		if s.locals[i] != nil {
			s.locals[i].Close()
			s.locals[i] = nil
		}
	}
}

// gatewayIdentities is one gateway's view: its object layer over the
// nodes and the identities over that.
type gatewayIdentities struct {
	layer *objectlayer.Layer
	dir   *iam.Directory
}

func (s *storageNodes) gateway(iamKey string) *gatewayIdentities {
	s.t.Helper()
	var nodes []storage.Node
	var pnodes []placement.Node
	for i, srv := range s.servers {
		id := fmt.Sprintf("node-%c", 'a'+i)
		nodes = append(nodes, storage.NewRemote(srv.URL, id, testClusterSecret, storage.RemoteOptions{}))
		pnodes = append(pnodes, placement.Node{ID: id, Zone: "zone-" + id[5:], Weight: 1})
	}
	topo, err := placement.New(pnodes)
	if err != nil {
		s.t.Fatal(err)
	}
	layer, err := objectlayer.New(nodes, topo, objectlayer.Options{Logger: quietLog, ProbeInterval: -1})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(layer.Close)
	ids, err := newIdentities(layer, testIdentitiesRoot, iamKey, &iam.Verifier{}, quietLog)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := ids.dir.Refresh(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	return &gatewayIdentities{layer: layer, dir: ids.dir}
}

const readAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`

// TestIdentitiesOverStorageNodes keeps identities in the cluster metadata
// of real storage nodes: a second gateway sees them after a refresh, they
// survive a lost zone and a restart of every node, and the secrets are
// sealed at rest.
func TestIdentitiesOverStorageNodes(t *testing.T) {
	ctx := context.Background()
	nodes := newStorageNodes(t)
	a, b := nodes.gateway(""), nodes.gateway("")

	if _, err := a.dir.CreateUser(ctx, "alice", "/eng/", nil); err != nil {
		t.Fatal(err)
	}
	key, err := a.dir.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	must(t, a.dir.PutUserPolicy(ctx, "alice", "read", readAll))
	if _, err := a.dir.CreateGroup(ctx, "devs", ""); err != nil {
		t.Fatal(err)
	}
	must(t, a.dir.AddUserToGroup(ctx, "devs", "alice"))
	pol, err := a.dir.CreatePolicy(ctx, "managed", "", "", readAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	must(t, a.dir.AttachGroupPolicy(ctx, "devs", pol.ARN))
	if _, err := a.dir.CreateRole(ctx, iam.CreateRoleInput{Name: "reader", TrustPolicy: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}

	// The record of the key holds no plain secret.
	e, err := a.layer.GetMeta(ctx, "iam/key/"+key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(e.Value), key.Secret) {
		t.Fatal("the access key record holds the secret in plain text")
	}

	if _, ok := b.dir.SecretKey(key.ID); ok {
		t.Fatal("gateway b knows the key before its refresh")
	}
	must(t, b.dir.Refresh(ctx))
	checkAlice(t, b.dir, key)

	// One zone down: changes still reach a majority, and both gateways
	// read them.
	nodes.down(2)
	must(t, a.dir.UpdateAccessKey(ctx, "alice", key.ID, iam.StatusInactive))
	if _, err := a.dir.CreateUser(ctx, "bob", "", nil); err != nil {
		t.Fatalf("create bob with a zone down: %v", err)
	}
	must(t, b.dir.Refresh(ctx))
	if _, ok := b.dir.SecretKey(key.ID); ok {
		t.Fatal("gateway b authenticates a key made inactive (zone down)")
	}
	if _, err := b.dir.GetUser(ctx, "bob"); err != nil {
		t.Fatalf("get bob through b with a zone down: %v", err)
	}
	// Two zones down: no majority, and the API says so rather than fail
	// in an unknown way.
	nodes.down(1)
	_, err = a.dir.CreateUser(ctx, "carol", "", nil)
	if !errors.Is(err, iam.ErrStoreUnavailable) {
		t.Fatalf("create user without a majority: %v", err)
	}
	if err := b.dir.Refresh(ctx); err == nil {
		t.Fatal("a refresh without a majority succeeded")
	}
	if _, err := b.dir.GetUser(ctx, "bob"); err == nil {
		t.Fatal("read bob without a majority")
	}

	// Restart every node: the identities are on disk.
	nodes.close()
	nodes.open()
	c := nodes.gateway("")
	if _, ok := c.dir.SecretKey(key.ID); ok {
		t.Fatal("the inactive key authenticates after a restart")
	}
	must(t, c.dir.UpdateAccessKey(ctx, "alice", key.ID, iam.StatusActive))
	checkAlice(t, c.dir, key)
	if _, err := c.dir.GetUser(ctx, "bob"); err != nil {
		t.Fatalf("bob after a restart: %v", err)
	}
	if _, err := c.dir.GetUser(ctx, "carol"); err == nil {
		t.Fatal("carol exists though her creation failed")
	}

	// Lose another zone: node-b and node-c (which missed the changes made
	// while it was down) still answer with every change.
	nodes.down(0)
	d := nodes.gateway("")
	checkAlice(t, d.dir, key)

	// A gateway with another IAM key reads the records but cannot open
	// the secrets.
	other := nodes.gateway("another-iam-key-0123456789")
	if _, ok := other.dir.SecretKey(key.ID); ok {
		t.Fatal("a gateway with another ZONES3_IAM_KEY authenticates the key")
	}
}

func checkAlice(t *testing.T, dir *iam.Directory, key iam.AccessKey) {
	t.Helper()
	if s, ok := dir.SecretKey(key.ID); !ok || s != key.Secret {
		t.Fatalf("alice's key: %q %v", s, ok)
	}
	id, err := dir.Identity(key.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// Her inline policy and the managed one attached to her group.
	if id.UserName != "alice" || !strings.HasSuffix(id.ARN, ":user/eng/alice") || len(id.Policies) != 2 || len(id.Groups) != 1 {
		t.Fatalf("alice's identity: %+v", id)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestIAMKeyFromEnv(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "short": false, "0123456789abcdef": true} {
		_, err := iamKeyFromEnv(func(k string) string {
			if k == envIAMKey {
				return v
			}
			return ""
		})
		if (err == nil) != ok {
			t.Errorf("ZONES3_IAM_KEY=%q: %v", v, err)
		}
	}
}
