package gateway

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/zones3/zones3/lifecycle"
)

// lifecycleEnv is a test gateway whose lifecycle day is an hour and whose
// clock (for what is due) the test moves.
type lifecycleEnv struct {
	*testEnv
	mu  sync.Mutex
	now time.Time
}

func newLifecycleEnv(t *testing.T) *lifecycleEnv {
	e := &lifecycleEnv{testEnv: newEnv(t), now: time.Now()}
	h := e.srv.Config.Handler.(*handler)
	h.lifecycles.day = time.Hour
	h.lifecycles.now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.now
	}
	return e
}

func (e *lifecycleEnv) setNow(t time.Time) {
	e.mu.Lock()
	e.now = t
	e.mu.Unlock()
}

// wantExpiration is the header a rule of days (hour-long) days gives a
// version created at mod: the boundary at or after mod + days.
func wantExpiration(mod time.Time, days int, rule string) string {
	at := mod.Add(time.Duration(days) * time.Hour)
	if t := at.Truncate(time.Hour); !t.Equal(at) {
		at = t.Add(time.Hour)
	}
	return lifecycle.ExpirationHeader(at, rule)
}

func TestExpirationHeadersAndDueObjects(t *testing.T) {
	e := newLifecycleEnv(t)
	e.mkbucket("lcb")
	_, err := e.client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("lcb"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{
			{
				ID: aws.String("tmp"), Status: s3types.ExpirationStatusEnabled,
				Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
				Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)},
			},
			{
				ID: aws.String("scratch tag"), Status: s3types.ExpirationStatusEnabled,
				Filter:     &s3types.LifecycleRuleFilter{Tag: &s3types.Tag{Key: aws.String("class"), Value: aws.String("scratch")}},
				Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(3)},
			},
			{
				ID: aws.String("off"), Status: s3types.ExpirationStatusDisabled,
				Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("keep/")},
				Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)},
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}

	// PUT answers with the expiration of the new version.
	tmp := e.put("lcb", "tmp/a", []byte("a"))
	keep := e.put("lcb", "keep/b", []byte("b"))
	if keep.Expiration != nil {
		t.Errorf("PUT keep/b: x-amz-expiration %q, want none (its rule is disabled)", *keep.Expiration)
	}
	tagged, err := e.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("lcb"), Key: aws.String("keep/tagged"), Body: bytes.NewReader([]byte("t")),
		Tagging: aws.String("class=scratch"),
	})
	if err != nil {
		t.Fatal(err)
	}

	head := func(key string) (*s3.HeadObjectOutput, error) {
		return e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lcb"), Key: aws.String(key)})
	}
	h, err := head("tmp/a")
	if err != nil {
		t.Fatal(err)
	}
	mod := *h.LastModified
	if want := wantExpiration(mod, 1, "tmp"); aws.ToString(tmp.Expiration) != want || aws.ToString(h.Expiration) != want {
		t.Errorf("tmp/a: PUT x-amz-expiration %q, HEAD %q; want %q", aws.ToString(tmp.Expiration), aws.ToString(h.Expiration), want)
	}
	ht, err := head("keep/tagged")
	if err != nil {
		t.Fatal(err)
	}
	if want := wantExpiration(*ht.LastModified, 3, "scratch tag"); aws.ToString(tagged.Expiration) != want || aws.ToString(ht.Expiration) != want {
		t.Errorf("keep/tagged: PUT x-amz-expiration %q, HEAD %q; want %q", aws.ToString(tagged.Expiration), aws.ToString(ht.Expiration), want)
	}
	g, err := e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lcb"), Key: aws.String("tmp/a")})
	if err != nil {
		t.Fatal(err)
	}
	g.Body.Close()
	if want := wantExpiration(mod, 1, "tmp"); aws.ToString(g.Expiration) != want {
		t.Errorf("GET tmp/a: x-amz-expiration %q, want %q", aws.ToString(g.Expiration), want)
	}

	// Two days later tmp/a is due: gone for GET and HEAD, though the
	// layer still holds it; the others stay.
	e.setNow(mod.Add(2 * time.Hour))
	_, err = e.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lcb"), Key: aws.String("tmp/a")})
	wantErr(t, err, "NoSuchKey", 404)
	_, err = head("tmp/a")
	if errStatus(err) != 404 {
		t.Errorf("HEAD of a due object: %v, want 404", err)
	}
	if got := e.get("lcb", "keep/b"); string(got) != "b" {
		t.Errorf("GET keep/b = %q", got)
	}
	if _, err := head("keep/tagged"); err != nil {
		t.Errorf("HEAD keep/tagged, due only on day 3: %v", err)
	}
	// The version itself is still there, by its ID (S3 keeps answering
	// requests for a version).
	if _, err := e.layer.StatObject(ctx, "lcb", "tmp/a"); err != nil {
		t.Errorf("the layer lost tmp/a: %v", err)
	}
	// Four days later the tagged one is due too.
	e.setNow(mod.Add(4 * time.Hour))
	if _, err := head("keep/tagged"); errStatus(err) != 404 {
		t.Errorf("HEAD keep/tagged on day 4: %v, want 404", err)
	}

	// A new write under tmp/ is current again until its own day passes.
	e.setNow(time.Now())
	e.put("lcb", "tmp/a", []byte("again"))
	if got := e.get("lcb", "tmp/a"); string(got) != "again" {
		t.Errorf("GET rewritten tmp/a = %q", got)
	}

	// Removing the configuration removes the headers.
	if _, err := e.client.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lcb")}); err != nil {
		t.Fatal(err)
	}
	if out := e.put("lcb", "tmp/c", []byte("c")); out.Expiration != nil {
		t.Errorf("PUT without a configuration: x-amz-expiration %q", *out.Expiration)
	}
}

func TestExpirationHeaderOnCompleteMultipartUpload(t *testing.T) {
	e := newLifecycleEnv(t)
	e.mkbucket("lcm")
	_, err := e.client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("lcm"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
			ID: aws.String("all"), Status: s3types.ExpirationStatusEnabled,
			Filter:     &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(2)},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("lcm"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := e.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String("lcm"), Key: aws.String("big"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("only part"),
	})
	if err != nil {
		t.Fatal(err)
	}
	done, err := e.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("lcm"), Key: aws.String("big"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lcm"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	if want := wantExpiration(*h.LastModified, 2, "all"); aws.ToString(done.Expiration) != want {
		t.Errorf("CompleteMultipartUpload x-amz-expiration %q, want %q", aws.ToString(done.Expiration), want)
	}
}

// A stored configuration that no longer decodes leaves requests alone.
func TestExpirationWithUndecodableConfiguration(t *testing.T) {
	e := newLifecycleEnv(t)
	e.mkbucket("bad")
	if err := e.layer.PutBucketConfig(context.Background(), "bad", "lifecycle", []byte(`{"v":99}`)); err != nil {
		t.Fatal(err)
	}
	out := e.put("bad", "k", []byte("v"))
	if out.Expiration != nil {
		t.Errorf("x-amz-expiration %q from a configuration that does not decode", *out.Expiration)
	}
	resp, _ := e.do(e.signed(http.MethodGet, "/bad/k", nil, sha256Hex(nil), nil))
	if resp.StatusCode != 200 {
		t.Errorf("GET = %d, want 200", resp.StatusCode)
	}
}
