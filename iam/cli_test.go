package iam

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestAWSCLI checks Verify against botocore, the signer of the aws CLI:
// s3api calls (SigV4 header) and `aws s3 presign` URLs, which the CLI signs
// with SigV2 by default and with SigV4 when the profile asks for s3v4.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the aws CLI")
	}
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not installed")
	}
	srv := newVerifyServer(t, false)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	const bucket = "zones3-bucket"
	const key = "a b/c+d=e~f ключ (1).txt"
	dir := t.TempDir()

	// Each CLI start costs a second or more of CPU: start them together.
	run := func(name, config string, args ...string) (string, error) {
		cfg := filepath.Join(dir, name+".config")
		if err := os.WriteFile(cfg, []byte("[default]\n"+config), 0o600); err != nil {
			return "", err
		}
		cmd := exec.Command(awsCLI, args...)
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env,
			"AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecretKey,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+cfg,
			"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	endpoint := "http://127.0.0.1:" + port
	body := filepath.Join(dir, "body")
	if err := os.WriteFile(body, []byte("zones3 body\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	presigns := []struct {
		name, config, endpoint string
		method                 AuthMethod
	}{
		{"presign-path", "", endpoint, AuthV2Query},
		{"presign-virtual", "s3 =\n  addressing_style = virtual\n", "http://s3.zones3.test:" + port, AuthV2Query},
		{"presign-s3v4", "s3 =\n  signature_version = s3v4\n", endpoint, AuthV4Query},
	}
	urls := make([]string, len(presigns))
	var g errgroup
	g.Go(func() error {
		_, err := run("put", "", "s3api", "put-object", "--endpoint-url", endpoint, "--bucket", bucket, "--key", key, "--body", body)
		return err
	})
	for i, p := range presigns {
		g.Go(func() (err error) {
			urls[i], err = run(p.name, p.config, "s3", "presign", "s3://"+bucket+"/"+key, "--endpoint-url", p.endpoint, "--expires-in", "600")
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	check := func(op string, method AuthMethod) {
		t.Helper()
		seen := srv.take()
		if len(seen) == 0 {
			t.Fatalf("%s: no request reached the server", op)
		}
		for _, s := range seen {
			if s.err != nil || s.auth.Method != method || !s.bodyHashOK || s.path != "/"+bucket+"/"+key && s.path != "/"+key {
				t.Fatalf("%s: %s %s: auth %+v, err %v", op, s.method, s.path, s.auth, s.err)
			}
		}
	}
	check("s3api put-object", AuthV4Header)
	for i, p := range presigns {
		srv.do(t, "GET", urls[i], nil, "")
		check(p.name, p.method)
	}
}

// errgroup runs functions concurrently and keeps the first error.
type errgroup struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
}

func (g *errgroup) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.mu.Lock()
			if g.err == nil {
				g.err = err
			}
			g.mu.Unlock()
		}
	}()
}

func (g *errgroup) Wait() error {
	g.wg.Wait()
	return g.err
}
