package lifecycle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
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

	"github.com/zones3/zones3/lifecycle"
)

// lifecycleServer serves PUT and GET ?lifecycle for any bucket with this
// package alone, as the gateway will: it lets the real aws-sdk-go-v2 and
// aws CLI write configurations and read them back.
type lifecycleServer struct {
	mu      sync.Mutex
	configs map[string][]byte // bucket -> stored encoding
}

func (s *lifecycleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket := strings.Trim(r.URL.Path, "/")
	if _, ok := r.URL.Query()["lifecycle"]; !ok || bucket == "" || strings.Contains(bucket, "/") {
		writeError(w, &lifecycle.Error{Code: "NotImplemented", Status: http.StatusNotImplemented, Message: "only ?lifecycle"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		c, err := lifecycle.Parse(r.Body)
		if err != nil {
			var e *lifecycle.Error
			if !errors.As(err, &e) {
				e = &lifecycle.Error{Code: "InternalError", Status: 500, Message: err.Error()}
			}
			writeError(w, e)
			return
		}
		stored, err := c.Marshal()
		if err != nil {
			writeError(w, &lifecycle.Error{Code: "InternalError", Status: 500, Message: err.Error()})
			return
		}
		s.configs[bucket] = stored
	case http.MethodGet:
		stored, ok := s.configs[bucket]
		if !ok {
			writeError(w, &lifecycle.Error{Code: "NoSuchLifecycleConfiguration", Status: 404, Message: "The lifecycle configuration does not exist"})
			return
		}
		c, err := lifecycle.Unmarshal(stored)
		if err != nil {
			writeError(w, &lifecycle.Error{Code: "InternalError", Status: 500, Message: err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Write(c.XML())
	default:
		writeError(w, &lifecycle.Error{Code: "MethodNotAllowed", Status: 405, Message: r.Method})
	}
}

func writeError(w http.ResponseWriter, e *lifecycle.Error) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	var msg bytes.Buffer
	xml.EscapeText(&msg, []byte(e.Message))
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>%s</Code><Message>%s</Message><RequestId>1</RequestId></Error>", e.Code, msg.String())
}

func startServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(&lifecycleServer{configs: map[string][]byte{}})
	t.Cleanup(srv.Close)
	return srv.URL
}

func newClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// TestSDKRoundTrip writes a configuration with aws-sdk-go-v2 and reads it
// back: Parse takes what the SDK sends, and the SDK reads XML unchanged.
func TestSDKRoundTrip(t *testing.T) {
	client := newClient(startServer(t))
	ctx := context.Background()
	date := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	rules := []types.LifecycleRule{
		{ID: aws.String("logs"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration:                     &types.LifecycleExpiration{Days: aws.Int32(30)},
			NoncurrentVersionExpiration:    &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(7), NewerNoncurrentVersions: aws.Int32(3)},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)}},
		{ID: aws.String("tagged & sized"), Status: types.ExpirationStatusDisabled,
			Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("a/"),
				Tags:                  []types.Tag{{Key: aws.String("k1"), Value: aws.String("v1")}, {Key: aws.String("k2"), Value: aws.String("")}},
				ObjectSizeGreaterThan: aws.Int64(10), ObjectSizeLessThan: aws.Int64(1 << 40)}},
			Expiration: &types.LifecycleExpiration{Date: &date}},
		{ID: aws.String("markers"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{},
			Expiration: &types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
		{ID: aws.String("one tag"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("t"), Value: aws.String("u")}},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		{ID: aws.String("small"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{ObjectSizeLessThan: aws.Int64(1)},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
	}
	_, err := client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("b"), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}})
	if err != nil {
		t.Fatalf("PutBucketLifecycleConfiguration: %v", err)
	}
	out, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("b")})
	if err != nil {
		t.Fatalf("GetBucketLifecycleConfiguration: %v", err)
	}
	if got, want := sdkJSON(t, out.Rules), sdkJSON(t, rules); got != want {
		t.Fatalf("rules read back:\n got %s\nwant %s", got, want)
	}

	// The older form, and a rule sent without an ID.
	legacy := []types.LifecycleRule{{Prefix: aws.String("old/"), Status: types.ExpirationStatusEnabled,
		Expiration: &types.LifecycleExpiration{Days: aws.Int32(5)}}}
	_, err = client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String("old"), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: legacy}})
	if err != nil {
		t.Fatalf("PutBucketLifecycleConfiguration (older form): %v", err)
	}
	out, err = client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("old")})
	if err != nil {
		t.Fatalf("GetBucketLifecycleConfiguration (older form): %v", err)
	}
	if len(out.Rules) != 1 || len(aws.ToString(out.Rules[0].ID)) != 48 || aws.ToString(out.Rules[0].Prefix) != "old/" || out.Rules[0].Filter != nil {
		t.Fatalf("older form read back as %s", sdkJSON(t, out.Rules))
	}
}

func sdkJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSDKErrors checks that the SDK sees S3's code and message.
func TestSDKErrors(t *testing.T) {
	client := newClient(startServer(t))
	tests := []struct {
		name    string
		rule    types.LifecycleRule
		code    string
		message string
	}{
		{"a transition", types.LifecycleRule{ID: aws.String("t"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{},
			Transitions: []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassGlacier}}},
			"InvalidStorageClass", "zones3 has a single storage class (STANDARD): Transition actions are not supported"},
		{"zero days", types.LifecycleRule{ID: aws.String("z"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}},
			"InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"no filter", types.LifecycleRule{ID: aws.String("n"), Status: types.ExpirationStatusEnabled,
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
			"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.PutBucketLifecycleConfiguration(context.Background(), &s3.PutBucketLifecycleConfigurationInput{
				Bucket: aws.String("b"), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{tt.rule}}})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code || apiErr.ErrorMessage() != tt.message {
				t.Fatalf("error %v: want %s %q", err, tt.code, tt.message)
			}
		})
	}
}

// TestCLIRoundTrip writes a configuration as the aws CLI's JSON and reads
// it back with get-bucket-lifecycle-configuration.
func TestCLIRoundTrip(t *testing.T) {
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
	const rules = `{"Rules": [
		{"ID": "cli-rule", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30},
		 "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 2},
		 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
		{"ID": "dated", "Filter": {"And": {"Prefix": "a/", "Tags": [{"Key": "k", "Value": "v"}], "ObjectSizeGreaterThan": 10}},
		 "Status": "Disabled", "Expiration": {"Date": "2030-01-01T00:00:00Z"}},
		{"ID": "everything", "Filter": {}, "Status": "Enabled", "Expiration": {"ExpiredObjectDeleteMarker": true}}
	]}`
	file := filepath.Join(dir, "lifecycle.json")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := run("s3api", "put-bucket-lifecycle-configuration", "--bucket", "b", "--lifecycle-configuration", "file://"+file); err != nil {
		t.Fatalf("put-bucket-lifecycle-configuration: %v\n%s", err, stderr)
	}
	stdout, stderr, err := run("s3api", "get-bucket-lifecycle-configuration", "--bucket", "b")
	if err != nil {
		t.Fatalf("get-bucket-lifecycle-configuration: %v\n%s", err, stderr)
	}
	var got, want struct{ Rules []map[string]any }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("CLI output %q: %v", stdout, err)
	}
	// The CLI prints dates as the server wrote them, as S3 writes times.
	if err := json.Unmarshal([]byte(strings.Replace(rules, "2030-01-01T00:00:00Z", "2030-01-01T00:00:00.000Z", 1)), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Rules, want.Rules) {
		t.Fatalf("rules read back by the CLI:\n got %v\nwant %v", got.Rules, want.Rules)
	}

	// A refusal reaches the user with S3's code and message.
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"Rules": [{"ID": "r", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 0}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = run("s3api", "put-bucket-lifecycle-configuration", "--bucket", "b", "--lifecycle-configuration", "file://"+bad)
	if err == nil || !strings.Contains(stderr, "(InvalidArgument)") || !strings.Contains(stderr, "'Days' for Expiration action must be a positive integer") {
		t.Fatalf("put with Days 0: %v\n%s", err, stderr)
	}
}
