package tagging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/zones3/zones3/gateway/tagging"
)

// taggingServer keeps the tags of objects set with PutObject's
// x-amz-tagging or PutObjectTagging, and answers GetObjectTagging, with
// this package alone, so that the real aws-sdk-go-v2 and aws CLI can talk
// to it.
type taggingServer struct {
	mu   sync.Mutex
	tags map[string][]byte // path -> stored encoding
}

func (s *taggingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, isTagging := r.URL.Query()["tagging"]
	var (
		set tagging.Set
		err error
	)
	switch {
	case r.Method == http.MethodPut && isTagging:
		set, err = tagging.ParseXML(r.Body, tagging.Object)
	case r.Method == http.MethodPut:
		io.Copy(io.Discard, r.Body)
		set, err = tagging.ParseHeader(r.Header.Get("x-amz-tagging"))
	case r.Method == http.MethodGet && isTagging:
		set, err := tagging.Unmarshal(s.tags[r.URL.Path])
		if err != nil {
			writeError(w, &tagging.Error{Code: "InternalError", Status: 500, Message: err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Write(set.XML())
		return
	default:
		writeError(w, &tagging.Error{Code: "NotImplemented", Status: 501, Message: r.Method})
		return
	}
	if err != nil {
		var e *tagging.Error
		if !errors.As(err, &e) {
			e = &tagging.Error{Code: "InternalError", Status: 500, Message: err.Error()}
		}
		writeError(w, e)
		return
	}
	s.tags[r.URL.Path] = set.Marshal()
	w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
}

func writeError(w http.ResponseWriter, e *tagging.Error) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	var msg bytes.Buffer
	xml.EscapeText(&msg, []byte(e.Message))
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>%s</Code><Message>%s</Message><RequestId>1</RequestId></Error>", e.Code, msg.String())
}

func startServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(&taggingServer{tags: map[string][]byte{}})
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSDK(t *testing.T) {
	client := s3.New(s3.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(startServer(t)),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
	ctx := context.Background()
	get := func(key string) []types.Tag {
		t.Helper()
		out, err := client.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("b"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObjectTagging: %v", err)
		}
		return out.TagSet
	}
	tagsJSON := func(tags []types.Tag) string {
		b, _ := json.Marshal(tags)
		return string(b)
	}

	// PutObject with x-amz-tagging, as the SDK sends it.
	_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"),
		Body: strings.NewReader("hello"), Tagging: aws.String("project=zones3&owner=team%20a&empty=")})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	want := []types.Tag{{Key: aws.String("empty"), Value: aws.String("")}, {Key: aws.String("owner"), Value: aws.String("team a")},
		{Key: aws.String("project"), Value: aws.String("zones3")}}
	if got := get("k"); tagsJSON(got) != tagsJSON(want) {
		t.Fatalf("tags from x-amz-tagging: %s, want %s", tagsJSON(got), tagsJSON(want))
	}

	// PutObjectTagging replaces them.
	set := []types.Tag{{Key: aws.String("b"), Value: aws.String("2 + 2 = 4")}, {Key: aws.String("a"), Value: aws.String("ü/文@x")}}
	if _, err := client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("b"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: set}}); err != nil {
		t.Fatalf("PutObjectTagging: %v", err)
	}
	want = []types.Tag{set[1], set[0]}
	if got := get("k"); tagsJSON(got) != tagsJSON(want) {
		t.Fatalf("tags from PutObjectTagging: %s, want %s", tagsJSON(got), tagsJSON(want))
	}

	// An empty tag set removes them.
	if _, err := client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("b"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{}}}); err != nil {
		t.Fatalf("PutObjectTagging with no tags: %v", err)
	}
	if got := get("k"); len(got) != 0 {
		t.Fatalf("tags after an empty set: %s", tagsJSON(got))
	}

	// Refusals reach the SDK with S3's code and message.
	var eleven []types.Tag
	for i := range 11 {
		eleven = append(eleven, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	_, err = client.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("b"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: eleven}})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "BadRequest" || apiErr.ErrorMessage() != "Object tags cannot be greater than 10" {
		t.Fatalf("11 tags: %v", err)
	}
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k2"),
		Body: strings.NewReader("x"), Tagging: aws.String("a=1&a=2")})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidArgument" {
		t.Fatalf("a key twice in x-amz-tagging: %v", err)
	}
}

func TestCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skipf("aws CLI not on PATH (%v)", err)
	}
	endpoint := startServer(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsPath, append(args, "--endpoint-url", endpoint, "--output", "json")...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+empty, "AWS_SHARED_CREDENTIALS_FILE="+empty,
			"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	if _, stderr, err := run("s3api", "put-object-tagging", "--bucket", "b", "--key", "k",
		"--tagging", `{"TagSet": [{"Key": "env", "Value": "prod"}, {"Key": "cost center", "Value": "42"}]}`); err != nil {
		t.Fatalf("put-object-tagging: %v\n%s", err, stderr)
	}
	stdout, stderr, err := run("s3api", "get-object-tagging", "--bucket", "b", "--key", "k")
	if err != nil {
		t.Fatalf("get-object-tagging: %v\n%s", err, stderr)
	}
	var got struct{ TagSet []map[string]string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("CLI output %q: %v", stdout, err)
	}
	want := []map[string]string{{"Key": "cost center", "Value": "42"}, {"Key": "env", "Value": "prod"}}
	if !reflect.DeepEqual(got.TagSet, want) {
		t.Fatalf("tags read by the CLI: %v, want %v", got.TagSet, want)
	}
	_, stderr, err = run("s3api", "put-object-tagging", "--bucket", "b", "--key", "k",
		"--tagging", `{"TagSet": [{"Key": "aws:createdBy", "Value": "me"}]}`)
	if err == nil || !strings.Contains(stderr, "(InvalidTag)") || !strings.Contains(stderr, "System tags cannot be added/updated by requester") {
		t.Fatalf("an aws: key: %v\n%s", err, stderr)
	}
}
