package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The credentials, cluster secret and region every test process gets.
const (
	rootAccessKey = "ZS3TESTROOTACCESSKEY"
	rootSecretKey = "zones3TestRootSecretKey0123456789abcdefgh"
	clusterSecret = "zones3-test-cluster-secret-0123456789abcdef"
	testRegion    = "us-east-1"
)

const (
	readyTimeout = 20 * time.Second
	stopTimeout  = 10 * time.Second
)

var (
	// binPath is the zones3 binary built by TestMain.
	binPath string
	// buildErr is why the binary could not be built; every test that needs
	// the binary fails with it.
	buildErr error
	// certs are the test certificate authority and the server key pair it
	// signed, for the HTTPS runs.
	certs testCertificates
	// moduleDir is the root of the zones3 module.
	moduleDir       string
	openSourcesOnce sync.Once
	// emptyFile is an empty file the aws CLI and the SDK read as their
	// config and credentials files, so the host's AWS settings stay out.
	emptyFile string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "zones3-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	if err := isolateAWSEnvironment(dir); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	certs, err = writeTestCertificates(filepath.Join(dir, "tls"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	binPath = filepath.Join(dir, "zones3")
	buildErr = buildBinary(root, binPath)
	moduleDir = root
	return m.Run()
}

// moduleRoot is the folder of the go.mod this package belongs to.
func moduleRoot() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(gomod))), nil
}

// openModuleSources opens every Go source file of the module. The tests
// depend on the binary built from them, which go test cannot see; files a
// test opens inside the module are part of its cache key, so a change to
// any of them makes go test run these tests again instead of answering
// from its cache.
func openModuleSources(root string) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum" {
			if f, err := os.Open(path); err == nil {
				f.Close()
			}
		}
		return nil
	})
}

// isolateAWSEnvironment removes the host's AWS_* settings from this process
// (the SDK and the aws CLI children inherit it) and points both at empty
// config and credentials files.
func isolateAWSEnvironment(dir string) error {
	emptyFile = filepath.Join(dir, "empty-aws-config")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		return fmt.Errorf("write empty aws config: %w", err)
	}
	for _, kv := range os.Environ() {
		if k, _, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "AWS_") {
			os.Unsetenv(k)
		}
	}
	os.Setenv("AWS_CONFIG_FILE", emptyFile)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", emptyFile)
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return nil
}

// buildBinary builds ./cmd/zones3 of the module at root into out.
func buildBinary(root, out string) error {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/zones3")
	cmd.Dir = root
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/zones3 in %s: %w\n%s", root, err, output.String())
	}
	return nil
}

// requireBinary fails the test when the zones3 binary could not be built.
func requireBinary(t testing.TB) {
	t.Helper()
	// go test records the files a test opens only once m.Run has begun.
	openSourcesOnce.Do(func() { openModuleSources(moduleDir) })
	if buildErr != nil {
		t.Fatalf("zones3 binary not available: %v", buildErr)
	}
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// process is one running zones3 child process with its output in a file.
type process struct {
	t       testing.TB
	name    string
	logPath string
	cmd     *exec.Cmd

	done    chan struct{}
	waitErr error
}

// startProcess starts the zones3 binary with args and extra environment
// variables. Its stdout and stderr go to a file in the test's temporary
// folder, printed if the test fails. The process is killed when the test
// ends.
func startProcess(t testing.TB, name string, env []string, args ...string) *process {
	t.Helper()
	requireBinary(t)
	logDir := t.TempDir()
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("create log for %s: %v", name, err)
	}
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s (%s %s): %v", name, binPath, strings.Join(args, " "), err)
	}
	p := &process{t: t, name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	t.Logf("started %s (pid %d): zones3 %s", name, cmd.Process.Pid, strings.Join(args, " "))
	t.Cleanup(func() {
		if !p.exited() {
			p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			p.dumpLog()
		}
	})
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits; after stopTimeout it sends SIGKILL.
func (p *process) stop() {
	p.t.Helper()
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.t.Errorf("%s did not exit %s after SIGTERM; sending SIGKILL", p.name, stopTimeout)
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *process) kill() {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// dumpLog prints the end of the process's output into the test log.
func (p *process) dumpLog() {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		p.t.Logf("read log of %s: %v", p.name, err)
		return
	}
	const maxLog = 24 << 10
	if len(data) > maxLog {
		data = append([]byte("...\n"), data[len(data)-maxLog:]...)
	}
	p.t.Logf("---- output of %s (%s, exit: %v) ----\n%s\n---- end of %s ----",
		p.name, p.logPath, p.exitStatus(), data, p.name)
}

func (p *process) exitStatus() string {
	if !p.exited() {
		return "running"
	}
	if p.waitErr == nil {
		return "exit 0"
	}
	return p.waitErr.Error()
}

// waitReady polls url until it answers 200, the process exits or
// readyTimeout passes.
func (p *process) waitReady(url string) {
	p.t.Helper()
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: certs.clientTLS()},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(readyTimeout)
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if p.exited() {
			p.t.Fatalf("%s exited (%s) before %s was ready; last answer: %s", p.name, p.exitStatus(), url, last)
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s not ready at %s after %s; last answer: %s", p.name, url, readyTimeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processEnv is the environment every zones3 child gets on top of ours.
func processEnv(secret string) []string {
	env := []string{
		"ZONES3_ROOT_ACCESS_KEY=" + rootAccessKey,
		"ZONES3_ROOT_SECRET_KEY=" + rootSecretKey,
	}
	if secret != "" {
		env = append(env, "ZONES3_CLUSTER_SECRET="+secret)
	}
	return env
}

// server is a `zones3 server` process: one process holding three zone
// nodes and the gateway.
type server struct {
	t        testing.TB
	listen   string
	dataDir  string
	tls      bool
	endpoint string
	extra    []string
	proc     *process
	starts   int
}

// startServer starts `zones3 server` on a free port with a fresh data
// folder, over HTTPS when useTLS and with extraArgs, and waits until it is
// ready.
func startServer(t testing.TB, useTLS bool, extraArgs ...string) *server {
	t.Helper()
	s := &server{t: t, listen: freeAddr(t), dataDir: t.TempDir(), tls: useTLS, extra: extraArgs}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	s.endpoint = scheme + "://" + s.listen
	s.start()
	return s
}

func (s *server) start() {
	s.t.Helper()
	args := []string{"server", "--listen", s.listen, "--data", s.dataDir, "--region", testRegion}
	if s.tls {
		args = append(args, "--tls-cert", certs.serverCert, "--tls-key", certs.serverKey)
	}
	args = append(args, s.extra...)
	s.starts++
	s.proc = startProcess(s.t, fmt.Sprintf("server-%d", s.starts), processEnv(""), args...)
	s.proc.waitReady(s.endpoint + "/health/ready")
}

// restart starts the server again on the same address and data folder
// after it was stopped or killed.
func (s *server) restart() {
	s.t.Helper()
	if !s.proc.exited() {
		s.t.Fatalf("restart of a running server")
	}
	s.start()
}

// node is one `zones3 node` process of a cluster.
type node struct {
	id, zone string
	listen   string
	dataDir  string
	secret   string
	proc     *process
	starts   int
}

// cluster is three `zones3 node` processes in zones a, b and c and one
// `zones3 gateway` in front of them.
type cluster struct {
	t        testing.TB
	nodes    []*node
	gwListen string
	endpoint string
	gateway  *process
	gwStarts int
	// gwArgs are extra arguments of the gateway command.
	gwArgs []string
}

// startCluster starts three nodes (zone-a, zone-b, zone-c) and a gateway
// over plain HTTP, all with the same cluster secret, and waits until every
// one is ready. gatewayArgs are added to the gateway's command line.
func startCluster(t testing.TB, gatewayArgs ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, gwListen: freeAddr(t), gwArgs: gatewayArgs}
	c.endpoint = "http://" + c.gwListen
	for _, z := range []string{"a", "b", "c"} {
		n := &node{
			id:      "node-" + z,
			zone:    "zone-" + z,
			listen:  freeAddr(t),
			dataDir: t.TempDir(),
			secret:  clusterSecret,
		}
		c.nodes = append(c.nodes, n)
		c.startNode(n)
	}
	c.startGateway()
	return c
}

// startNode starts (or restarts) n with its current secret and waits until
// it is ready.
func (c *cluster) startNode(n *node) {
	c.t.Helper()
	n.starts++
	n.proc = startProcess(c.t, fmt.Sprintf("%s-%d", n.id, n.starts), processEnv(n.secret),
		"node", "--id", n.id, "--zone", n.zone, "--listen", n.listen, "--data", n.dataDir)
	n.proc.waitReady("http://" + n.listen + "/health/ready")
}

func (c *cluster) startGateway() {
	c.t.Helper()
	args := []string{"gateway", "--listen", c.gwListen}
	for _, n := range c.nodes {
		args = append(args, "--node", n.zone+"="+n.listen)
	}
	args = append(args, c.gwArgs...)
	c.gwStarts++
	c.gateway = startProcess(c.t, fmt.Sprintf("gateway-%d", c.gwStarts), processEnv(clusterSecret), args...)
	c.gateway.waitReady(c.endpoint + "/health/ready")
}

// testCertificates are the PEM files of a test certificate authority and of
// a server certificate for 127.0.0.1 and localhost that it signed.
type testCertificates struct {
	caCert     string
	serverCert string
	serverKey  string
	pool       *x509.CertPool
}

// clientTLS is the client configuration that trusts the test CA.
func (c testCertificates) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: c.pool}
}

// httpClient returns a plain net/http client that trusts the test CA.
func httpClient() *http.Client {
	return &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{TLSClientConfig: certs.clientTLS(), DisableCompression: true},
	}
}

// testContext is a context for one test's requests, cancelled at its end.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// runParallel calls fn(i) for i in [0, n) on workers goroutines and returns
// the first error.
func runParallel(n, workers int, fn func(i int) error) error {
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// errorsAs is errors.As with the target made here, for brevity in tests.
func errorsAs[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}
