package integration

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// vhostDomain is the --domain of the virtual-host test. Its names resolve
// nowhere: the test's HTTP client dials the server for every host.
const vhostDomain = "s3.zones3.test"

// TestSDKVirtualHost drives `zones3 server --domain` with virtual-host
// style requests (bucket.s3.zones3.test), the SDK's default addressing.
func TestSDKVirtualHost(t *testing.T) {
	srv := startServer(t, false, "--domain", vhostDomain)
	_, port, _ := net.SplitHostPort(srv.listen)
	dialServer := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.listen)
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = dialServer
	})
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(testRegion),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(rootAccessKey, rootSecretKey, "")),
		config.WithHTTPClient(httpClient),
	)
	if err != nil {
		t.Fatalf("load aws config: %v", err)
	}
	endpoint := "http://" + vhostDomain + ":" + port
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	ctx := testContext(t)
	const bucket = "vhost-bucket"

	createBucket(ctx, t, client, bucket)
	data := randomBytes(7000, 300<<10)
	const key = "dir/object name"
	if _, err := putObject(ctx, client, bucket, key, data); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	checkObject(ctx, t, client, bucket, key, data)
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.CommonPrefixes) != 1 || aws.ToString(list.CommonPrefixes[0].Prefix) != "dir/" {
		t.Errorf("list with delimiter: prefixes %v, want [dir/]", list.CommonPrefixes)
	}

	// A presigned virtual-host URL works with plain net/http.
	get, err := s3.NewPresignClient(client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)},
		s3.WithPresignExpires(10*time.Minute))
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	if !strings.HasPrefix(get.URL, "http://"+bucket+"."+vhostDomain) {
		t.Errorf("presigned URL %s is not virtual-host style", get.URL)
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: dialServer}, Timeout: time.Minute}
	resp, err := hc.Get(get.URL)
	if err != nil {
		t.Fatalf("presigned get: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Errorf("presigned virtual-host get: HTTP %d, %d bytes, want 200 with the %d put", resp.StatusCode, len(body), len(data))
	}

	// Path style keeps working on the same server.
	path := newS3Client(t, srv.endpoint, rootSecretKey)
	checkObject(ctx, t, path, bucket, key, data)

	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("delete bucket: %v", err)
	}
}
