package iam

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestVerifySessionTokens signs S3 requests with temporary credentials
// (x-amz-security-token in the header and, presigned, in the query) and
// checks what the Verifier makes of them.
func TestVerifySessionTokens(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock()
	d := newTestDirectory(t, newMemStore(), func(c *DirectoryConfig) { c.Now = clock.now })
	role, err := d.CreateRole(ctx, CreateRoleInput{Name: "r", TrustPolicy: trustAccount(d.Account())})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := d.IssueSession(AssumeRoleInput{Role: role, SessionName: "s1", Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Keys: d, Region: "us-east-1", Now: clock.now}

	sign := func(token, secret string, presign bool) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://zones3.test/bucket/key", nil)
		c := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: secret, SessionToken: token}
		// A new signer each time: a signer caches derived keys by access
		// key, which would hide a wrong secret.
		signer := v4.NewSigner()
		if presign {
			r.URL.RawQuery = "X-Amz-Expires=900"
			u, _, err := signer.PresignHTTP(ctx, c, r, UnsignedPayload, "s3", "us-east-1", clock.now())
			if err != nil {
				t.Fatal(err)
			}
			r, _ = http.NewRequest(http.MethodGet, u, nil)
			return r
		}
		r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
		if err := signer.SignHTTP(ctx, c, r, UnsignedPayload, "s3", "us-east-1", clock.now()); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, presign := range []bool{false, true} {
		a, err := v.Verify(sign(creds.SessionToken, creds.SecretAccessKey, presign))
		if err != nil || a.AccessKey != creds.AccessKeyID || a.SessionToken != creds.SessionToken {
			t.Fatalf("presign %v: %+v, %v", presign, a, err)
		}
		if _, err := v.Verify(sign(creds.SessionToken, "wrong-secret", presign)); !errors.Is(err, ErrSignatureDoesNotMatch) {
			t.Errorf("presign %v, wrong secret: %v", presign, err)
		}
		if _, err := v.Verify(sign("not-a-token", creds.SecretAccessKey, presign)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("presign %v, bad token: %v", presign, err)
		}
		// The temporary key without its token is unknown.
		if _, err := v.Verify(sign("", creds.SecretAccessKey, presign)); !errors.Is(err, ErrInvalidAccessKeyID) {
			t.Errorf("presign %v, no token: %v", presign, err)
		}
	}
	// A keyring without sessions refuses tokens.
	static := &Verifier{Keys: StaticKeyring{creds.AccessKeyID: creds.SecretAccessKey}, Region: "us-east-1", Now: clock.now}
	if _, err := static.Verify(sign(creds.SessionToken, creds.SecretAccessKey, false)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("static keyring with a token: %v", err)
	}
	clock.advance(time.Hour)
	if _, err := v.Verify(sign(creds.SessionToken, creds.SecretAccessKey, false)); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("after expiry: %v", err)
	}
}
