package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestClusterHealAfterWipe replaces a node's disk with an empty one: the
// node is killed, its data folder wiped, and it starts again. `zones3
// admin heal` must then refill it and exit 0; with another node stopped
// afterwards every object still reads back byte for byte, which only the
// refilled node's shards make possible. A heal with a node down must fail
// and name the node.
func TestClusterHealAfterWipe(t *testing.T) {
	c := startCluster(t)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "heal-wipe"
	createBucket(ctx, t, client, bucket)
	objects := putTestObjects(ctx, t, client, bucket, "heal/", []int{0, 1, 4 << 10, 130 << 10, 1 << 20, 5<<20 + 3})
	const mpuKey = "heal/multipart"
	mpuData := randomBytes(5000, 11<<20+7)
	up := manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	if _, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(mpuKey), Body: bytes.NewReader(mpuData)}); err != nil {
		t.Fatalf("upload %s in parts: %v", mpuKey, err)
	}
	objects[mpuKey] = mpuData

	wiped := c.nodes[2]
	wiped.proc.kill()
	if err := os.RemoveAll(wiped.dataDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(wiped.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	c.startNode(wiped)
	c.waitNodeUp(wiped, true)

	out, code := runAdmin(t, c.endpoint, "heal")
	if code != 0 {
		t.Fatalf("admin heal after the wipe: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "every object holds all its records and shards") {
		t.Errorf("admin heal output:\n%s", out)
	}
	t.Logf("admin heal:\n%s", out)

	out, code = runAdmin(t, c.endpoint, "status")
	if code != 0 || !strings.Contains(out, "0 objects waiting") || strings.Contains(out, "DOWN") {
		t.Errorf("admin status after the heal: exit %d\n%s", code, out)
	}

	// Redundancy is back: without node-a, every read needs node-c's shards.
	stopped := c.nodes[0]
	stopped.proc.stop()
	c.waitNodeUp(stopped, false)
	checkAllObjects(ctx, t, client, bucket, "heal/", objects)

	out, code = runAdmin(t, c.endpoint, "status")
	if code != 0 || !strings.Contains(out, "DOWN") {
		t.Errorf("admin status with %s stopped: exit %d\n%s", stopped.id, code, out)
	}
	out, code = runAdmin(t, c.endpoint, "heal")
	if code != 1 || !strings.Contains(out, stopped.listen) {
		t.Errorf("admin heal with %s stopped: exit %d, want 1 and the node named\n%s", stopped.id, code, out)
	}
}

// runAdmin runs `zones3 admin ACTION` against endpoint with the root key
// and returns its output and exit code.
func runAdmin(t *testing.T, endpoint, action string) (string, int) {
	t.Helper()
	requireBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, "admin", action, "--endpoint", endpoint)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+rootAccessKey, "AWS_SECRET_ACCESS_KEY="+rootSecretKey)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := errorsAs[*exec.ExitError](err); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("zones3 admin %s: %v", action, err)
	}
	return string(out), code
}

// waitNodeUp waits until the gateway's probe sees n up (or down).
func (c *cluster) waitNodeUp(n *node, up bool) {
	c.t.Helper()
	want := fmt.Sprintf("zones3_node_up{node=%q,zone=%q} %d", n.listen, n.zone, map[bool]int{false: 0, true: 1}[up])
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := http.Get(c.endpoint + "/metrics")
		if err == nil {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if sc.Text() == want {
					resp.Body.Close()
					return
				}
			}
			resp.Body.Close()
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the gateway does not show %q within %s", want, readyTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
