package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// awsCLI runs the aws CLI against one endpoint with a given key pair and
// nothing from the host's AWS configuration.
type awsCLI struct {
	path       string
	endpoint   string
	caBundle   string
	secretKey  string
	configFile string
}

// newAWSCLI finds the aws CLI or skips the test.
func newAWSCLI(t testing.TB, endpoint string, useTLS bool) *awsCLI {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skipf("aws CLI not on PATH (%v): skipping the aws CLI tests", err)
	}
	c := &awsCLI{path: path, endpoint: endpoint, secretKey: rootSecretKey, configFile: emptyFile}
	if useTLS {
		c.caBundle = certs.caCert
	}
	return c
}

// run runs `aws args... --endpoint-url ...` and returns its stdout and
// stderr, and an error if it did not exit 0.
func (c *awsCLI) run(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// No retries and a 30 s read timeout (instead of 60 s, retried): a
	// request the server leaves hanging fails the test instead of hiding
	// behind a retry a minute later.
	full := append(slices.Clone(args), "--endpoint-url", c.endpoint, "--cli-read-timeout", "30")
	if c.caBundle != "" {
		full = append(full, "--ca-bundle", c.caBundle)
	}
	cmd := exec.CommandContext(ctx, c.path, full...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+rootAccessKey,
		"AWS_SECRET_ACCESS_KEY="+c.secretKey,
		"AWS_DEFAULT_REGION="+testRegion,
		"AWS_CONFIG_FILE="+c.configFile,
		"AWS_SHARED_CREDENTIALS_FILE="+emptyFile,
		"AWS_PAGER=",
		"AWS_RETRY_MODE=standard",
		"AWS_MAX_ATTEMPTS=1",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("aws %s (%.1fs, %v)", strings.Join(args, " "), time.Since(start).Seconds(), exitText(err))
	if err != nil {
		err = fmt.Errorf("aws %s: %w\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, tail(stdout.String()), tail(stderr.String()))
	}
	return stdout.String(), stderr.String(), err
}

func exitText(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}

// mustRun is run that fails the test when the command fails.
func (c *awsCLI) mustRun(t testing.TB, args ...string) string {
	t.Helper()
	stdout, _, err := c.run(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return stdout
}

// TestCLIServerHTTP drives `zones3 server` over plain HTTP with the aws CLI.
func TestCLIServerHTTP(t *testing.T) {
	testCLIServer(t, false)
}

// TestCLIServerHTTPS drives `zones3 server` over HTTPS with the aws CLI,
// which then sends aws-chunked bodies with CRC32 trailers.
func TestCLIServerHTTPS(t *testing.T) {
	testCLIServer(t, true)
}

func testCLIServer(t *testing.T, useTLS bool) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skipf("aws CLI not on PATH (%v): skipping the aws CLI tests", err)
	}
	// Most of an aws CLI test is the CLI starting up on one core: the HTTP
	// and HTTPS runs overlap well on two.
	t.Parallel()
	srv := startServer(t, useTLS)
	cli := newAWSCLI(t, srv.endpoint, useTLS)
	client := newS3Client(t, srv.endpoint, rootSecretKey)
	ctx := testContext(t)
	const bucket = "cli-bucket"
	work := t.TempDir()

	cli.mustRun(t, "s3", "mb", "s3://"+bucket)

	// A 40 MiB file goes up in parts and comes back whole.
	big := filepath.Join(work, "big.bin")
	bigSum := writeRandomFile(t, big, 2000, 40<<20)
	cli.mustRun(t, "s3", "cp", big, "s3://"+bucket+"/orig/big.bin", "--no-progress")
	// The CLI uploads files over 8 MiB in parts of 8 MiB.
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("orig/big.bin")})
	if err != nil {
		t.Fatalf("head orig/big.bin: %v", err)
	}
	if aws.ToInt64(head.ContentLength) != 40<<20 || !strings.HasSuffix(aws.ToString(head.ETag), `-5"`) {
		t.Errorf("head orig/big.bin: Content-Length %d ETag %s, want 40 MiB in 5 parts of 8 MiB", aws.ToInt64(head.ContentLength), aws.ToString(head.ETag))
	}
	down := filepath.Join(work, "big.down")
	cli.mustRun(t, "s3", "cp", "s3://"+bucket+"/orig/big.bin", down, "--no-progress")
	if fileSHA256(t, down) != bigSum {
		t.Errorf("aws s3 cp down: file differs from the 40 MiB uploaded")
	}

	// A small object for ranges, copies and presigning (the CLI's
	// single-request upload is exercised by sync below).
	smallData := randomBytes(2001, 3000)
	if _, err := putObject(ctx, client, bucket, "orig/small.bin", smallData); err != nil {
		t.Fatalf("put orig/small.bin: %v", err)
	}

	t.Run("GetObjectRange", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "range.out")
		stdout := cli.mustRun(t, "s3api", "get-object", "--bucket", bucket, "--key", "orig/small.bin", "--range", "bytes=10-20", out)
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, smallData[10:21]) {
			t.Errorf("get-object --range bytes=10-20: %d bytes %x, want %x", len(got), got, smallData[10:21])
		}
		var meta struct{ ContentRange string }
		if err := json.Unmarshal([]byte(stdout), &meta); err != nil {
			t.Errorf("get-object output is not JSON: %v: %q", err, stdout)
		} else if want := fmt.Sprintf("bytes 10-20/%d", len(smallData)); meta.ContentRange != want {
			t.Errorf("get-object ContentRange %q, want %q", meta.ContentRange, want)
		}
	})

	t.Run("Copy", func(t *testing.T) {
		// One object under 8 MiB (CopyObject) and one over (multipart
		// copy with UploadPartCopy).
		cli.mustRun(t, "s3", "cp", "--recursive", "s3://"+bucket+"/orig/", "s3://"+bucket+"/copies/", "--no-progress")
		checkObject(ctx, t, client, bucket, "copies/small.bin", smallData)
		got, _, err := getObject(ctx, client, bucket, "copies/big.bin")
		if err != nil {
			t.Fatalf("get the copy of big.bin: %v", err)
		}
		if sha256.Sum256(got) != bigSum {
			t.Errorf("multipart copy of big.bin: %d bytes differ from the original", len(got))
		}
	})

	// The CLI presigns with SigV2 query parameters by default and with
	// SigV4 when the config says s3 signature_version = s3v4.
	t.Run("PresignDefault", func(t *testing.T) {
		checkPresignedGet(t, cli.mustRun(t, "s3", "presign", "s3://"+bucket+"/orig/small.bin"), smallData)
	})
	t.Run("PresignSigV4", func(t *testing.T) {
		v4 := *cli
		v4.configFile = filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(v4.configFile, []byte("[default]\ns3 =\n    signature_version = s3v4\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out := v4.mustRun(t, "s3", "presign", "s3://"+bucket+"/orig/small.bin")
		if !strings.Contains(out, "X-Amz-Signature=") {
			t.Errorf("aws s3 presign with s3v4: %q is not a SigV4 URL", out)
		}
		checkPresignedGet(t, out, smallData)
	})

	t.Run("Sync", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "src")
		files := makeTree(t, src)
		prefix := "s3://" + bucket + "/tree/"
		out := cli.mustRun(t, "s3", "sync", src, prefix, "--no-progress")
		if n := strings.Count(out, "upload:"); n != len(files) {
			t.Errorf("first sync up: %d uploads, want %d:\n%s", n, len(files), out)
		}

		dst := filepath.Join(t.TempDir(), "dst")
		if err := os.MkdirAll(dst, 0o700); err != nil {
			t.Fatal(err)
		}
		cli.mustRun(t, "s3", "sync", prefix, dst, "--no-progress")
		compareTrees(t, src, dst)

		if out := cli.mustRun(t, "s3", "sync", src, prefix, "--no-progress"); strings.TrimSpace(out) != "" {
			t.Errorf("second sync up transferred something:\n%s", out)
		}
		if out := cli.mustRun(t, "s3", "sync", prefix, dst, "--no-progress"); strings.TrimSpace(out) != "" {
			t.Errorf("second sync down transferred something:\n%s", out)
		}

		// ls --recursive shows every file with its size.
		ls := cli.mustRun(t, "s3", "ls", prefix, "--recursive")
		listed := map[string]int64{}
		for _, line := range strings.Split(strings.TrimSpace(ls), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 4 {
				t.Errorf("aws s3 ls --recursive: odd line %q", line)
				continue
			}
			size, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				t.Errorf("aws s3 ls --recursive: size in %q: %v", line, err)
			}
			listed[strings.Join(fields[3:], " ")] = size
		}
		for rel, size := range files {
			if got, ok := listed["tree/"+rel]; !ok || got != size {
				t.Errorf("aws s3 ls --recursive: tree/%s listed %v with size %d, want size %d", rel, ok, got, size)
			}
		}
		if len(listed) != len(files) {
			t.Errorf("aws s3 ls --recursive: %d entries, want %d", len(listed), len(files))
		}
	})

	t.Run("WrongSecret", func(t *testing.T) {
		wrong := *cli
		wrong.secretKey = rootSecretKey + "x"
		_, stderr, err := wrong.run(t, "s3", "ls", "s3://"+bucket)
		if err == nil {
			t.Errorf("aws s3 ls with a wrong secret exited 0")
		}
		if !strings.Contains(stderr, "SignatureDoesNotMatch") {
			t.Errorf("aws s3 ls with a wrong secret: stderr %q lacks SignatureDoesNotMatch", stderr)
		}
	})

	// Remove everything, then the bucket.
	cli.mustRun(t, "s3", "rm", "s3://"+bucket, "--recursive")
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list after aws s3 rm --recursive: %v", err)
	}
	if len(list.Contents) != 0 {
		t.Errorf("list after aws s3 rm --recursive: %d keys left, want none", len(list.Contents))
	}
	cli.mustRun(t, "s3", "rb", "s3://"+bucket)
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); httpStatus(err) != http.StatusNotFound {
		t.Errorf("head bucket after aws s3 rb: %v, want 404", err)
	}
}

// checkPresignedGet GETs a URL printed by `aws s3 presign` with plain
// net/http and compares the body with want.
func checkPresignedGet(t testing.TB, printed string, want []byte) {
	t.Helper()
	u := strings.TrimSpace(printed)
	resp, err := httpClient().Get(u)
	if err != nil {
		t.Fatalf("GET presigned %s: %v", u, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET presigned %s: HTTP %d err %v body %.300q", u, resp.StatusCode, err, body)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("GET presigned %s: %d bytes differ from the object", u, len(body))
	}
}

// makeTree writes 30 files of mixed sizes in nested folders under root and
// returns their sizes by slash-separated relative path. Their modification
// times are set a minute back, as for files that existed before a sync.
func makeTree(t testing.TB, root string) map[string]int64 {
	t.Helper()
	sizes := []int64{0, 1, 17, 1000, 4096, 65536, 128<<10 + 1, 300 << 10, 1 << 20, 9<<20 + 3}
	dirs := []string{"", "a", "a/b", "c d", "c d/e"}
	files := map[string]int64{}
	past := time.Now().Add(-time.Minute)
	for i := 0; i < 30; i++ {
		dir := dirs[i%len(dirs)]
		size := sizes[i%len(sizes)]
		if size > 1<<20 && i >= len(sizes) {
			size = 2<<20 + int64(i) // one 9 MiB file, the others smaller
		}
		rel := strings.TrimPrefix(dir+"/"+fmt.Sprintf("file-%02d.bin", i), "/")
		path := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		writeRandomFile(t, path, uint64(3000+i), size)
		if err := os.Chtimes(path, past, past); err != nil {
			t.Fatal(err)
		}
		files[rel] = size
	}
	return files
}

// compareTrees fails the test unless the regular files under a and b are
// the same paths with the same bytes.
func compareTrees(t testing.TB, a, b string) {
	t.Helper()
	sums := func(root string) map[string][32]byte {
		m := map[string][32]byte{}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			m[filepath.ToSlash(rel)] = fileSHA256(t, path)
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", root, err)
		}
		return m
	}
	sa, sb := sums(a), sums(b)
	for rel, sum := range sa {
		if got, ok := sb[rel]; !ok {
			t.Errorf("%s missing after the round trip", rel)
		} else if got != sum {
			t.Errorf("%s differs after the round trip", rel)
		}
	}
	for rel := range sb {
		if _, ok := sa[rel]; !ok {
			t.Errorf("%s appeared after the round trip", rel)
		}
	}
}
