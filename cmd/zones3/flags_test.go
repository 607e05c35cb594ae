package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestParseServerFlags(t *testing.T) {
	c, err := parseServerFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:9000" || c.data != "./data" || c.lifecycle.interval != time.Minute ||
		c.lifecycle.day != 24*time.Hour || c.lifecycle.rate != defaultLifecycleRate || c.s3.region != "us-east-1" || c.logLevel.Level != slog.LevelInfo || c.tls.enabled() {
		t.Errorf("defaults: %+v", c)
	}

	c, err = parseServerFlags([]string{
		"--listen", "127.0.0.1:0", "--data", "/tmp/x", "--lifecycle-interval", "2s", "--lifecycle-day", "10s", "--lifecycle-rate", "0",
		"--region", "eu-west-1", "--domain", "s3.example.com", "--domain", "s3.local",
		"--tls-cert", "c.pem", "--tls-key", "k.pem", "--log-level", "debug",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:0" || c.data != "/tmp/x" || c.lifecycle.interval != 2*time.Second || c.lifecycle.rate != 0 ||
		c.lifecycle.day != 10*time.Second || c.s3.region != "eu-west-1" ||
		strings.Join(c.s3.domains, ",") != "s3.example.com,s3.local" ||
		c.tls.cert != "c.pem" || c.tls.key != "k.pem" || c.logLevel.Level != slog.LevelDebug {
		t.Errorf("parsed: %+v", c)
	}

	bad := [][]string{
		{"--lifecycle-interval", "0s"},
		{"--lifecycle-day", "-1h"},
		{"--lifecycle-day", "soon"},
		{"--lifecycle-rate", "-1"},
		{"--lifecycle-rate", "NaN"},
		{"--lifecycle-rate", "+Inf"},
		{"--tls-cert", "c.pem"},
		{"--log-level", "loud"},
		{"--region", ""},
		{"--domain", "http://x"},
		{"--data", ""},
		{"extra"},
		{"--no-such-flag"},
	}
	for _, args := range bad {
		if _, err := parseServerFlags(args, io.Discard); err == nil {
			t.Errorf("parseServerFlags(%q) accepted", args)
		}
	}
}

func TestParseNodeFlags(t *testing.T) {
	c, err := parseNodeFlags([]string{"--id", "n1", "--zone", "z1", "--listen", ":9100", "--data", "/d"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.id != "n1" || c.zone != "z1" || c.listen != ":9100" || c.data != "/d" {
		t.Errorf("parsed: %+v", c)
	}
	for _, missing := range []string{"id", "zone", "listen", "data"} {
		var args []string
		for _, f := range []string{"id", "zone", "listen", "data"} {
			if f != missing {
				args = append(args, "--"+f, "x")
			}
		}
		_, err := parseNodeFlags(args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--"+missing+" is required") {
			t.Errorf("without --%s: %v", missing, err)
		}
	}
}

func TestParseGatewayFlags(t *testing.T) {
	c, err := parseGatewayFlags([]string{"--listen", ":9000",
		"--node", "zone-a=10.0.0.1:9100", "--node", "zone-b=https://node-b.example:9100", "--node", "zone-c=http://10.0.0.3:9100/",
		"--lifecycle-day", "10s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []nodeAddr{
		{"zone-a", "10.0.0.1:9100", "http://10.0.0.1:9100"},
		{"zone-b", "https://node-b.example:9100", "https://node-b.example:9100"},
		{"zone-c", "http://10.0.0.3:9100/", "http://10.0.0.3:9100"},
	}
	if len(c.nodes) != len(want) {
		t.Fatalf("nodes: %+v", c.nodes)
	}
	for i := range want {
		if c.nodes[i] != want[i] {
			t.Errorf("node %d = %+v, want %+v", i, c.nodes[i], want[i])
		}
	}
	if c.lifecycle.day != 10*time.Second {
		t.Errorf("lifecycle day %s", c.lifecycle.day)
	}

	bad := [][]string{
		{},
		{"--node", "10.0.0.1:9100"},
		{"--node", "zone-a="},
		{"--node", "=10.0.0.1:9100"},
		{"--node", "zone-a=10.0.0.1"},
		{"--node", "zone-a=ftp://10.0.0.1:21"},
		{"--node", "zone-a=http://10.0.0.1:9100/path"},
		{"--node", "zone-a=10.0.0.1:9100", "--node", "zone-b=http://10.0.0.1:9100"},
	}
	for _, args := range bad {
		if _, err := parseGatewayFlags(args, io.Discard); err == nil {
			t.Errorf("parseGatewayFlags(%q) accepted", args)
		}
	}
}

func TestParseAdminFlags(t *testing.T) {
	for _, args := range [][]string{
		{"status", "--endpoint", "http://h:1/"},
		{"--endpoint", "http://h:1", "status"},
	} {
		c, err := parseAdminFlags(args, io.Discard)
		if err != nil || c.action != "status" || c.endpoint != "http://h:1" {
			t.Errorf("parseAdminFlags(%q) = %+v, %v", args, c, err)
		}
	}
	c, err := parseAdminFlags([]string{"heal"}, io.Discard)
	if err != nil || c.action != "heal" || c.endpoint != defaultEndpoint {
		t.Errorf("heal: %+v, %v", c, err)
	}
	for _, args := range [][]string{{}, {"repair"}, {"status", "extra"}, {"status", "--endpoint", "h:1"}} {
		if _, err := parseAdminFlags(args, io.Discard); err == nil {
			t.Errorf("parseAdminFlags(%q) accepted", args)
		}
	}
}

func TestParseBenchFlags(t *testing.T) {
	c, err := parseBenchFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != defaultEndpoint || c.Op != "put" || c.Size != 64<<20 || c.Concurrency != 8 ||
		c.Duration != 30*time.Second || c.Bucket != "zones3-bench" || c.Keys != 32 || !c.Cleanup {
		t.Errorf("defaults: %+v", c)
	}
	for in, want := range map[string]int64{"4KiB": 4 << 10, "1MiB": 1 << 20, "64MiB": 64 << 20, "1GiB": 1 << 30, "1048576": 1 << 20} {
		c, err := parseBenchFlags([]string{"--size", in}, io.Discard)
		if err != nil || c.Size != want {
			t.Errorf("--size %s: %d, %v; want %d", in, c.Size, err, want)
		}
	}
	c, err = parseBenchFlags([]string{"--op", "mixed", "--concurrency", "2", "--duration", "5s", "--keys", "7",
		"--server-pid", "42", "--insecure", "--cleanup=false", "--bucket", "b"}, io.Discard)
	if err != nil || c.Op != "mixed" || c.Concurrency != 2 || c.Duration != 5*time.Second || c.Keys != 7 ||
		c.ServerPID != 42 || !c.Insecure || c.Cleanup || c.Bucket != "b" {
		t.Errorf("parsed: %+v, %v", c, err)
	}
	for _, args := range [][]string{
		{"--op", "list"}, {"--size", "lots"}, {"--size", "0"}, {"--concurrency", "0"},
		{"--duration", "0s"}, {"--endpoint", "127.0.0.1:9000"},
	} {
		if _, err := parseBenchFlags(args, io.Discard); err == nil {
			t.Errorf("parseBenchFlags(%q) accepted", args)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	noEnv := func(string) string { return "" }
	tests := []struct {
		args []string
		code int
		out  string // expected in stdout or stderr
	}{
		{nil, exitUsage, "Usage:"},
		{[]string{"help"}, exitOK, "zones3 server"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"server", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"server", "-h"}, exitOK, "-lifecycle-interval"},
		{[]string{"node", "--id", "a"}, exitUsage, "--zone is required"},
		{[]string{"node", "--id", "a", "--zone", "z", "--listen", "127.0.0.1:0", "--data", t.TempDir()}, exitError, "ZONES3_CLUSTER_SECRET is not set"},
		{[]string{"gateway", "--node", "z=127.0.0.1:1"}, exitError, "ZONES3_ROOT_ACCESS_KEY and ZONES3_ROOT_SECRET_KEY must be set"},
		{[]string{"admin", "heal", "--endpoint", "http://127.0.0.1:1"}, exitError, "heal needs the root key"},
		{[]string{"admin", "frobnicate"}, exitUsage, `unknown action "frobnicate"`},
		{[]string{"server", "--scan-interval", "-1s"}, exitUsage, "--scan-interval must not be negative"},
		{[]string{"gateway", "--node", "z=127.0.0.1:1", "--bitrot-rate", "fast"}, exitUsage, "invalid size"},
		{[]string{"admin", "status", "--endpoint", "http://127.0.0.1:1"}, exitError, "ready:       no"},
		{[]string{"bench", "--op", "delete"}, exitUsage, `invalid op "delete"`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, noEnv, &stdout, &stderr)
		all := stdout.String() + stderr.String()
		if code != tt.code || !strings.Contains(all, tt.out) {
			t.Errorf("zones3 %q: exit %d, want %d; output lacks %q?\n%s", tt.args, code, tt.code, tt.out, all)
		}
	}
}

func TestGatewayNeedsClusterSecret(t *testing.T) {
	env := map[string]string{envRootAccessKey: "ROOTKEY", envRootSecretKey: "rootsecret"}
	var stderr bytes.Buffer
	code := run([]string{"gateway", "--node", "z=127.0.0.1:1"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "ZONES3_CLUSTER_SECRET is not set") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

func TestParseFlagsHelp(t *testing.T) {
	fs := newFlagSet("x", io.Discard)
	if err := parseFlags(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}
