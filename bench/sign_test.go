package bench

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSignerMatchesSDK checks the signer against aws-sdk-go-v2's SigV4
// signer for the same request, key and time.
func TestSignerMatchesSDK(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	creds := aws.Credentials{AccessKeyID: "AKIAEXAMPLE0000000000", SecretAccessKey: "secretsecretsecretsecretsecretsecret0000"}
	urls := []string{
		"http://127.0.0.1:9000/bucket/bench-4KiB/obj-1",
		"http://127.0.0.1:9000/bucket",
		"http://localhost/bucket/a%20b/c%2Bd",
		"https://s3.example.com:8443/bucket?list-type=2&prefix=a%2Fb&delimiter=%2F",
		"http://127.0.0.1:9000/bucket?uploads",
	}
	for _, region := range []string{"us-east-1", "eu-west-3"} {
		for _, u := range urls {
			for _, method := range []string{http.MethodGet, http.MethodPut} {
				ours, _ := http.NewRequest(method, u, nil)
				ours.Header.Set("X-Amz-Meta-Color", "blue")
				(&Signer{AccessKey: creds.AccessKeyID, SecretKey: creds.SecretAccessKey, Region: region}).Sign(ours, now)

				theirs, _ := http.NewRequest(method, u, nil)
				theirs.Header.Set("X-Amz-Meta-Color", "blue")
				theirs.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
				err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
					SignHTTP(context.Background(), creds, theirs, UnsignedPayload, "s3", region, now)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := ours.Header.Get("Authorization"), theirs.Header.Get("Authorization"); got != want {
					t.Errorf("%s %s (%s):\n got %s\nwant %s", method, u, region, got, want)
				}
			}
		}
	}
}

func TestSignerCachesKeyPerDay(t *testing.T) {
	s := &Signer{AccessKey: "A", SecretKey: "S", Region: "us-east-1"}
	k1 := s.signingKey("20250101")
	k2 := s.signingKey("20250101")
	k3 := s.signingKey("20250102")
	if &k1[0] != &k2[0] {
		t.Error("signing key derived twice for one day")
	}
	if string(k1) == string(k3) {
		t.Error("signing key did not change with the day")
	}
}

func BenchmarkSign(b *testing.B) {
	s := &Signer{AccessKey: "AKIAEXAMPLE0000000000", SecretKey: "secret", Region: "us-east-1"}
	req, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1:9000/zones3-bench/bench-4KiB/obj-12", nil)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		s.Sign(req, now)
	}
}
