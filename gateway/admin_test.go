package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
	"github.com/zones3/zones3/placement"
	"github.com/zones3/zones3/storage"
)

// adminEnv is a gateway over a real object layer on three local nodes,
// with the operator API enabled for testAccessKey.
func adminEnv(t *testing.T, enable bool) *httptest.Server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	var nodes []storage.Node
	var pnodes []placement.Node
	for i := range 3 {
		id, zone := fmt.Sprintf("n%d", i), fmt.Sprintf("z%d", i)
		l, err := storage.OpenLocal(t.TempDir(), storage.LocalOptions{ID: id, Zone: zone, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		nodes = append(nodes, l)
		pnodes = append(pnodes, placement.Node{ID: id, Zone: zone})
	}
	topo, err := placement.New(pnodes)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := objectlayer.New(nodes, topo, objectlayer.Options{Logger: log, RepairOptions: objectlayer.RepairOptions{ScanInterval: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(layer.Close)
	cfg := Config{
		Layer: layer,
		Verifier: &iam.Verifier{
			Keys:   iam.StaticKeyring{testAccessKey: testSecretKey, "OTHERKEY": "other secret"},
			Region: testRegion,
		},
		Region: testRegion,
		Logger: log,
		Nodes: func() []AdminNode {
			return []AdminNode{{ID: "n0", Zone: "z0", Up: true, UsedBytes: 10}, {ID: "n1", Zone: "z1"}}
		},
	}
	if enable {
		cfg.Admin, cfg.AdminAccessKey = layer, testAccessKey
	}
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return srv
}

// adminCall sends a request signed with the key pair (none when access
// is "") and decodes the JSON answer into out.
func adminCall(t *testing.T, method, url, access, secret string, out any) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if access != "" {
		const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		creds := aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptySHA256, "s3", testRegion, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, body)
		}
	}
	return resp.StatusCode, resp.Header
}

func TestAdminHealAndStatus(t *testing.T) {
	srv := adminEnv(t, true)
	base := srv.URL + AdminPrefix

	var st AdminStatus
	if code, _ := adminCall(t, "GET", base+"status", testAccessKey, testSecretKey, &st); code != http.StatusOK {
		t.Fatalf("status: %d", code)
	}
	if !st.Ready || len(st.Nodes) != 2 || st.Nodes[0].ID != "n0" || !st.Nodes[0].Up || st.Repair.ScanInterval != "off" {
		t.Errorf("status = %+v", st)
	}

	var p objectlayer.PassStatus
	if code, _ := adminCall(t, "POST", base+"heal", testAccessKey, testSecretKey, &p); code != http.StatusAccepted {
		t.Fatalf("heal: %d", code)
	}
	if p.ID == 0 || !p.Full || p.Trigger != "heal" {
		t.Errorf("heal answered %+v", p)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		adminCall(t, "GET", base+"status", testAccessKey, testSecretKey, &st)
		if len(st.Repair.Passes) > 0 && st.Repair.Passes[0].ID == p.ID && st.Repair.Passes[0].State == objectlayer.PassDone {
			if !st.Repair.Passes[0].Complete() {
				t.Errorf("pass over an empty cluster: %+v", st.Repair.Passes[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pass %d not done: %+v", p.ID, st.Repair.Passes)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAdminRefusals(t *testing.T) {
	srv := adminEnv(t, true)
	base := srv.URL + AdminPrefix
	type apiErr struct{ Code, Message string }
	for _, tc := range []struct {
		name           string
		method, path   string
		access, secret string
		status         int
		code           string
	}{
		{"unsigned", "GET", "status", "", "", http.StatusForbidden, "AccessDenied"},
		{"unsigned heal", "POST", "heal", "", "", http.StatusForbidden, "AccessDenied"},
		{"not the root key", "POST", "heal", "OTHERKEY", "other secret", http.StatusForbidden, "AccessDenied"},
		{"wrong secret", "GET", "status", testAccessKey, "wrong", http.StatusForbidden, "SignatureDoesNotMatch"},
		{"unknown key", "GET", "status", "NOSUCHKEY", "x", http.StatusForbidden, "InvalidAccessKeyId"},
		{"heal by GET", "GET", "heal", testAccessKey, testSecretKey, http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{"status by DELETE", "DELETE", "status", testAccessKey, testSecretKey, http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{"unknown route", "GET", "nothing", testAccessKey, testSecretKey, http.StatusNotFound, "NotFound"},
	} {
		var e apiErr
		code, _ := adminCall(t, tc.method, base+tc.path, tc.access, tc.secret, &e)
		if code != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %s (%s), want %d %s", tc.name, code, e.Code, e.Message, tc.status, tc.code)
		}
	}

	// Without an admin the routes do not exist, whoever asks.
	off := adminEnv(t, false)
	var e apiErr
	if code, _ := adminCall(t, "POST", off.URL+AdminPrefix+"heal", testAccessKey, testSecretKey, &e); code != http.StatusNotFound {
		t.Errorf("heal on a gateway without the operator API: %d %s", code, e.Code)
	}
}
