package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The shape of the load runs of the docker tests.
const (
	dockerLoadFor      = 30 * time.Second // length of a mixed load run
	dockerEventAfter   = 5 * time.Second  // when the zone is lost in it
	dockerDetectWindow = 5 * time.Second  // failures allowed after the loss
	dockerWorkersPerGW = 3
	dockerInitialEach  = 6 // initial objects of each size
)

// TestDocker runs zones3 as the repository's Dockerfile and
// docker-compose.yml build and describe it: three storage nodes, one per
// zone, and two gateways, as containers on a private network. It loses
// zones the ways a real deployment does (a SIGKILLed container, a network
// partition) under load, and checks that no answer is ever wrong, that the
// gateways route around the loss within a few seconds, and that every
// acknowledged write survives; it replaces a zone's volume with an empty
// one and heals it, and restarts every container one at a time under
// load. The test talks only to the gateways' published loopback ports
// (and runs `zones3 admin` against them). The image is built once for
// all subtests.
func TestDocker(t *testing.T) {
	requireDocker(t)
	image := buildDockerImage(t)
	t.Run("ZoneLoss", func(t *testing.T) { testDockerZoneLoss(t, image) })
	t.Run("Partition", func(t *testing.T) { testDockerPartition(t, image) })
	t.Run("TwoZonesDown", func(t *testing.T) { testDockerTwoZonesDown(t, image) })
	t.Run("VolumeReplaced", func(t *testing.T) { testDockerVolumeReplaced(t, image) })
	t.Run("RollingRestart", func(t *testing.T) { testDockerRollingRestart(t, image) })
}

// dockerSetup brings up a cluster, creates a bucket and writes the initial
// objects through gw1.
func dockerSetup(t *testing.T, image string) (*composeCluster, *dockerStore, []*s3.Client) {
	t.Helper()
	c := startCompose(t, image)
	clients := []*s3.Client{newDockerS3Client(t, c.gw[0]), newDockerS3Client(t, c.gw[1])}
	s := &dockerStore{bucket: "zone-loss"}
	ctx := testContext(t)
	cctx, cancel := context.WithTimeout(ctx, dockerRequestTimeout)
	defer cancel()
	if _, err := clients[0].CreateBucket(cctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	s.writeInitial(t, ctx, clients[0], dockerInitialEach)
	return c, s, clients
}

// loadAround runs the mixed load for dockerLoadFor, calls event
// dockerEventAfter into it and, when given, heal three times as long
// after the event.
func loadAround(t *testing.T, s *dockerStore, clients []*s3.Client, event, heal func()) {
	t.Helper()
	ctx := testContext(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.runLoad(ctx, clients, dockerWorkersPerGW, stop) })
	// Stopped on return, also when event or heal failed the test.
	defer func() {
		close(stop)
		wg.Wait()
	}()
	start := time.Now()
	time.Sleep(dockerEventAfter)
	event()
	if heal != nil {
		time.Sleep(3 * dockerEventAfter)
		heal()
	}
	time.Sleep(time.Until(start.Add(dockerLoadFor)))
}

// testDockerZoneLoss SIGKILLs node-a's container under load through both
// gateways, then starts it again and checks it takes shards again.
func testDockerZoneLoss(t *testing.T, image string) {
	c, s, clients := dockerSetup(t, image)
	ctx := testContext(t)

	var killedAt time.Time
	loadAround(t, s, clients, func() {
		// The kill is timed from when it is sent: docker kill returns
		// once the container is gone.
		killedAt = time.Now()
		c.kill("node-a")
		c.waitNodeUp("node-a:9100", false)
		t.Logf("both gateways' probes saw node-a down %s after the kill", time.Since(killedAt).Round(time.Millisecond))
	}, nil)
	s.analyse(killedAt, dockerDetectWindow).check(t, "node-a killed")
	s.verifyAll(t, ctx, clients[1], "gw2 with node-a down")

	// node-a comes back with its volume; both gateways must see it and
	// place shards on it again.
	c.start("node-a")
	c.waitNodeUp("node-a:9100", true)
	c.waitReady(0)
	c.waitReady(1)
	// A node that was down is tried again at the next probe, a second
	// later: keep writing for a few seconds so the last objects are placed
	// with node-a up.
	var rejoined []dockerObject
	for i := 0; i < 6; i++ {
		o, data := newDockerObject(fmt.Sprintf("rejoin/%d", i), uint64(9000+i), 300<<10)
		if err := dockerPut(ctx, clients[i%2], s.bucket, o, data); err != nil {
			t.Fatalf("PUT %s via gw%d after node-a came back: %v", o.key, i%2+1, err)
		}
		if err := dockerGet(ctx, clients[(i+1)%2], s.bucket, o); err != nil {
			t.Fatalf("GET %s via gw%d after node-a came back: %v", o.key, (i+1)%2+1, err)
		}
		rejoined = append(rejoined, o)
		time.Sleep(500 * time.Millisecond)
	}
	// The last of them must be readable with node-b gone, so node-a
	// holds a shard of it.
	c.kill("node-b")
	c.waitNodeUp("node-b:9100", false)
	last := rejoined[len(rejoined)-1]
	var err error
	for deadline := time.Now().Add(dockerDetectWindow * 2); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if err = dockerGet(ctx, clients[0], s.bucket, last); err == nil {
			break
		}
	}
	if err != nil {
		t.Errorf("GET %s with node-b down: %v; node-a does not hold its shard, so the gateway did not use it again", last.key, err)
	}
	c.start("node-b")
	c.waitNodeUp("node-b:9100", true)
	s.mu.Lock()
	s.live = append(s.live, rejoined...)
	s.mu.Unlock()
	s.verifyAll(t, ctx, clients[0], "gw1 with all nodes back")
}

// testDockerPartition cuts node-b off the network under load and joins it
// again later.
func testDockerPartition(t *testing.T, image string) {
	c, s, clients := dockerSetup(t, image)
	ctx := testContext(t)
	network := c.network()
	nodeB := c.container("node-b")

	var cutAt time.Time
	loadAround(t, s, clients, func() {
		cutAt = time.Now()
		c.docker("network", "disconnect", network, nodeB)
		c.waitNodeUp("node-b:9100", false)
		t.Logf("both gateways' probes saw node-b down %s after the disconnect", time.Since(cutAt).Round(time.Millisecond))
	}, func() {
		// The service name is the node's address; a reconnected
		// container gets it back only as an explicit alias.
		c.docker("network", "connect", "--alias", "node-b", network, nodeB)
	})
	s.analyse(cutAt, dockerDetectWindow).check(t, "node-b partitioned")
	c.waitNodeUp("node-b:9100", true)
	s.verifyAll(t, ctx, clients[1], "gw2 after node-b rejoined")
	s.verifyAll(t, ctx, clients[0], "gw1 after node-b rejoined")
}

// testDockerTwoZonesDown kills two of the three nodes: no read or write
// quorum is left, so every GET and PUT must fail with 503 (and never
// answer wrong data); once they are back, every acknowledged object is.
func testDockerTwoZonesDown(t *testing.T, image string) {
	c, s, clients := dockerSetup(t, image)
	ctx := testContext(t)

	c.kill("node-a")
	c.kill("node-b")

	var failedPuts []dockerObject
	answers := map[string]int{} // "status code" → count
	check := func(what string, err error) {
		t.Helper()
		status, code := statusOf(err)
		answers[fmt.Sprintf("%d %s", status, code)]++
		switch {
		case err == nil:
			t.Errorf("%s with two of three nodes down succeeded; want 503", what)
		case errors.Is(err, errWrongData):
			t.Errorf("%s with two of three nodes down: %v", what, err)
		case status != http.StatusServiceUnavailable:
			t.Errorf("%s with two of three nodes down: want 503 ServiceUnavailable or SlowDown, got status %d code %q: %v", what, status, code, err)
		}
	}
	start := time.Now()
	for i := 0; time.Since(start) < 8*time.Second; i++ {
		gw := i % 2
		s.mu.Lock()
		o := s.live[i%len(s.live)]
		s.mu.Unlock()
		t0 := time.Now()
		check(fmt.Sprintf("GET %s via gw%d", o.key, gw+1), dockerGet(ctx, clients[gw], s.bucket, o))
		getTook := time.Since(t0)
		p, data := newDockerObject(fmt.Sprintf("down/%03d", i), uint64(7000+i), dockerObjectSizes[i%len(dockerObjectSizes)])
		t0 = time.Now()
		err := dockerPut(ctx, clients[gw], s.bucket, p, data)
		check(fmt.Sprintf("PUT %s via gw%d", p.key, gw+1), err)
		if err != nil {
			failedPuts = append(failedPuts, p)
		}
		if i == 0 {
			t.Logf("first GET after the kills took %s, first PUT %s", getTook.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
		}
		time.Sleep(200 * time.Millisecond)
	}

	t.Logf("answers with two nodes down (status code → count): %v", answers)
	for gw := range c.gw {
		if err := c.waitHealth(gw, http.StatusServiceUnavailable, 10*time.Second); err != nil {
			t.Errorf("gw%d with two nodes down: %v", gw+1, err)
		}
	}

	c.start("node-a")
	c.start("node-b")
	c.waitReady(0)
	c.waitReady(1)
	c.waitNodeUp("node-a:9100", true)
	c.waitNodeUp("node-b:9100", true)
	// The readiness probe does not tell the data path's node health
	// that the nodes are back: that learns it by trying a down node again,
	// one request per retry interval, so requests keep failing for a
	// while after /health/ready is 200 again.
	readyAt := time.Now()
	for gw, client := range clients {
		o := s.live[0]
		var err error
		for deadline := readyAt.Add(dockerReadyWithin); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if err = dockerGet(ctx, client, s.bucket, o); err == nil || errors.Is(err, errWrongData) {
				break
			}
		}
		if err != nil {
			t.Fatalf("GET %s via gw%d after the nodes came back: %v", o.key, gw+1, err)
		}
		t.Logf("gw%d served GETs again %s after it was ready", gw+1, time.Since(readyAt).Round(time.Millisecond))
	}
	s.verifyAll(t, ctx, clients[0], "gw1 after the two nodes came back")
	s.verifyAll(t, ctx, clients[1], "gw2 after the two nodes came back")
	// A PUT that failed may or may not have left its object, but never a
	// wrong one.
	for _, p := range failedPuts {
		if err := dockerGet(ctx, clients[1], s.bucket, p); err != nil && !isNotFound(err) {
			t.Errorf("GET %s, whose PUT failed: want the object or NoSuchKey, got %v", p.key, err)
		}
	}
}
