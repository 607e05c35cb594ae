package iam

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// apiServer is the IAM API over an in-memory store, on a loopback port.
type apiServer struct {
	*httptest.Server
	dir   *Directory
	store *memStore
	logs  *syncBuffer
	clock *testClock
}

func newAPIServer(t *testing.T, authorize func(context.Context, *Identity, string, string) error) *apiServer {
	t.Helper()
	s := &apiServer{store: newMemStore(), logs: &syncBuffer{}, clock: newTestClock()}
	log := slog.New(slog.NewJSONHandler(s.logs, nil))
	s.dir = newTestDirectory(t, s.store, func(c *DirectoryConfig) { c.Now = s.clock.now; c.Logger = log })
	v := &Verifier{Keys: s.dir, Region: "us-east-1"}
	s.Server = httptest.NewServer(NewAPI(APIConfig{Directory: s.dir, Verifier: v, Authorize: authorize, Logger: log}))
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) awsConfig(ak, sk, token string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(ak, sk, token),
		HTTPClient:       s.Client(),
		RetryMaxAttempts: 1,
	}
}

func (s *apiServer) iam(ak, sk, token string) *awsiam.Client {
	return awsiam.NewFromConfig(s.awsConfig(ak, sk, token), func(o *awsiam.Options) { o.BaseEndpoint = aws.String(s.URL) })
}

func (s *apiServer) sts(ak, sk, token string) *sts.Client {
	return sts.NewFromConfig(s.awsConfig(ak, sk, token), func(o *sts.Options) { o.BaseEndpoint = aws.String(s.URL) })
}

func (s *apiServer) rootIAM() *awsiam.Client { return s.iam(testRootAccess, testRootSecret, "") }

// apiCode is the error code the SDK saw, "" for no error.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "not an API error: " + err.Error()
	}
	return ""
}

func wantAPICode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func TestAPIUsersAndKeys(t *testing.T) {
	ctx := context.Background()
	s := newAPIServer(t, nil)
	root := s.rootIAM()
	for _, name := range []string{"erin", "alice", "dave", "carol", "bob"} {
		out, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name), Path: aws.String("/staff/"),
			Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
		if err != nil {
			t.Fatal(err)
		}
		u := out.User
		if aws.ToString(u.UserName) != name || aws.ToString(u.Path) != "/staff/" || aws.ToString(u.Arn) != "arn:aws:iam::"+s.dir.Account()+":user/staff/"+name ||
			u.CreateDate == nil || !u.CreateDate.Equal(s.clock.now()) || len(u.Tags) != 1 {
			t.Errorf("created user %+v", u)
		}
	}
	_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("Alice")})
	var exists *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("create Alice: %v", err)
	}
	_, err = root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bad/name")})
	wantAPICode(t, "bad name", err, CodeValidationError)

	// Pages of two, in name order.
	var names []string
	p := awsiam.NewListUsersPaginator(root, &awsiam.ListUsersInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	if strings.Join(names, ",") != "alice,bob,carol,dave,erin" || pages != 3 {
		t.Errorf("listed %v in %d pages", names, pages)
	}

	key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	ak, sk := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	if key.AccessKey.Status != iamtypes.StatusTypeActive || aws.ToString(key.AccessKey.UserName) != "alice" || len(sk) != 40 {
		t.Errorf("key %+v", key.AccessKey)
	}
	who, err := s.sts(ak, sk, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::"+s.dir.Account()+":user/staff/alice" || aws.ToString(who.Account) != s.dir.Account() {
		t.Errorf("caller identity %+v", who)
	}

	// Without a policy evaluator, alice may do nothing in IAM; the refusal
	// is logged once.
	_, err = s.iam(ak, sk, "").GetUser(ctx, &awsiam.GetUserInput{})
	wantAPICode(t, "alice gets herself", err, CodeAccessDenied)
	if !strings.Contains(err.Error(), "is not authorized to perform: iam:GetUser on resource: arn:aws:iam::"+s.dir.Account()+":user/staff/alice") {
		t.Errorf("AccessDenied message: %v", err)
	}
	if lines := auditLines(s.logs.String()); len(lines) != 1 || lines[0]["access_key"] != ak ||
		lines[0]["arn"] != "arn:aws:iam::"+s.dir.Account()+":user/staff/alice" || lines[0]["action"] != "iam:GetUser" ||
		lines[0]["resource"] != "arn:aws:iam::"+s.dir.Account()+":user/staff/alice" || lines[0]["reason"] == "" || lines[0]["level"] != "INFO" {
		t.Errorf("audit lines %v", lines)
	}

	keys, err := root.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != ak {
		t.Fatalf("list keys: %+v, %v", keys, err)
	}
	rootKeys, err := root.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{})
	if err != nil || len(rootKeys.AccessKeyMetadata) != 1 || aws.ToString(rootKeys.AccessKeyMetadata[0].AccessKeyId) != testRootAccess {
		t.Fatalf("list root keys: %+v, %v", rootKeys, err)
	}
	_, err = root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	var conflict *iamtypes.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("delete alice with a key: %v", err)
	}
	root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	_, err = root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	var limit *iamtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("third key: %v", err)
	}

	// Root names no user: the key's owner is meant.
	if _, err := root.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{AccessKeyId: aws.String(ak), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = s.sts(ak, sk, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPICode(t, "inactive key", err, CodeInvalidClientTokenID)
	if _, err := root.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(ak)}); err != nil {
		t.Fatal(err)
	}
	_, err = root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("nobody")})
	var noSuch *iamtypes.NoSuchEntityException
	if !errors.As(err, &noSuch) || !strings.Contains(err.Error(), "The user with name nobody cannot be found.") {
		t.Fatalf("get nobody: %v", err)
	}
}

// auditLines returns the JSON log lines of refused requests.
func auditLines(logs string) []map[string]string {
	var out []map[string]string
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"msg":"iam request denied"`) {
			continue
		}
		m := map[string]string{}
		for _, field := range []string{"level", "access_key", "arn", "action", "resource", "reason", "code"} {
			if _, rest, ok := strings.Cut(line, `"`+field+`":"`); ok {
				v, _, _ := strings.Cut(rest, `"`)
				m[field] = v
			}
		}
		out = append(out, m)
	}
	return out
}

func TestAPIPolicies(t *testing.T) {
	ctx := context.Background()
	s := newAPIServer(t, nil)
	root := s.rootIAM()
	root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::photos/*\"}]\n}"
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	got, err := root.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read")})
	if err != nil {
		t.Fatal(err)
	}
	// IAM returns documents percent-encoded.
	if decoded, err := url.PathUnescape(aws.ToString(got.PolicyDocument)); err != nil || decoded != doc || strings.ContainsAny(aws.ToString(got.PolicyDocument), " {\"") {
		t.Errorf("policy document %q (decoded %q, %v)", aws.ToString(got.PolicyDocument), decoded, err)
	}
	list, err := root.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String("alice")})
	if err != nil || len(list.PolicyNames) != 1 || list.PolicyNames[0] != "read" {
		t.Fatalf("list policies %+v, %v", list, err)
	}
	before := s.store.snapshot()
	_, err = root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":`)})
	var malformed *iamtypes.MalformedPolicyDocumentException
	if !errors.As(err, &malformed) {
		t.Fatalf("malformed policy: %v", err)
	}
	big := `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::` + strings.Repeat("b", 2048) + `"}]}`
	_, err = root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("big"), PolicyDocument: aws.String(big)})
	var limit *iamtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("oversized policy: %v", err)
	}
	if !maps.Equal(before, s.store.snapshot()) {
		t.Error("refused policies changed the store")
	}

	root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs")})
	if _, err := root.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	g, err := root.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String("devs")})
	if err != nil || len(g.Users) != 1 || aws.ToString(g.Users[0].UserName) != "alice" || aws.ToString(g.Group.GroupName) != "devs" {
		t.Fatalf("get group %+v, %v", g, err)
	}
	if _, err := root.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("g"), PolicyDocument: aws.String(allowS3)}); err != nil {
		t.Fatal(err)
	}
	gp, err := root.GetGroupPolicy(ctx, &awsiam.GetGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("g")})
	if err != nil || aws.ToString(gp.GroupName) != "devs" {
		t.Fatalf("get group policy %+v, %v", gp, err)
	}
	forUser, err := root.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: aws.String("alice")})
	if err != nil || len(forUser.Groups) != 1 {
		t.Fatalf("groups for user %+v, %v", forUser, err)
	}

	pol, err := root.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("all"), PolicyDocument: aws.String(allowS3), Description: aws.String("everything")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(pol.Policy.Arn)
	if arn != "arn:aws:iam::"+s.dir.Account()+":policy/all" || aws.ToString(pol.Policy.DefaultVersionId) != "v1" || !pol.Policy.IsAttachable {
		t.Errorf("policy %+v", pol.Policy)
	}
	if _, err := root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	gotPol, err := root.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || aws.ToInt32(gotPol.Policy.AttachmentCount) != 2 {
		t.Fatalf("get policy %+v, %v", gotPol, err)
	}
	version, err := root.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := url.PathUnescape(aws.ToString(version.PolicyVersion.Document)); d != allowS3 {
		t.Errorf("policy version document %q", d)
	}
	attached, err := root.ListAttachedGroupPolicies(ctx, &awsiam.ListAttachedGroupPoliciesInput{GroupName: aws.String("devs")})
	if err != nil || len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != arn {
		t.Fatalf("attached %+v, %v", attached, err)
	}
	policies, err := root.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if err != nil || len(policies.Policies) != 1 {
		t.Fatalf("list policies %+v, %v", policies, err)
	}
	_, err = root.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	var conflict *iamtypes.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("delete attached policy: %v", err)
	}
	_, err = root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	var noSuch *iamtypes.NoSuchEntityException
	if !errors.As(err, &noSuch) {
		t.Fatalf("attach an AWS managed policy: %v", err)
	}
	_, err = root.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("not-an-arn-at-all-here")})
	var invalid *iamtypes.InvalidInputException
	if !errors.As(err, &invalid) {
		t.Fatalf("get policy with a bad ARN: %v", err)
	}

	// The identity carries all of it.
	key, _ := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	id, err := s.dir.Identity(aws.ToString(key.AccessKey.AccessKeyId), "")
	if err != nil || len(id.Policies) != 4 || len(id.Groups) != 1 {
		t.Fatalf("identity %+v, %v", id, err)
	}
}

func TestAPIAuthorizeHook(t *testing.T) {
	ctx := context.Background()
	type asked struct{ who, action, resource string }
	var mu sync.Mutex
	var seen []asked
	s := newAPIServer(t, func(_ context.Context, id *Identity, action, resource string) error {
		mu.Lock()
		seen = append(seen, asked{id.UserName, action, resource})
		mu.Unlock()
		if action == "iam:CreateUser" || action == "iam:ListUsers" {
			return nil
		}
		return errors.New("no statement allows it")
	})
	root := s.rootIAM()
	root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("admin")})
	key, _ := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("admin")})
	admin := s.iam(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := admin.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/x/")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ListUsers(ctx, &awsiam.ListUsersInput{PathPrefix: aws.String("/x/")}); err != nil {
		t.Fatal(err)
	}
	_, err := admin.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("bob")})
	wantAPICode(t, "delete bob", err, CodeAccessDenied)
	acct := s.dir.Account()
	want := []asked{
		{"admin", "iam:CreateUser", "arn:aws:iam::" + acct + ":user/x/bob"},
		{"admin", "iam:ListUsers", "arn:aws:iam::" + acct + ":user/x/"},
		{"admin", "iam:DeleteUser", "arn:aws:iam::" + acct + ":user/x/bob"},
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("the hook was asked\n%v\nwant\n%v", seen, want)
	}
	if _, err := root.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("bob")}); err != nil {
		t.Errorf("bob is gone after a refused delete: %v", err)
	}
}

func TestAPIAssumeRole(t *testing.T) {
	ctx := context.Background()
	allowAssume := func(_ context.Context, id *Identity, action, resource string) error {
		if action == "sts:AssumeRole" {
			return nil
		}
		return errors.New("denied")
	}
	s := newAPIServer(t, allowAssume)
	root := s.rootIAM()
	acct := s.dir.Account()
	root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	ka, _ := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	kb, _ := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("bob")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + acct + `:user/alice","arn:aws:iam::` + acct + `:root"]},"Action":"sts:AssumeRole"}]}`
	role, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	roleARN := aws.ToString(role.Role.Arn)
	if d, _ := url.PathUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument)); d != trust || aws.ToInt32(role.Role.MaxSessionDuration) != 7200 {
		t.Errorf("role %+v", role.Role)
	}
	only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/alice"},"Action":"sts:AssumeRole"}]}`
	root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("alice-only"), AssumeRolePolicyDocument: aws.String(only)})
	if _, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"), PolicyDocument: aws.String(allowS3)}); err != nil {
		t.Fatal(err)
	}

	alice := s.sts(aws.ToString(ka.AccessKey.AccessKeyId), aws.ToString(ka.AccessKey.SecretAccessKey), "")
	bob := s.sts(aws.ToString(kb.AccessKey.AccessKeyId), aws.ToString(kb.AccessKey.SecretAccessKey), "")
	sessionPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	out, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("job-1"), DurationSeconds: aws.Int32(7200), Policy: aws.String(sessionPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !c.Expiration.Equal(s.clock.now().Add(2*time.Hour)) || !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") ||
		aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::"+acct+":assumed-role/reader/job-1" || aws.ToInt32(out.PackedPolicySize) == 0 {
		t.Errorf("assume role: %+v %+v", c, out.AssumedRoleUser)
	}
	session := s.sts(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	who, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:sts::"+acct+":assumed-role/reader/job-1" || !strings.HasSuffix(aws.ToString(who.UserId), ":job-1") {
		t.Errorf("session identity %+v", who)
	}
	id, err := s.dir.Identity(aws.ToString(c.AccessKeyId), aws.ToString(c.SessionToken))
	if err != nil || string(id.SessionPolicy) != sessionPolicy || len(id.Policies) != 1 || id.SourceARN != "arn:aws:iam::"+acct+":user/alice" {
		t.Errorf("session identity %+v, %v", id, err)
	}
	// A wrong token for the key is refused.
	_, err = s.sts(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(ka.AccessKey.AccessKeyId)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPICode(t, "bad token", err, CodeInvalidClientTokenID)

	// Role chaining is limited to an hour.
	_, err = session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("chain"), DurationSeconds: aws.Int32(3601)})
	wantAPICode(t, "chained for more than an hour", err, CodeValidationError)

	for _, tc := range []struct {
		what   string
		client *sts.Client
		in     sts.AssumeRoleInput
		code   string
	}{
		{"bob is not trusted", bob, sts.AssumeRoleInput{RoleArn: aws.String(aws.ToString(role.Role.Arn)[:len(roleARN)-len("reader")] + "alice-only"), RoleSessionName: aws.String("s1")}, CodeAccessDenied},
		{"no such role", alice, sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/nothing"), RoleSessionName: aws.String("s1")}, CodeAccessDenied},
		{"too short", alice, sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)}, CodeValidationError},
		{"over the role's maximum", alice, sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7201)}, CodeValidationError},
		{"bad session name", alice, sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a b")}, CodeValidationError},
		{"malformed session policy", alice, sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), Policy: aws.String("{")}, CodeMalformedPolicyDocument},
		{"session policy too large", alice, sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), Policy: aws.String(`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"` + strings.Repeat("r", 2100) + `"}]}`)}, CodePackedPolicyTooLarge},
	} {
		_, err := tc.client.AssumeRole(ctx, &tc.in)
		wantAPICode(t, tc.what, err, tc.code)
	}
	// Root may assume a role whose trust policy names the account.
	rootSTS := s.sts(testRootAccess, testRootSecret, "")
	if _, err := rootSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("admin")}); err != nil {
		t.Errorf("root assumes a role trusting the account: %v", err)
	}

	// After the expiry the session is refused.
	s.clock.advance(2 * time.Hour)
	_, err = session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPICode(t, "expired session", err, CodeExpiredToken)

	// Without sts:AssumeRole in her own policies alice may not assume it.
	s2 := newAPIServer(t, nil)
	s2.rootIAM().CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	k2, _ := s2.rootIAM().CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	trust2 := strings.ReplaceAll(trust, acct, s2.dir.Account())
	r2, _ := s2.rootIAM().CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust2)})
	_, err = s2.sts(aws.ToString(k2.AccessKey.AccessKeyId), aws.ToString(k2.AccessKey.SecretAccessKey), "").AssumeRole(ctx,
		&sts.AssumeRoleInput{RoleArn: r2.Role.Arn, RoleSessionName: aws.String("s2")})
	wantAPICode(t, "trusted but not allowed by her own policies", err, CodeAccessDenied)
}

// errorResponse is the <ErrorResponse> document of IAM and STS.
type errorResponse struct {
	XMLName   xml.Name
	Type      string `xml:"Error>Type"`
	Code      string `xml:"Error>Code"`
	Message   string `xml:"Error>Message"`
	RequestID string `xml:"RequestId"`
}

// signedRequest sends a form (or query) signed with SigV4 by the given key
// for the given service.
func signedRequest(t testing.TB, base, method, query, body, ak, sk, service string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+"/?"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if query == "" {
		req.URL.RawQuery = ""
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	if ak != "" {
		err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestAPIBadRequests(t *testing.T) {
	s := newAPIServer(t, nil)
	ctx := context.Background()
	s.rootIAM().CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	for _, tc := range []struct {
		what          string
		method, query string
		body          string
		ak, sk        string
		service       string
		header        map[string]string
		status        int
		code          string
		ns            string
	}{
		{"unknown action", "POST", "", "Action=CreateUniverse&Version=2010-05-08", testRootAccess, testRootSecret, "iam", nil, 400, CodeInvalidAction, iamNamespace},
		{"IAM action, STS version", "POST", "", "Action=CreateUser&UserName=x&Version=2011-06-15", testRootAccess, testRootSecret, "iam", nil, 400, CodeInvalidAction, iamNamespace},
		{"STS action, IAM version", "POST", "", "Action=GetCallerIdentity&Version=2010-05-08", testRootAccess, testRootSecret, "sts", nil, 400, CodeInvalidAction, stsNamespace},
		{"no action", "POST", "", "Version=2010-05-08", testRootAccess, testRootSecret, "iam", nil, 400, CodeMissingAction, iamNamespace},
		{"missing user name", "POST", "", "Action=CreateUser&Version=2010-05-08", testRootAccess, testRootSecret, "iam", nil, 400, CodeValidationError, iamNamespace},
		{"bad user name", "POST", "", "Action=CreateUser&UserName=a%20b&Version=2010-05-08", testRootAccess, testRootSecret, "iam", nil, 400, CodeValidationError, iamNamespace},
		{"bad MaxItems", "POST", "", "Action=ListUsers&MaxItems=0&Version=2010-05-08", testRootAccess, testRootSecret, "iam", nil, 400, CodeValidationError, iamNamespace},
		{"bad form", "POST", "", "Action=CreateUser&UserName=%zz", testRootAccess, testRootSecret, "iam", nil, 400, CodeMalformedQueryString, iamNamespace},
		{"anonymous", "POST", "", "Action=CreateUser&UserName=x&Version=2010-05-08", "", "", "iam", nil, 403, CodeMissingAuthenticationToken, iamNamespace},
		{"unknown key", "POST", "", "Action=CreateUser&UserName=x&Version=2010-05-08", "AKIAUNKNOWN000000000", "whatever-secret", "iam", nil, 403, CodeInvalidClientTokenID, iamNamespace},
		{"wrong secret", "POST", "", "Action=CreateUser&UserName=x&Version=2010-05-08", testRootAccess, "wrong-secret", "iam", nil, 403, CodeSignatureDoesNotMatch, iamNamespace},
		{"scoped to s3", "POST", "", "Action=CreateUser&UserName=x&Version=2010-05-08", testRootAccess, testRootSecret, "s3", map[string]string{"X-Amz-Content-Sha256": EmptySHA256}, 403, CodeSignatureDoesNotMatch, iamNamespace},
		{"body hash mismatch", "POST", "", "Action=CreateUser&UserName=x&Version=2010-05-08", testRootAccess, testRootSecret, "iam", map[string]string{"X-Amz-Content-Sha256": EmptySHA256}, 403, CodeSignatureDoesNotMatch, iamNamespace},
		{"delete of nobody", "GET", "Action=DeleteUser&UserName=nobody&Version=2010-05-08", "", testRootAccess, testRootSecret, "iam", nil, 404, CodeNoSuchEntity, iamNamespace},
		{"bad token", "POST", "", "Action=GetCallerIdentity&Version=2011-06-15", "ASIAAAAAAAAAAAAAAAAA", "secret", "sts", map[string]string{"X-Amz-Security-Token": "garbage"}, 403, CodeInvalidClientTokenID, stsNamespace},
		{"too large", "POST", "", "Action=CreateUser&Version=2010-05-08&UserName=x&Pad=" + strings.Repeat("p", maxAPIBody), testRootAccess, testRootSecret, "iam", nil, 413, CodeLimitExceeded, iamNamespace},
	} {
		before := s.store.snapshot()
		resp, body := signedRequest(t, s.URL, tc.method, tc.query, tc.body, tc.ak, tc.sk, tc.service, tc.header)
		var e errorResponse
		if err := xml.Unmarshal(body, &e); err != nil {
			t.Errorf("%s: %s is not an ErrorResponse: %v", tc.what, body, err)
			continue
		}
		if resp.StatusCode != tc.status || e.Code != tc.code || e.XMLName.Local != "ErrorResponse" || e.XMLName.Space != tc.ns ||
			e.Type != "Sender" || e.Message == "" || e.RequestID == "" || resp.Header.Get("X-Amzn-Requestid") != e.RequestID {
			t.Errorf("%s: %d %+v, want %d %s in %s", tc.what, resp.StatusCode, e, tc.status, tc.code, tc.ns)
		}
		if !maps.Equal(before, s.store.snapshot()) {
			t.Errorf("%s changed the store", tc.what)
		}
	}
	// A signed GET with the action in the query string works too.
	resp, body := signedRequest(t, s.URL, "GET", "Action=GetUser&UserName=alice&Version=2010-05-08", "", testRootAccess, testRootSecret, "iam", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<GetUserResponse xmlns=\""+iamNamespace+"\"><GetUserResult><User>") {
		t.Errorf("GET GetUser: %d %s", resp.StatusCode, body)
	}
}

func TestIsAPIRequest(t *testing.T) {
	for _, tc := range []struct {
		method, target, ctype, authz string
		want                         bool
	}{
		{"POST", "/", "application/x-www-form-urlencoded; charset=utf-8", "", true},
		{"POST", "/", "text/plain", "", false},
		{"POST", "/bucket", "application/x-www-form-urlencoded", "", false},
		{"GET", "/?Action=ListUsers&Version=2010-05-08", "", "", true},
		{"GET", "/", "", "", false},
		{"GET", "/?list-type=2", "", "", false},
		{"GET", "/bucket/key", "", "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00", true},
		{"GET", "/", "", "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", false},
		{"POST", "/x", "", "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00", true},
		{"GET", "/?X-Amz-Credential=AK%2F20260101%2Fus-east-1%2Fsts%2Faws4_request", "", "", true},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.ctype != "" {
			r.Header.Set("Content-Type", tc.ctype)
		}
		if tc.authz != "" {
			r.Header.Set("Authorization", tc.authz)
		}
		if got := IsAPIRequest(r); got != tc.want {
			t.Errorf("%s %s (%s, %s): %v", tc.method, tc.target, tc.ctype, tc.authz, got)
		}
	}
}

func TestAPIStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	s := newAPIServer(t, nil)
	s.store.setUnavailable(true)
	_, err := s.rootIAM().CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	wantAPICode(t, "create user without a store", err, CodeServiceUnavailable)
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusServiceUnavailable {
		t.Errorf("status of %v", err)
	}
	s.store.setUnavailable(false)
}
