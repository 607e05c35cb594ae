package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// dockerObjectSizes are the sizes the docker tests write: an inline
// object, one of a single erasure block and one of several blocks.
var dockerObjectSizes = []int{4 << 10, 300 << 10, 3 << 20}

// dockerRequestTimeout bounds every request of the docker tests: a
// request still running after it counts as failed (hung).
const dockerRequestTimeout = 30 * time.Second

// newDockerS3Client is an SDK client for endpoint that never retries, so
// that every failure the gateway answers is seen and counted.
func newDockerS3Client(t testing.TB, endpoint string) *s3.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(testRegion),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(rootAccessKey, rootSecretKey, "")),
		config.WithHTTPClient(awshttp.NewBuildableClient()),
	)
	if err != nil {
		t.Fatalf("load aws config: %v", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.Retryer = aws.NopRetryer{}
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

// dockerObject is an object the tests wrote: its bytes are
// randomBytes(seed, size).
type dockerObject struct {
	key  string
	seed uint64
	size int
	sum  [32]byte
}

func newDockerObject(key string, seed uint64, size int) (dockerObject, []byte) {
	data := randomBytes(seed, size)
	return dockerObject{key: key, seed: seed, size: size, sum: sha256.Sum256(data)}, data
}

// errWrongData marks an answer with the wrong content: the one outcome
// that is never allowed.
var errWrongData = errors.New("wrong data")

// dockerPut writes o's bytes under its key.
func dockerPut(ctx context.Context, c *s3.Client, bucket string, o dockerObject, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, dockerRequestTimeout)
	defer cancel()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(o.key), Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	return err
}

// dockerGet reads o and compares its bytes; a difference is errWrongData.
func dockerGet(ctx context.Context, c *s3.Client, bucket string, o dockerObject) error {
	ctx, cancel := context.WithTimeout(ctx, dockerRequestTimeout)
	defer cancel()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		return fmt.Errorf("read body of %s: %w", o.key, err)
	}
	if n != int64(o.size) || !bytes.Equal(h.Sum(nil), o.sum[:]) {
		return fmt.Errorf("%w: %s: got %d bytes (sha256 %x), want %d bytes (sha256 %x)",
			errWrongData, o.key, n, h.Sum(nil), o.size, o.sum)
	}
	return nil
}

// isNotFound reports whether err is S3's answer for a missing key.
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// statusOf is the HTTP status of an S3 error answer and its code, or 0
// when err is no answer of the server (a broken connection, a timeout).
func statusOf(err error) (int, string) {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return 0, ""
	}
	code := ""
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return re.HTTPStatusCode(), code
}

// dockerOutcome is one request of a load run.
type dockerOutcome struct {
	op         string // GET, PUT, LIST, DELETE
	gw         int
	key        string
	start, end time.Time
	err        error
}

// dockerStore is the objects of a load run: live ones (never deleted, GET
// may read them), deletable ones (written during the run, DELETE takes
// them), deleted ones (DELETE acknowledged) and those a failed DELETE left
// in an unknown state.
type dockerStore struct {
	bucket string

	mu        sync.Mutex
	live      []dockerObject
	deletable []dockerObject
	deleted   []dockerObject
	unknown   []dockerObject
	nextSeed  uint64
	outcomes  []dockerOutcome
	listKeys  []string // keys of the initial objects, which LIST must always show
}

func (s *dockerStore) record(o dockerOutcome) {
	s.mu.Lock()
	s.outcomes = append(s.outcomes, o)
	s.mu.Unlock()
}

// writeInitial writes count objects of each of dockerObjectSizes under
// prefix "init/" through c.
func (s *dockerStore) writeInitial(t *testing.T, ctx context.Context, c *s3.Client, count int) {
	t.Helper()
	var objs []dockerObject
	for i := 0; i < count; i++ {
		for _, size := range dockerObjectSizes {
			objs = append(objs, dockerObject{key: fmt.Sprintf("init/%03d-%d", len(objs), size), seed: uint64(1000 + len(objs)), size: size})
		}
	}
	err := runParallel(len(objs), 4, func(i int) error {
		o, data := newDockerObject(objs[i].key, objs[i].seed, objs[i].size)
		objs[i] = o
		if err := dockerPut(ctx, c, s.bucket, o, data); err != nil {
			return fmt.Errorf("put %s: %w", o.key, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write initial objects: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live = append(s.live, objs...)
	for _, o := range objs {
		s.listKeys = append(s.listKeys, o.key)
	}
	s.nextSeed = 1 << 20
}

// runLoad runs a mixed load on workersPerGW workers per gateway until
// stop is closed: GETs of live objects (bytes verified), PUTs of new
// objects, LISTs of the initial objects (every one must be listed) and
// DELETEs of objects written during the run.
func (s *dockerStore) runLoad(ctx context.Context, clients []*s3.Client, workersPerGW int, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for gw, c := range clients {
		for w := 0; w < workersPerGW; w++ {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(gw), uint64(w)))
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					s.oneRequest(ctx, c, gw, fmt.Sprintf("load/gw%d-w%d-%05d", gw+1, w, n), rng)
				}
			})
		}
	}
	wg.Wait()
}

func (s *dockerStore) oneRequest(ctx context.Context, c *s3.Client, gw int, newKey string, rng *rand.Rand) {
	p := rng.IntN(100)
	s.mu.Lock()
	var op string
	var target dockerObject
	switch {
	case p < 15 && len(s.deletable) > 0:
		op = "DELETE"
		i := rng.IntN(len(s.deletable))
		target = s.deletable[i]
		s.deletable = append(s.deletable[:i], s.deletable[i+1:]...)
	case p < 40:
		op = "PUT"
		s.nextSeed++
		target = dockerObject{key: newKey, seed: s.nextSeed, size: dockerObjectSizes[rng.IntN(len(dockerObjectSizes))]}
	case p < 50:
		op = "LIST"
	default:
		op = "GET"
		target = s.live[rng.IntN(len(s.live))]
	}
	s.mu.Unlock()

	out := dockerOutcome{op: op, gw: gw, key: target.key, start: time.Now()}
	switch op {
	case "DELETE":
		dctx, cancel := context.WithTimeout(ctx, dockerRequestTimeout)
		_, out.err = c.DeleteObject(dctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(target.key)})
		cancel()
		s.mu.Lock()
		if out.err == nil {
			s.deleted = append(s.deleted, target)
		} else {
			s.unknown = append(s.unknown, target)
		}
		s.mu.Unlock()
	case "PUT":
		o, data := newDockerObject(target.key, target.seed, target.size)
		out.err = dockerPut(ctx, c, s.bucket, o, data)
		if out.err == nil {
			s.mu.Lock()
			if rng.IntN(2) == 0 {
				s.live = append(s.live, o)
			} else {
				s.deletable = append(s.deletable, o)
			}
			s.mu.Unlock()
		}
	case "LIST":
		out.err = s.listInitial(ctx, c)
	case "GET":
		out.err = dockerGet(ctx, c, s.bucket, target)
	}
	out.end = time.Now()
	s.record(out)
}

// listInitial lists prefix "init/" and checks that every initial object
// is there; a missing one is errWrongData.
func (s *dockerStore) listInitial(ctx context.Context, c *s3.Client) error {
	ctx, cancel := context.WithTimeout(ctx, dockerRequestTimeout)
	defer cancel()
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String("init/")})
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, o := range out.Contents {
		got[aws.ToString(o.Key)] = true
	}
	s.mu.Lock()
	want := s.listKeys
	s.mu.Unlock()
	var missing []string
	for _, k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 || len(got) != len(want) {
		return fmt.Errorf("%w: LIST init/ gave %d keys, want %d; missing %v", errWrongData, len(got), len(want), missing)
	}
	return nil
}

// loadReport is the verdict on a load run around an event (a kill, a
// partition) at eventAt.
type loadReport struct {
	total, failed, wrong int
	perOp                map[string][2]int // op → {requests, failures}
	detection            time.Duration     // from the event to the end of the last failed request
	lateFailures         []dockerOutcome   // failures of requests started after the window
	earlyFailures        []dockerOutcome   // failures of requests started before the event
	wrongOutcomes        []dockerOutcome
	maxLatencyAfter      time.Duration // the slowest request started after the window
}

// analyse judges s's outcomes against an event at eventAt with a
// detection window after it.
func (s *dockerStore) analyse(eventAt time.Time, window time.Duration) loadReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := loadReport{perOp: map[string][2]int{}}
	sort.Slice(s.outcomes, func(i, j int) bool { return s.outcomes[i].start.Before(s.outcomes[j].start) })
	for _, o := range s.outcomes {
		r.total++
		c := r.perOp[o.op]
		c[0]++
		afterWindow := o.start.After(eventAt.Add(window))
		if afterWindow {
			r.maxLatencyAfter = max(r.maxLatencyAfter, o.end.Sub(o.start))
		}
		if o.err != nil {
			c[1]++
			r.failed++
			if errors.Is(o.err, errWrongData) {
				r.wrong++
				r.wrongOutcomes = append(r.wrongOutcomes, o)
			}
			switch {
			case o.start.Before(eventAt):
				r.earlyFailures = append(r.earlyFailures, o)
			case afterWindow:
				r.lateFailures = append(r.lateFailures, o)
			}
			if d := o.end.Sub(eventAt); d > r.detection {
				r.detection = d
			}
		}
		r.perOp[o.op] = c
	}
	return r
}

// check fails t for wrong data and for failures outside the window, and
// logs the run's numbers.
func (r loadReport) check(t *testing.T, what string) {
	t.Helper()
	var ops []string
	for op, c := range r.perOp {
		ops = append(ops, fmt.Sprintf("%s %d/%d failed", op, c[1], c[0]))
	}
	sort.Strings(ops)
	t.Logf("%s: %d requests, %d failed (%s); detection time %s (event to the end of the last failed request); slowest request after the window %s",
		what, r.total, r.failed, strings.Join(ops, ", "), r.detection.Round(time.Millisecond), r.maxLatencyAfter.Round(time.Millisecond))
	report := func(kind string, list []dockerOutcome) {
		for i, o := range list {
			if i == 10 {
				t.Errorf("... and %d more %s", len(list)-10, kind)
				break
			}
			t.Errorf("%s: %s %s via gw%d at %s (took %s): %v", kind, o.op, o.key, o.gw+1,
				o.start.Format("15:04:05.000"), o.end.Sub(o.start).Round(time.Millisecond), o.err)
		}
	}
	report("wrong answer", r.wrongOutcomes)
	report("failure before the event", r.earlyFailures)
	report("failure after the detection window", r.lateFailures)
	if r.total == 0 {
		t.Errorf("%s: no requests ran", what)
	}
}

// verifyAll reads back through c every object acknowledged and not
// deleted, byte for byte, and checks that acknowledged deletes stay
// deleted. Objects a failed DELETE touched must either be gone or whole.
func (s *dockerStore) verifyAll(t *testing.T, ctx context.Context, c *s3.Client, via string) {
	t.Helper()
	s.mu.Lock()
	live := append(append([]dockerObject(nil), s.live...), s.deletable...)
	deleted := append([]dockerObject(nil), s.deleted...)
	unknown := append([]dockerObject(nil), s.unknown...)
	s.mu.Unlock()
	err := runParallel(len(live), 4, func(i int) error { return dockerGet(ctx, c, s.bucket, live[i]) })
	if err != nil {
		t.Errorf("read back of %d acknowledged objects via %s: %v", len(live), via, err)
	}
	for _, o := range deleted {
		if err := dockerGet(ctx, c, s.bucket, o); !isNotFound(err) {
			t.Errorf("GET of %s after its acknowledged DELETE via %s: want NoSuchKey, got %v", o.key, via, err)
		}
	}
	for _, o := range unknown {
		if err := dockerGet(ctx, c, s.bucket, o); err != nil && !isNotFound(err) {
			t.Errorf("GET of %s after a failed DELETE via %s: want the object or NoSuchKey, got %v", o.key, via, err)
		}
	}
	t.Logf("read back via %s: %d objects whole, %d deleted ones gone, %d after failed deletes checked",
		via, len(live), len(deleted), len(unknown))
}
