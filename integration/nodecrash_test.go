package integration

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// loadObjectSizes are the sizes the writers pick from: a small inline
// object, one just under the inline limit, and two whose shards live in
// files (one block and several blocks).
var loadObjectSizes = []int{1 << 10, 100 << 10, 700 << 10, 3 << 20}

const (
	// loadDuration is how long the writers run while nodes are killed.
	loadDuration = 20 * time.Second
	// loadWriters is how many PUTs are in flight at once.
	loadWriters = 8
	// putTimeout bounds one PUT, retries included; a PUT that runs out of
	// it has an unknown outcome.
	putTimeout = 15 * time.Second
	// settleTimeout is how long a read that answers 503 is retried after
	// the load: the gateway re-probes a node that came back.
	settleTimeout = 10 * time.Second
)

// loadWrite is what a writer knows about one PUT it sent.
type loadWrite struct {
	key    string
	size   int
	sum    [32]byte
	acked  bool
	putErr error
}

// TestNodeCrashUnderLoad runs concurrent writers through the gateway while
// nodes are killed with SIGKILL and restarted on the same data folder, one
// at a time. Afterwards every acknowledged object must read back byte for
// byte and be listed, and an object whose PUT failed must be either absent
// or whole: never partial, never other bytes. ZONES3_CHAOS_SEED replays a
// run's choices of sizes, contents, victims and pauses.
func TestNodeCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills nodes under load for about 20 s")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ZONES3_CHAOS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ZONES3_CHAOS_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("chaos seed %d (rerun with ZONES3_CHAOS_SEED=%d)", seed, seed)

	c := startCluster(t)
	client := newS3Client(t, c.endpoint, rootSecretKey)
	// Half the writers do not retry, so that failed PUTs, and what they
	// leave behind, are part of the run.
	noRetryClient := s3.New(client.Options(), func(o *s3.Options) { o.Retryer = aws.NopRetryer{} })
	ctx := testContext(t)
	const bucket = "node-crash-load"
	createBucket(ctx, t, client, bucket)

	// The writers run in their own goroutines; the kills happen on the test
	// goroutine, since restarting a node may fail the test.
	stop := make(chan struct{})
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		writes []loadWrite
	)
	for w := 0; w < loadWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			writer := client
			if w%2 == 1 {
				writer = noRetryClient
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				size := loadObjectSizes[rng.IntN(len(loadObjectSizes))]
				key := fmt.Sprintf("load/w%d/%05d-%d", w, i, size)
				data := randomBytes(rng.Uint64(), size)
				wr := loadWrite{key: key, size: size, sum: sha256.Sum256(data)}
				putCtx, cancel := context.WithTimeout(ctx, putTimeout)
				_, wr.putErr = putObject(putCtx, writer, bucket, key, data)
				cancel()
				wr.acked = wr.putErr == nil
				mu.Lock()
				writes = append(writes, wr)
				mu.Unlock()
			}
		}()
	}
	stopWriters := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	// Should a restart fail the test, the writers still stop before the
	// processes are killed.
	defer stopWriters()

	chaos := rand.New(rand.NewPCG(seed, 1<<32))
	kills := 0
	loadEnd := time.Now().Add(loadDuration)
	for {
		time.Sleep(time.Second + time.Duration(chaos.Int64N(int64(2*time.Second))))
		if time.Now().After(loadEnd) {
			break
		}
		victim := c.nodes[chaos.IntN(len(c.nodes))]
		down := 500*time.Millisecond + time.Duration(chaos.Int64N(int64(1500*time.Millisecond)))
		t.Logf("kill -9 %s (pid %d), restart in %s", victim.id, victim.proc.cmd.Process.Pid, down)
		victim.proc.kill()
		kills++
		time.Sleep(down)
		c.startNode(victim)
	}
	stopWriters()

	var acked, failed []loadWrite
	for _, wr := range writes {
		if wr.acked {
			acked = append(acked, wr)
		} else {
			failed = append(failed, wr)
		}
	}
	t.Logf("%d PUTs: %d acknowledged, %d failed or unknown; %d kills", len(writes), len(acked), len(failed), kills)
	for i, wr := range failed {
		if i == 5 {
			t.Logf("... and %d more failed PUTs", len(failed)-i)
			break
		}
		t.Logf("failed PUT %s (%d bytes): %v", wr.key, wr.size, wr.putErr)
	}
	if len(acked) == 0 {
		t.Fatalf("no PUT was acknowledged in %s with one node down at most", loadDuration)
	}

	// Every node is up again. Read everything back.
	type readResult struct {
		found bool
		size  int
		sum   [32]byte
		err   error
	}
	results := make([]readResult, len(writes))
	runParallel(len(writes), 4, func(i int) error {
		data, err := getSettled(ctx, client, bucket, writes[i].key)
		switch {
		case err == nil:
			results[i] = readResult{found: true, size: len(data), sum: sha256.Sum256(data)}
		case errorCode(err) == "NoSuchKey":
		default:
			results[i] = readResult{err: err}
		}
		return nil
	})
	for i, wr := range writes {
		r := results[i]
		switch {
		case r.err != nil:
			t.Errorf("get %s (%d bytes, PUT acknowledged %v): %v", wr.key, wr.size, wr.acked, r.err)
		case wr.acked && !r.found:
			t.Errorf("LOST ACKNOWLEDGED WRITE: get %s (%d bytes): NoSuchKey", wr.key, wr.size)
		case r.found && (r.size != wr.size || r.sum != wr.sum):
			t.Errorf("WRONG DATA: get %s (PUT acknowledged %v): %d bytes with sha256 %x, sent %d bytes with sha256 %x",
				wr.key, wr.acked, r.size, r.sum[:8], wr.size, wr.sum[:8])
		}
	}
	foundFailed := 0
	for i, wr := range writes {
		if !wr.acked && results[i].found {
			foundFailed++
		}
	}
	t.Logf("%d of %d failed PUTs are readable, whole", foundFailed, len(failed))

	listed := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("load/")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list load/: %v", err)
		}
		for _, o := range out.Contents {
			listed[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	sent := map[string]int{}
	for i, wr := range writes {
		sent[wr.key] = i
		size, ok := listed[wr.key]
		switch {
		case wr.acked && !ok:
			t.Errorf("list: acknowledged %s (%d bytes) is not listed", wr.key, wr.size)
		case ok && size != int64(wr.size):
			t.Errorf("list: %s (PUT acknowledged %v) listed with %d bytes, sent %d", wr.key, wr.acked, size, wr.size)
		case ok && !results[i].found:
			t.Errorf("list: %s (PUT acknowledged %v) is listed but its GET found nothing", wr.key, wr.acked)
		}
	}
	var strangers []string
	for key := range listed {
		if _, ok := sent[key]; !ok {
			strangers = append(strangers, key)
		}
	}
	sort.Strings(strangers)
	if len(strangers) > 0 {
		t.Errorf("list: %d keys nobody wrote, such as %s", len(strangers), strangers[0])
	}
}

// getSettled reads a whole object, retrying for settleTimeout while the
// gateway answers 503 Service Unavailable.
func getSettled(ctx context.Context, client *s3.Client, bucket, key string) ([]byte, error) {
	deadline := time.Now().Add(settleTimeout)
	for {
		data, _, err := getObject(ctx, client, bucket, key)
		if err == nil || httpStatus(err) != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return data, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
