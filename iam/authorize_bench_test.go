package iam

import (
	"context"
	"testing"

	"github.com/zones3/zones3/iam/policy"
)

// The policies of the Authorizer tests and benchmark: alice has an inline
// policy for her home prefix, the managed policy "shared-read" and, through
// the group devs, a Deny on the archive. The bucket policy of photos
// refuses plain HTTP and lets the office read public/.
const (
	aliceHomePolicy = `{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}},
		{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::photos/home/${aws:username}/*"}]}`
	sharedReadPolicy = `{"Version":"2012-10-17","Statement":{"Sid":"ReadShared","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging"],"Resource":["arn:aws:s3:::shared/*","arn:aws:s3:::photos/public/*"]}}`
	noArchiveDeletes = `{"Version":"2012-10-17","Statement":{"Sid":"NoDeletes","Effect":"Deny","Action":["s3:DeleteObject","s3:DeleteObjectVersion"],"Resource":"arn:aws:s3:::photos/home/*/archive/*"}}`
	photosPolicy     = `{"Version":"2012-10-17","Statement":[
		{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"Office","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/public/*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}]}`
)

// authzFixture is a Directory with alice (three policies: inline, managed,
// and her group's) and the parsed bucket policy of photos.
type authzFixture struct {
	dir    *Directory
	alice  AccessKey
	bucket *policy.Policy
}

func newAuthzFixture(t testing.TB, mod ...func(*DirectoryConfig)) *authzFixture {
	t.Helper()
	ctx := context.Background()
	d := newTestDirectory(t, newMemStore(), append([]func(*DirectoryConfig){func(c *DirectoryConfig) { c.ValidatePolicy = ValidatePolicy }}, mod...)...)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := d.CreateUser(ctx, "alice", "/eng/", nil)
	must(err)
	must(d.PutUserPolicy(ctx, "alice", "home", aliceHomePolicy))
	shared, err := d.CreatePolicy(ctx, "shared-read", "", "", sharedReadPolicy, nil)
	must(err)
	must(d.AttachUserPolicy(ctx, "alice", shared.ARN))
	_, err = d.CreateGroup(ctx, "devs", "")
	must(err)
	must(d.PutGroupPolicy(ctx, "devs", "no-archive-deletes", noArchiveDeletes))
	must(d.AddUserToGroup(ctx, "devs", "alice"))
	key, err := d.CreateAccessKey(ctx, "alice")
	must(err)
	bucket, err := policy.ParseBucketPolicy([]byte(photosPolicy), "photos")
	must(err)
	bucket.Name = "bucket-policy:photos"
	return &authzFixture{dir: d, alice: key, bucket: bucket}
}

// s3Context is the condition context the gateway builds for a
// header-signed request over TLS.
func s3Context() policy.Context {
	return policy.Context{
		"aws:sourceip":            {"192.0.2.44"},
		"aws:securetransport":     {"true"},
		"aws:currenttime":         {"2025-06-01T12:00:00Z"},
		"aws:epochtime":           {"1748779200"},
		"aws:useragent":           {"aws-sdk-go-v2/1.36.3"},
		"s3:x-amz-content-sha256": {"UNSIGNED-PAYLOAD"},
		"s3:signatureversion":     {"AWS4-HMAC-SHA256"},
		"s3:authtype":             {"REST-HEADER"},
	}
}

// BenchmarkAuthorizeUser is the authorisation of one S3 request by an IAM
// user with three policies (inline, managed, from a group) against a
// bucket policy: the identity lookup and the evaluation, as the gateway
// asks for every request.
//
//	go test -run '^$' -bench BenchmarkAuthorizeUser -benchtime 2s ./iam/
func BenchmarkAuthorizeUser(b *testing.B) {
	f := newAuthzFixture(b)
	a := NewAuthorizer(f.dir, quietLog)
	q := &AccessRequest{
		Auth:           Auth{Method: AuthV4Header, AccessKey: f.alice.ID},
		Action:         "s3:PutObject",
		Resource:       "arn:aws:s3:::photos/home/alice/2025/img_0001.jpg",
		Context:        s3Context(),
		ResourcePolicy: f.bucket,
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Authorize(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
