package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/zones3/zones3/iam"
)

// sessionKeys is a keyring with one long-term key and one temporary key
// whose token answers with tokenErr.
type sessionKeys struct {
	iam.StaticKeyring
	tokenErr error
}

func (k sessionKeys) SessionSecretKey(accessKey, token string) (string, error) {
	if k.tokenErr != nil {
		return "", k.tokenErr
	}
	if accessKey == "ASIAZONES3TEST" && token == "good-token" {
		return "session-secret", nil
	}
	return "", iam.ErrInvalidToken
}

func TestIAMRouting(t *testing.T) {
	var iamCalls []string
	iamAPI := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iamCalls = append(iamCalls, r.Method+" "+r.URL.RequestURI())
		w.WriteHeader(http.StatusTeapot)
	})
	keys := sessionKeys{StaticKeyring: iam.StaticKeyring{testAccessKey: testSecretKey, "AKIAREFUSED": "refused-secret"}}
	domains := []string{"s3.zones3.test"}
	h := New(Config{
		Layer: newFakeLayer(),
		Verifier: &iam.Verifier{
			Keys:           &keys,
			Region:         testRegion,
			BucketFromHost: func(host string) string { return VirtualHostBucket(host, domains) },
		},
		Region:  testRegion,
		Domains: domains,
		Logger:  slog.New(slog.DiscardHandler),
		IAM:     iamAPI,
		Authorizer: authorizerFunc(func(_ context.Context, q *iam.AccessRequest) error {
			auth := q.Auth
			switch auth.AccessKey {
			case "AKIAREFUSED":
				return errors.New("no policy allows it")
			case "ASIAZONES3TEST":
				if auth.SessionToken != "good-token" {
					return fmt.Errorf("token not carried: %q", auth.SessionToken)
				}
			}
			return nil
		}),
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, tc := range []struct {
		method, target, host, ctype string
		toIAM                       bool
	}{
		{"POST", "/", "", "application/x-www-form-urlencoded; charset=utf-8", true},
		{"GET", "/?Action=ListUsers&Version=2010-05-08", "", "", true},
		{"POST", "/", "photos.s3.zones3.test", "application/x-www-form-urlencoded", false},
		{"GET", "/", "", "", false},
		{"POST", "/bucket", "", "application/x-www-form-urlencoded", false},
	} {
		iamCalls = nil
		req, _ := http.NewRequest(tc.method, srv.URL+tc.target, strings.NewReader("Action=ListUsers"))
		if tc.host != "" {
			req.Host = tc.host
		}
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := len(iamCalls) == 1 && resp.StatusCode == http.StatusTeapot; got != tc.toIAM {
			t.Errorf("%s %s (host %q): to IAM %v (status %d), want %v", tc.method, tc.target, tc.host, got, resp.StatusCode, tc.toIAM)
		}
	}

	s3As := func(ak, sk, token string) *s3.Client {
		return s3.New(s3.Options{
			Region: testRegion, BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(ak, sk, token),
			HTTPClient:  srv.Client(), Retryer: aws.NopRetryer{},
		})
	}
	ctx := context.Background()
	list := func(c *s3.Client) error {
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		return err
	}
	if err := list(s3As(testAccessKey, testSecretKey, "")); err != nil {
		t.Errorf("admitted key: %v", err)
	}
	if err := list(s3As("ASIAZONES3TEST", "session-secret", "good-token")); err != nil {
		t.Errorf("temporary credentials: %v", err)
	}
	for _, tc := range []struct {
		what       string
		client     *s3.Client
		tokenErr   error
		code       string
		httpStatus int
	}{
		{"refused by the Authorizer", s3As("AKIAREFUSED", "refused-secret", ""), nil, "AccessDenied", 403},
		{"bad token", s3As("ASIAZONES3TEST", "session-secret", "bad-token"), nil, "InvalidToken", 400},
		{"expired token", s3As("ASIAZONES3TEST", "session-secret", "good-token"), fmt.Errorf("at noon: %w", iam.ErrExpiredToken), "ExpiredToken", 400},
	} {
		keys.tokenErr = tc.tokenErr
		err := list(tc.client)
		if code := errCode(err); code != tc.code || errStatus(err) != tc.httpStatus {
			t.Errorf("%s: %v, want %s %d", tc.what, err, tc.code, tc.httpStatus)
		}
	}
}

// authorizerFunc is an Authorizer of one function.
type authorizerFunc func(ctx context.Context, q *iam.AccessRequest) error

func (f authorizerFunc) Authorize(ctx context.Context, q *iam.AccessRequest) error { return f(ctx, q) }
