package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Bounds of the docker and docker-compose commands the tests run.
const (
	dockerCmdTimeout  = 2 * time.Minute
	dockerReadyWithin = 60 * time.Second
)

// requireDocker skips the test when there is no Docker to run it with:
// under -short, without the docker or docker-compose commands, or when the
// daemon does not answer.
func requireDocker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("docker tests need a Docker daemon and minutes: skipped under -short")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker not available: no docker command on PATH")
	}
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Skip("docker not available: no docker-compose command on PATH")
	}
	if out, err := runCommand(30*time.Second, nil, "", "docker", "info", "--format", "{{.ServerVersion}}"); err != nil {
		t.Skipf("docker not available: docker info: %v: %s", err, strings.TrimSpace(out))
	}
}

// runCommand runs name with args in dir (the current folder when empty)
// with extra environment variables and returns its output: stdout alone
// when it succeeds, stdout and stderr when it fails.
func runCommand(timeout time.Duration, env []string, dir, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: timed out after %s", name, strings.Join(args, " "), timeout)
	} else if err != nil {
		err = fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	if err != nil {
		return out.String() + errOut.String(), err
	}
	return out.String(), nil
}

// randomSuffix is a random lowercase hex string of 2n characters, for
// names (image tags, compose projects) that must not collide with another
// run's.
func randomSuffix(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// buildDockerImage builds a static zones3 binary and, from a context
// folder holding only it and the repository's Dockerfile, an image with a
// unique tag, removed when the test ends.
func buildDockerImage(t *testing.T) string {
	t.Helper()
	requireBinary(t)
	ctxDir := t.TempDir()
	start := time.Now()
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(ctxDir, "zones3"), "./cmd/zones3")
	build.Dir = moduleDir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("static build of zones3: %v\n%s", err, out)
	}
	for _, name := range []string{"Dockerfile", ".dockerignore"} {
		data, err := os.ReadFile(filepath.Join(moduleDir, name))
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(ctxDir, name), data, 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	tag := "zones3test-" + randomSuffix(6) + ":test"
	if out, err := runCommand(dockerCmdTimeout, []string{"DOCKER_BUILDKIT=0"}, "", "docker", "build", "-q", "-t", tag, ctxDir); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := runCommand(dockerCmdTimeout, nil, "", "docker", "rmi", "-f", tag); err != nil {
			t.Logf("remove image %s: %v: %s", tag, err, out)
		}
	})
	t.Logf("built image %s in %s", tag, time.Since(start).Round(time.Millisecond))
	return tag
}

// composeCluster is the repository's docker-compose.yml brought up under a
// project name of its own: three nodes (node-a, node-b, node-c in zones
// a, b, c) and two gateways (gw1, gw2) published on loopback ports.
type composeCluster struct {
	t       *testing.T
	project string
	file    string
	env     []string
	// gw are the S3 endpoints of gw1 and gw2 on 127.0.0.1.
	gw [2]string
}

// startCompose brings the cluster up with image and waits until both
// gateways are ready. It is taken down, volumes and all, when the test
// ends.
func startCompose(t *testing.T, image string) *composeCluster {
	t.Helper()
	c := &composeCluster{
		t:       t,
		project: "zones3test" + randomSuffix(5),
		file:    filepath.Join(moduleDir, "docker-compose.yml"),
	}
	ports := [2]string{}
	for i := range ports {
		_, port, err := net.SplitHostPort(freeAddr(t))
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = port
		c.gw[i] = "http://127.0.0.1:" + port
	}
	c.env = []string{
		"ZONES3_IMAGE=" + image,
		"ZONES3_GW1_PORT=" + ports[0],
		"ZONES3_GW2_PORT=" + ports[1],
		"ZONES3_CLUSTER_SECRET=" + clusterSecret,
		"ZONES3_ROOT_ACCESS_KEY=" + rootAccessKey,
		"ZONES3_ROOT_SECRET_KEY=" + rootSecretKey,
	}
	t.Cleanup(c.down)
	if out, err := c.compose("up", "-d", "--no-build"); err != nil {
		t.Fatalf("docker-compose up: %v\n%s", err, out)
	}
	t.Logf("compose project %s up: gw1 %s, gw2 %s", c.project, c.gw[0], c.gw[1])
	c.waitReady(0)
	c.waitReady(1)
	return c
}

func (c *composeCluster) compose(args ...string) (string, error) {
	args = append([]string{"-f", c.file, "-p", c.project, "--ansi", "never"}, args...)
	return runCommand(dockerCmdTimeout, c.env, moduleDir, "docker-compose", args...)
}

// down prints the services' logs when the test failed and removes the
// containers, the network and the volumes.
func (c *composeCluster) down() {
	if c.t.Failed() {
		if out, err := c.compose("logs", "--no-color", "--tail", "150"); err == nil {
			c.t.Logf("---- docker-compose logs of %s ----\n%s", c.project, out)
		}
	}
	if out, err := c.compose("down", "-v", "--remove-orphans", "-t", "5"); err != nil {
		c.t.Errorf("docker-compose down: %v\n%s", err, out)
	}
}

// container is the ID of the one container of service.
func (c *composeCluster) container(service string) string {
	c.t.Helper()
	out, err := c.compose("ps", "-q", service)
	id := strings.TrimSpace(out)
	if err != nil || id == "" || strings.ContainsAny(id, " \n") {
		c.t.Fatalf("container of %s: %v: %q", service, err, out)
	}
	return id
}

// network is the name of the cluster's private network.
func (c *composeCluster) network() string {
	c.t.Helper()
	out, err := runCommand(dockerCmdTimeout, nil, "", "docker", "inspect", "-f",
		"{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}\n{{end}}", c.container("gw1"))
	if err != nil {
		c.t.Fatalf("inspect gw1: %v: %s", err, out)
	}
	for _, name := range strings.Fields(out) {
		if strings.HasPrefix(name, c.project) {
			return name
		}
	}
	c.t.Fatalf("no network of project %s on gw1: %q", c.project, out)
	return ""
}

// docker runs a docker command and fails the test when it fails.
func (c *composeCluster) docker(args ...string) {
	c.t.Helper()
	start := time.Now()
	if out, err := runCommand(dockerCmdTimeout, nil, "", "docker", args...); err != nil {
		c.t.Fatalf("%v: %s", err, out)
	}
	c.t.Logf("docker %s (%s)", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
}

// kill sends SIGKILL to the container of service.
func (c *composeCluster) kill(service string) {
	c.docker("kill", "--signal", "KILL", c.container(service))
}

// start starts the stopped container of service again.
func (c *composeCluster) start(service string) { c.docker("start", c.container(service)) }

// waitReady waits until gateway gw (0 or 1) answers 200 on /health/ready.
func (c *composeCluster) waitReady(gw int) {
	c.t.Helper()
	if err := c.waitHealth(gw, http.StatusOK, dockerReadyWithin); err != nil {
		c.t.Fatalf("gw%d: %v", gw+1, err)
	}
}

// waitHealth polls gateway gw's /health/ready until it answers status.
func (c *composeCluster) waitHealth(gw, status int, within time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	url := c.gw[gw] + "/health/ready"
	deadline := time.Now().Add(within)
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == status {
				return nil
			}
			last = fmt.Sprintf("%s %s", resp.Status, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %d within %s; last answer: %s", url, status, within, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// nodeUp reports gateway gw's zones3_node_up gauge of node (e.g.
// "node-a:9100") from its /metrics.
func (c *composeCluster) nodeUp(gw int, node string) (bool, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(c.gw[gw] + "/metrics")
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("/metrics: %s", resp.Status)
	}
	prefix := fmt.Sprintf("zones3_node_up{node=%q,", node)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, prefix) {
			return strings.HasSuffix(line, " 1"), nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	return false, fmt.Errorf("/metrics has no zones3_node_up of %s", node)
}

// waitNodeUp waits until both gateways' probes see node in state up and
// returns how long that took.
func (c *composeCluster) waitNodeUp(node string, up bool) time.Duration {
	c.t.Helper()
	start := time.Now()
	deadline := start.Add(dockerReadyWithin)
	for gw := range c.gw {
		for {
			got, err := c.nodeUp(gw, node)
			if err == nil && got == up {
				break
			}
			if time.Now().After(deadline) {
				c.t.Fatalf("gw%d does not see %s up=%v after %s (err %v)", gw+1, node, up, dockerReadyWithin, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return time.Since(start)
}
