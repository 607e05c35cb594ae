package integration

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestS3AuthorisationByPolicy: a user may do exactly what their policies
// allow, a bucket policy with Principal "*" opens exactly what it names to
// anonymous requests (curl-style, no signature), an explicit Deny wins,
// and removing the bucket policy closes the bucket again.
func TestS3AuthorisationByPolicy(t *testing.T) {
	s := startServer(t, false)
	ep := s.endpoint

	awsJSON(t, ep, rootKeys, nil, "s3api", "create-bucket", "--bucket", "photos")
	awsJSON(t, ep, rootKeys, nil, "s3api", "create-bucket", "--bucket", "secrets")
	body := filepath.Join(t.TempDir(), "body")
	os.WriteFile(body, []byte("picture bytes"), 0o600)
	for _, k := range []string{"public/cat.jpg", "private/plan.txt", "home/bob/notes.txt"} {
		awsJSON(t, ep, rootKeys, nil, "s3api", "put-object", "--bucket", "photos", "--key", k, "--body", body)
	}
	awsJSON(t, ep, rootKeys, nil, "s3api", "put-object", "--bucket", "secrets", "--key", "k", "--body", body)

	// bob: read and write his home folder, list only under it.
	awsJSON(t, ep, rootKeys, nil, "iam", "create-user", "--user-name", "bob")
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	awsJSON(t, ep, rootKeys, &key, "iam", "create-access-key", "--user-name", "bob")
	bob := keyPair{access: key.AccessKey.AccessKeyId, secret: key.AccessKey.SecretAccessKey}
	home := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}},
	 {"Sid":"Home","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::photos/home/${aws:username}/*"},
	 {"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::secrets","arn:aws:s3:::secrets/*"]}]}`
	awsJSON(t, ep, rootKeys, nil, "iam", "put-user-policy", "--user-name", "bob", "--policy-name", "home", "--policy-document", home)

	// Identity changes reach the gateway at once (same gateway).
	awsJSON(t, ep, bob, nil, "s3api", "get-object", "--bucket", "photos", "--key", "home/bob/notes.txt", filepath.Join(t.TempDir(), "out"))
	awsJSON(t, ep, bob, nil, "s3api", "put-object", "--bucket", "photos", "--key", "home/bob/new.txt", "--body", body)
	awsJSON(t, ep, bob, nil, "s3api", "list-objects-v2", "--bucket", "photos", "--prefix", "home/bob/")
	awsFails(t, ep, bob, "AccessDenied", "s3api", "list-objects-v2", "--bucket", "photos")
	awsFails(t, ep, bob, "AccessDenied", "s3api", "get-object", "--bucket", "photos", "--key", "private/plan.txt", filepath.Join(t.TempDir(), "out"))
	awsFails(t, ep, bob, "AccessDenied", "s3api", "put-object", "--bucket", "photos", "--key", "public/x", "--body", body)
	awsFails(t, ep, bob, "AccessDenied", "s3api", "delete-object", "--bucket", "photos", "--key", "home/bob/notes.txt")
	awsFails(t, ep, bob, "AccessDenied", "s3api", "list-buckets")
	// A copy needs read access to its source too.
	awsFails(t, ep, bob, "AccessDenied", "s3api", "copy-object", "--bucket", "photos", "--key", "home/bob/copy", "--copy-source", "photos/private/plan.txt")

	anonymous := func(path string) (int, string) {
		resp, err := http.Get(ep + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, b := anonymous("/photos/public/cat.jpg"); code != 403 || !strings.Contains(b, "AccessDenied") {
		t.Fatalf("anonymous GET without a bucket policy: %d %s", code, b)
	}

	// Public read of public/*, and a Deny of bob's writes that beats his
	// own Allow.
	pub := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/public/*"},
	 {"Sid":"NoBobWrites","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + accountOf(t, ep, bob) + `:user/bob"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::photos/*"}]}`
	awsJSON(t, ep, rootKeys, nil, "s3api", "put-bucket-policy", "--bucket", "photos", "--policy", pub)
	var status struct{ PolicyStatus struct{ IsPublic bool } }
	awsJSON(t, ep, rootKeys, &status, "s3api", "get-bucket-policy-status", "--bucket", "photos")
	if !status.PolicyStatus.IsPublic {
		t.Fatalf("policy status: %+v", status)
	}
	if code, b := anonymous("/photos/public/cat.jpg"); code != 200 || b != "picture bytes" {
		t.Fatalf("anonymous GET of a public object: %d %q", code, b)
	}
	if code, _ := anonymous("/photos/private/plan.txt"); code != 403 {
		t.Fatalf("anonymous GET outside the public prefix: %d", code)
	}
	if code, _ := anonymous("/photos?list-type=2"); code != 403 {
		t.Fatalf("anonymous listing: %d", code)
	}
	awsFails(t, ep, bob, "AccessDenied", "s3api", "put-object", "--bucket", "photos", "--key", "home/bob/new.txt", "--body", body)
	awsFails(t, ep, rootKeys, "MalformedPolicy", "s3api", "put-bucket-policy", "--bucket", "photos", "--policy", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObjekt","Resource":"arn:aws:s3:::photos/*"}]}`)

	awsJSON(t, ep, rootKeys, nil, "s3api", "delete-bucket-policy", "--bucket", "photos")
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := anonymous("/photos/public/cat.jpg")
		if code == 403 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("anonymous GET still %d after the bucket policy was deleted", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func accountOf(t testing.TB, ep string, k keyPair) string {
	t.Helper()
	var who struct{ Account string }
	awsJSON(t, ep, k, &who, "sts", "get-caller-identity")
	return who.Account
}
