package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// FuzzAPIRequest sends arbitrary forms and query strings, signed by the
// root key, through the IAM/STS handler: it must answer every one with a
// response or an <ErrorResponse>, and a refused request must change
// nothing in the store.
func FuzzAPIRequest(f *testing.F) {
	for _, seed := range [][2]string{
		{"Action=CreateUser&UserName=alice&Version=2010-05-08", ""},
		{"Action=PutUserPolicy&UserName=alice&PolicyName=p&PolicyDocument=%7B%22Statement%22%3A%5B%5D%7D&Version=2010-05-08", ""},
		{"Action=CreateAccessKey&UserName=alice", ""},
		{"Action=ListUsers&MaxItems=1&Marker=a", ""},
		{"", "Action=GetUser&UserName=alice&Version=2010-05-08"},
		{"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900&Version=2011-06-15", ""},
		{"Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=99999", ""},
		{"Action=CreatePolicy&PolicyName=p&PolicyDocument=%7B&Path=%2Fa%2F&Tags.member.1.Key=k", ""},
		{"Action=AttachUserPolicy&UserName=alice&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2Fx", ""},
		{"Action=%zz&&==&Action=DeleteUser", "a=%"},
		{"Action=AddUserToGroup&GroupName=g&UserName=alice", "Version=2010-05-08"},
	} {
		f.Add(seed[0], seed[1])
	}
	// Every input starts from the same records, so that what one input
	// created does not slow down or change the next.
	fixture := newMemStore()
	d := newTestDirectory(f, fixture)
	ctx := context.Background()
	d.CreateUser(ctx, "alice", "", nil)
	d.CreateGroup(ctx, "g", "")
	d.CreateRole(ctx, CreateRoleInput{Name: "r", TrustPolicy: trustAccount(d.Account())})
	d.CreatePolicy(ctx, "p", "", "", allowS3, nil)
	records := fixture.snapshot()
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: testRootAccess, SecretAccessKey: testRootSecret}

	f.Fuzz(func(t *testing.T, body, query string) {
		store := newMemStore()
		for name, v := range records {
			store.records[name] = []byte(v)
		}
		d := newTestDirectory(t, store)
		api := NewAPI(APIConfig{Directory: d, Verifier: &Verifier{Keys: d, Region: "us-east-1"}, Logger: quietLog})

		req, err := http.NewRequest(http.MethodPost, "http://zones3.test/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sum := sha256.Sum256([]byte(body))
		service := "iam"
		if strings.Contains(body+query, "2011-06-15") {
			service = "sts"
		}
		if err := signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Skip()
		}
		before := store.snapshot()
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		out := rec.Body.Bytes()
		var root struct{ XMLName xml.Name }
		if err := xml.Unmarshal(out, &root); err != nil {
			t.Fatalf("status %d: body is not XML: %v\n%s", rec.Code, err, out)
		}
		if rec.Code == http.StatusOK {
			if !strings.HasSuffix(root.XMLName.Local, "Response") {
				t.Fatalf("success answered with <%s>", root.XMLName.Local)
			}
			return
		}
		var e errorResponse
		if err := xml.Unmarshal(out, &e); err != nil || e.XMLName.Local != "ErrorResponse" || e.Code == "" || e.RequestID == "" {
			t.Fatalf("status %d: not an ErrorResponse: %s", rec.Code, out)
		}
		if rec.Code >= 500 {
			t.Fatalf("status %d %s for a client's input", rec.Code, e.Code)
		}
		if !maps.Equal(before, store.snapshot()) {
			t.Fatalf("refused request (%d %s: %s) changed the store", rec.Code, e.Code, e.Message)
		}
	})
}
