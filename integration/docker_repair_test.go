package integration

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// How long the repair queues of the gateways may take to drain after a
// node is back (writes that missed it, repaired from the other nodes).
const dockerRepairWithin = 60 * time.Second

// testDockerVolumeReplaced replaces node-a's volume with an empty one, as
// a zone whose disk was swapped: the container is removed with its
// volume and created again. `zones3 admin heal` through gw1 must refill
// it and exit 0; then, with node-b killed, every acknowledged object must
// still read back byte for byte through gw2, which needs node-a's shards.
func testDockerVolumeReplaced(t *testing.T, image string) {
	c, s, clients := dockerSetup(t, image)
	ctx := testContext(t)

	if out, err := c.compose("rm", "--stop", "-f", "-v", "node-a"); err != nil {
		t.Fatalf("remove node-a: %v\n%s", err, out)
	}
	c.docker("volume", "rm", c.project+"_data-a")
	c.waitNodeUp("node-a:9100", false)
	// Writes while the zone is gone reach the two others and are queued.
	var during []dockerObject
	for i := range 6 {
		o, data := newDockerObject(fmt.Sprintf("replaced/%d", i), uint64(8000+i), dockerObjectSizes[i%len(dockerObjectSizes)])
		if err := dockerPut(ctx, clients[i%2], s.bucket, o, data); err != nil {
			t.Fatalf("PUT %s with node-a gone: %v", o.key, err)
		}
		during = append(during, o)
	}
	s.mu.Lock()
	s.live = append(s.live, during...)
	s.mu.Unlock()

	if out, err := c.compose("up", "-d", "--no-build", "node-a"); err != nil {
		t.Fatalf("recreate node-a with an empty volume: %v\n%s", err, out)
	}
	c.waitNodeUp("node-a:9100", true)
	start := time.Now()
	out, code := runAdmin(t, c.gw[0], "heal")
	t.Logf("zones3 admin heal (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
	if code != 0 || !strings.Contains(out, "every object holds all its records and shards") {
		t.Fatalf("admin heal after replacing node-a's volume: exit %d", code)
	}
	if out, code := runAdmin(t, c.gw[1], "status"); code != 0 || !strings.Contains(out, "node-a:9100") {
		t.Errorf("admin status via gw2: exit %d\n%s", code, out)
	}

	c.kill("node-b")
	c.waitNodeUp("node-b:9100", false)
	s.verifyAll(t, ctx, clients[1], "gw2 with node-b killed after node-a was refilled")
}

// testDockerRollingRestart restarts every container, one at a time
// (node-a, node-b, node-c, gw1, gw2), under load through both gateways,
// as an upgrade does. Before the next node goes, the operator's rule:
// the gateways' repair queues are empty again, so every object written
// while a node was away holds all its shards. No request may fail
// outside a short window around each restart, and no answer may be wrong.
func testDockerRollingRestart(t *testing.T, image string) {
	c, s, clients := dockerSetup(t, image)
	ctx := testContext(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.runLoad(ctx, clients, dockerWorkersPerGW, stop) })
	stopped := false
	defer func() {
		if !stopped {
			close(stop)
			wg.Wait()
		}
	}()

	var windows []dockerWindow
	time.Sleep(2 * time.Second)
	for _, node := range []string{"node-a", "node-b", "node-c"} {
		// Stopped and started apart, so that the time the node is away
		// is judged too: once the gateways route around it nothing may
		// fail until it is back.
		w := dockerWindow{what: "stop of " + node, from: time.Now()}
		c.docker("stop", "-t", "10", c.container(node))
		c.waitNodeUp(node+":9100", false)
		w.to = time.Now().Add(dockerDetectWindow)
		windows = append(windows, w)
		time.Sleep(dockerDetectWindow + 2*time.Second)
		w = dockerWindow{what: "start of " + node, from: time.Now()}
		c.docker("start", c.container(node))
		took := c.waitNodeUp(node+":9100", true)
		w.to = time.Now().Add(dockerDetectWindow)
		windows = append(windows, w)
		t.Logf("%s: both gateways saw it up %s after the start returned", node, took.Round(time.Millisecond))
		drained := time.Now()
		for gw := range c.gw {
			if err := c.waitQueueEmpty(gw, dockerRepairWithin); err != nil {
				t.Fatalf("after restarting %s: gw%d: %v", node, gw+1, err)
			}
		}
		t.Logf("%s: repair queues empty %s later", node, time.Since(drained).Round(time.Millisecond))
		time.Sleep(time.Second)
	}
	for gw, name := range []string{"gw1", "gw2"} {
		// A gateway's own clients fail while it is away (a load balancer
		// would send them to the other one); the other gateway's must not.
		w := dockerWindow{what: "restart of " + name, gw: gw + 1, from: time.Now()}
		c.docker("restart", "-t", "10", c.container(name))
		c.waitReady(gw)
		w.to = time.Now().Add(time.Second)
		windows = append(windows, w)
		time.Sleep(2 * time.Second)
	}
	close(stop)
	wg.Wait()
	stopped = true

	r := s.analyseWindows(windows)
	for _, w := range windows {
		t.Logf("%s: %s long, %d requests failed in it", w.what, w.to.Sub(w.from).Round(time.Millisecond), r.inWindow[w.what])
	}
	r.check(t, "rolling restart")
	s.verifyAll(t, ctx, clients[0], "gw1 after the rolling restart")
	s.verifyAll(t, ctx, clients[1], "gw2 after the rolling restart")
}

// dockerWindow is a span in which requests may fail: around the restart
// of a node (any gateway) or of a gateway (gw, 1 or 2: only its own).
type dockerWindow struct {
	what     string
	gw       int
	from, to time.Time
}

// windowReport is a loadReport with the failures counted per window.
type windowReport struct {
	loadReport
	inWindow map[string]int
}

// analyseWindows judges s's outcomes: a failure is allowed only for a
// request that overlapped a window; wrong data never.
func (s *dockerStore) analyseWindows(windows []dockerWindow) windowReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := windowReport{loadReport: loadReport{perOp: map[string][2]int{}}, inWindow: map[string]int{}}
	sort.Slice(s.outcomes, func(i, j int) bool { return s.outcomes[i].start.Before(s.outcomes[j].start) })
	for _, o := range s.outcomes {
		r.total++
		c := r.perOp[o.op]
		c[0]++
		if o.err != nil {
			c[1]++
			r.failed++
			allowed := false
			for _, w := range windows {
				if (w.gw == 0 || w.gw == o.gw+1) && o.end.After(w.from) && o.start.Before(w.to) {
					allowed = true
					r.detection = max(r.detection, o.end.Sub(w.from))
					r.inWindow[w.what]++
					break
				}
			}
			switch {
			case errors.Is(o.err, errWrongData):
				r.wrong++
				r.wrongOutcomes = append(r.wrongOutcomes, o)
			case !allowed:
				r.lateFailures = append(r.lateFailures, o)
			}
		} else {
			r.maxLatencyAfter = max(r.maxLatencyAfter, o.end.Sub(o.start))
		}
		r.perOp[o.op] = c
	}
	return r
}

// waitQueueEmpty waits until gateway gw's repair queue holds nothing.
func (c *composeCluster) waitQueueEmpty(gw int, within time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(within)
	last := "no answer"
	for {
		n, err := queueObjects(context.Background(), client, c.gw[gw])
		if err == nil && n == 0 {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%d objects queued", n)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("repair queue not empty within %s: %s", within, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// queueObjects reads zones3_repair_queue_objects from a gateway's /metrics.
func queueObjects(ctx context.Context, client *http.Client, endpoint string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "zones3_repair_queue_objects "); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, fmt.Errorf("no zones3_repair_queue_objects in %s/metrics", endpoint)
}
