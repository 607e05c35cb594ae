package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests build the binary and run it as a user would. The waits below
// are upper bounds for a process to come up or stop, not speed assertions.
const (
	startBound = 60 * time.Second
	stopBound  = 30 * time.Second
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// zones3Binary builds the command once per test run.
func zones3Binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zones3-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "zones3")
		cmd := exec.Command("go", "build", "-buildvcs=false", "-o", binPath, ".")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Skipf("cannot build zones3 (are its packages complete?): %v\n%s", buildErr, buildOut)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// process is a running zones3 command.
type process struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

// baseEnv is the test's environment without any zones3 or AWS keys.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZONES3_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

func start(t *testing.T, name string, env []string, args ...string) *process {
	t.Helper()
	p := &process{t: t, name: name, done: make(chan struct{})}
	p.cmd = exec.Command(zones3Binary(t), args...)
	p.cmd.Env = append(baseEnv(), env...)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stdout:\n%s\n%s stderr:\n%s", name, p.stdout.String(), name, p.stderr.String())
		}
	})
	return p
}

// stop sends sig and requires a clean exit.
func (p *process) stop(sig syscall.Signal) {
	p.t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(stopBound):
		p.t.Fatalf("%s did not stop within %s of %v", p.name, stopBound, sig)
	}
	if p.err != nil {
		p.t.Fatalf("%s exited with %v after %v", p.name, p.err, sig)
	}
}

// waitFor polls cond until it holds, the process exits, or startBound.
func (p *process) waitFor(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(startBound)
	for !cond() {
		select {
		case <-p.done:
			p.t.Fatalf("%s exited (%v) while waiting for %s", p.name, p.err, what)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: no %s within %s", p.name, what, startBound)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runZones3 runs a short command (admin, bench) to completion.
func runZones3(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, zones3Binary(t), args...)
	cmd.Env = append(baseEnv(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	return string(out), code
}

var exportLine = regexp.MustCompile(`export AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+)`)

func TestServerBinary(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	url := "http://" + addr
	srv := start(t, "server", nil, "server", "--listen", addr, "--data", data, "--lifecycle-day", "10s")
	srv.waitFor("/health/ready", func() bool { return httpStatus(url+"/health/ready") == http.StatusOK })
	srv.waitFor(`"zones3 ready" log line`, func() bool { return strings.Contains(srv.stderr.String(), "zones3 ready") })

	m := exportLine.FindStringSubmatch(srv.stdout.String())
	if m == nil {
		t.Fatalf("no export line in stdout:\n%s", srv.stdout.String())
	}
	if !strings.Contains(srv.stdout.String(), "aws --endpoint-url "+url+" s3 ls") {
		t.Errorf("no aws CLI line for %s in stdout:\n%s", url, srv.stdout.String())
	}
	fi, err := os.Stat(filepath.Join(data, credentialsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file: %v, %v", fi, err)
	}
	for _, n := range []string{"node-a", "node-b", "node-c"} {
		if _, err := os.Stat(filepath.Join(data, n)); err != nil {
			t.Errorf("node folder: %v", err)
		}
	}
	keys := []string{"AWS_ACCESS_KEY_ID=" + m[1], "AWS_SECRET_ACCESS_KEY=" + m[2]}

	out, code := runZones3(t, keys, "admin", "status", "--endpoint", url)
	if code != 0 || !strings.Contains(out, "ready:       yes") || !strings.Contains(out, "accepted") {
		t.Errorf("admin status: exit %d\n%s", code, out)
	}
	// The PUT run is told the server's PID; the GET run finds it by port.
	for op, pidArgs := range map[string][]string{"put": {"--server-pid", fmt.Sprint(srv.cmd.Process.Pid)}, "get": nil} {
		out, code := runZones3(t, keys, append([]string{"bench", "--endpoint", url, "--op", op, "--size", "4KiB",
			"--concurrency", "2", "--duration", "300ms", "--keys", "4"}, pidArgs...)...)
		if code != 0 || !strings.Contains(out, strings.ToUpper(op)) || !strings.Contains(out, "VmHWM") {
			t.Errorf("bench %s: exit %d\n%s", op, code, out)
		}
	}
	wrong := []string{"AWS_ACCESS_KEY_ID=" + m[1], "AWS_SECRET_ACCESS_KEY=wrong-secret"}
	if out, code := runZones3(t, wrong, "bench", "--endpoint", url, "--size", "4KiB", "--duration", "100ms"); code == 0 {
		t.Errorf("bench with a wrong secret succeeded:\n%s", out)
	}
	srv.stop(syscall.SIGTERM)

	// A second start reuses the key pair; port 0 picks a port and logs it.
	srv2 := start(t, "server (restart)", nil, "server", "--listen", "127.0.0.1:0", "--data", data)
	readyLine := regexp.MustCompile(`msg="zones3 ready" addr=(127\.0\.0\.1:\d+)`)
	var got []string
	srv2.waitFor(`"zones3 ready" with the chosen address`, func() bool {
		got = readyLine.FindStringSubmatch(srv2.stderr.String())
		return got != nil
	})
	if code := httpStatus("http://" + got[1] + "/health/ready"); code != http.StatusOK {
		t.Errorf("/health/ready on the logged address %s: %d", got[1], code)
	}
	m2 := exportLine.FindStringSubmatch(srv2.stdout.String())
	if m2 == nil || m2[1] != m[1] || m2[2] != m[2] {
		t.Errorf("restart printed other credentials:\n%s", srv2.stdout.String())
	}
	srv2.stop(syscall.SIGINT)
}

func TestNodesAndGatewayBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes")
	}
	secret := []string{"ZONES3_CLUSTER_SECRET=test-cluster-secret-0123456789"}
	var nodes []*process
	var nodeArgs []string
	for _, z := range []string{"a", "b", "c"} {
		addr := freeAddr(t)
		n := start(t, "node-"+z, secret, "node", "--id", "node-"+z, "--zone", "zone-"+z,
			"--listen", addr, "--data", t.TempDir())
		nodes = append(nodes, n)
		nodeArgs = append(nodeArgs, "--node", "zone-"+z+"="+addr)
		n.waitFor("/health/ready", func() bool { return httpStatus("http://"+addr+"/health/ready") == http.StatusOK })
	}
	gwAddr := freeAddr(t)
	gwURL := "http://" + gwAddr
	keys := []string{"ZONES3_ROOT_ACCESS_KEY=GATEWAYROOTKEY", "ZONES3_ROOT_SECRET_KEY=gateway-root-secret"}
	gw := start(t, "gateway", append(keys, secret...), append([]string{"gateway", "--listen", gwAddr}, nodeArgs...)...)
	gw.waitFor("/health/ready", func() bool { return httpStatus(gwURL+"/health/ready") == http.StatusOK })

	out, code := runZones3(t, keys, "bench", "--endpoint", gwURL, "--op", "mixed", "--size", "200KiB",
		"--concurrency", "2", "--duration", "300ms", "--keys", "4")
	if code != 0 || !strings.Contains(out, "MIXED") {
		t.Errorf("bench through the gateway: exit %d\n%s", code, out)
	}

	// Two of three nodes still make a read quorum; one does not.
	nodes[2].stop(syscall.SIGTERM)
	time.Sleep(2 * probeInterval)
	if code := httpStatus(gwURL + "/health/ready"); code != http.StatusOK {
		t.Errorf("/health/ready with two nodes up: %d", code)
	}
	nodes[1].stop(syscall.SIGTERM)
	gw.waitFor("not ready", func() bool { return httpStatus(gwURL+"/health/ready") == http.StatusServiceUnavailable })
	gw.stop(syscall.SIGTERM)
	nodes[0].stop(syscall.SIGTERM)
}
