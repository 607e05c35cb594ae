package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// keyPair is a set of credentials a test signs with; token is set for
// temporary credentials.
type keyPair struct{ access, secret, token string }

var rootKeys = keyPair{access: rootAccessKey, secret: rootSecretKey}

// awsAs runs the aws CLI against endpoint with the given credentials and
// nothing from the host's AWS configuration.
func awsAs(t testing.TB, endpoint string, k keyPair, args ...string) (string, string, error) {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skipf("aws CLI not on PATH (%v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append(args, "--endpoint-url", endpoint, "--cli-read-timeout", "30", "--output", "json")...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+k.access,
		"AWS_SECRET_ACCESS_KEY="+k.secret,
		"AWS_DEFAULT_REGION="+testRegion,
		"AWS_CONFIG_FILE="+emptyFile,
		"AWS_SHARED_CREDENTIALS_FILE="+emptyFile,
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	)
	if k.token != "" {
		cmd.Env = append(cmd.Env, "AWS_SESSION_TOKEN="+k.token)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Logf("aws %s as %s: %v", strings.Join(args, " "), k.access, exitText(err))
	if err != nil {
		err = fmt.Errorf("aws %s: %w\nstderr: %s", strings.Join(args, " "), err, tail(stderr.String()))
	}
	return stdout.String(), stderr.String(), err
}

// awsJSON runs the aws CLI and decodes its JSON output into out.
func awsJSON(t testing.TB, endpoint string, k keyPair, out any, args ...string) {
	t.Helper()
	stdout, _, err := awsAs(t, endpoint, k, args...)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout)
		}
	}
}

// awsFails runs the aws CLI, expects it to fail, and checks that its error
// names code.
func awsFails(t testing.TB, endpoint string, k keyPair, code string, args ...string) {
	t.Helper()
	_, stderr, err := awsAs(t, endpoint, k, args...)
	if err == nil {
		t.Fatalf("aws %s succeeded, want %s", strings.Join(args, " "), code)
	}
	if !strings.Contains(stderr, "("+code+")") {
		t.Fatalf("aws %s: want %s, got: %s", strings.Join(args, " "), code, stderr)
	}
}

// TestIAMWithCLI manages users, keys, policies and roles of `zones3
// server` with the aws CLI, and signs with what it made.
func TestIAMWithCLI(t *testing.T) {
	s := startServer(t, false)
	ep := s.endpoint

	var user struct {
		User struct{ UserName, Arn, UserId, Path string }
	}
	awsJSON(t, ep, rootKeys, &user, "iam", "create-user", "--user-name", "alice", "--path", "/eng/")
	if user.User.UserName != "alice" || user.User.Path != "/eng/" || !strings.HasSuffix(user.User.Arn, ":user/eng/alice") || !strings.HasPrefix(user.User.UserId, "AIDA") {
		t.Fatalf("create-user: %+v", user)
	}
	account := strings.Split(user.User.Arn, ":")[4]
	awsFails(t, ep, rootKeys, "EntityAlreadyExists", "iam", "create-user", "--user-name", "ALICE")
	awsFails(t, ep, rootKeys, "ValidationError", "iam", "create-user", "--user-name", "bad name")

	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey, Status, UserName string }
	}
	awsJSON(t, ep, rootKeys, &key, "iam", "create-access-key", "--user-name", "alice")
	alice := keyPair{access: key.AccessKey.AccessKeyId, secret: key.AccessKey.SecretAccessKey}
	if key.AccessKey.Status != "Active" || len(alice.access) != 20 || len(alice.secret) != 40 {
		t.Fatalf("create-access-key: %+v", key)
	}

	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}}}
	docJSON, _ := json.MarshalIndent(doc, "", "  ")
	docFile := filepath.Join(t.TempDir(), "policy.json")
	os.WriteFile(docFile, docJSON, 0o600)
	awsJSON(t, ep, rootKeys, nil, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "read-photos", "--policy-document", "file://"+docFile)
	var got struct {
		UserName, PolicyName string
		PolicyDocument       map[string]any
	}
	awsJSON(t, ep, rootKeys, &got, "iam", "get-user-policy", "--user-name", "alice", "--policy-name", "read-photos")
	if !reflect.DeepEqual(got.PolicyDocument, doc) || got.PolicyName != "read-photos" {
		t.Fatalf("get-user-policy: %+v", got)
	}
	awsFails(t, ep, rootKeys, "MalformedPolicyDocument", "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "bad", "--policy-document", `{"Statement":`)

	var users struct{ Users []struct{ UserName string } }
	awsJSON(t, ep, rootKeys, &users, "iam", "list-users")
	if len(users.Users) != 1 || users.Users[0].UserName != "alice" {
		t.Fatalf("list-users: %+v", users)
	}
	awsFails(t, ep, rootKeys, "DeleteConflict", "iam", "delete-user", "--user-name", "alice")

	// The new key signs requests.
	var who struct{ Arn, Account, UserId string }
	awsJSON(t, ep, alice, &who, "sts", "get-caller-identity")
	if who.Arn != user.User.Arn || who.Account != account || who.UserId != user.User.UserId {
		t.Fatalf("get-caller-identity as alice: %+v", who)
	}
	checkS3Authenticates(t, ep, alice)

	// Groups and managed policies.
	awsJSON(t, ep, rootKeys, nil, "iam", "create-group", "--group-name", "devs")
	awsJSON(t, ep, rootKeys, nil, "iam", "add-user-to-group", "--group-name", "devs", "--user-name", "alice")
	var pol struct{ Policy struct{ Arn string } }
	awsJSON(t, ep, rootKeys, &pol, "iam", "create-policy", "--policy-name", "everything", "--policy-document", "file://"+docFile)
	awsJSON(t, ep, rootKeys, nil, "iam", "attach-group-policy", "--group-name", "devs", "--policy-arn", pol.Policy.Arn)
	var group struct{ Users []struct{ UserName string } }
	awsJSON(t, ep, rootKeys, &group, "iam", "get-group", "--group-name", "devs")
	if len(group.Users) != 1 {
		t.Fatalf("get-group: %+v", group)
	}
	awsFails(t, ep, rootKeys, "DeleteConflict", "iam", "delete-policy", "--policy-arn", pol.Policy.Arn)

	// Roles and temporary credentials.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
	awsJSON(t, ep, rootKeys, nil, "iam", "create-role", "--role-name", "reader", "--assume-role-policy-document", trust)
	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		AssumedRoleUser struct{ Arn string }
	}
	awsJSON(t, ep, rootKeys, &assumed, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/reader", "--role-session-name", "cli-session", "--duration-seconds", "900")
	session := keyPair{access: assumed.Credentials.AccessKeyId, secret: assumed.Credentials.SecretAccessKey, token: assumed.Credentials.SessionToken}
	exp, err := time.Parse(time.RFC3339, assumed.Credentials.Expiration)
	if err != nil || exp.Sub(time.Now()) > 15*time.Minute || exp.Sub(time.Now()) < 10*time.Minute {
		t.Fatalf("expiration %q (%v)", assumed.Credentials.Expiration, err)
	}
	awsJSON(t, ep, session, &who, "sts", "get-caller-identity")
	if who.Arn != "arn:aws:sts::"+account+":assumed-role/reader/cli-session" {
		t.Fatalf("get-caller-identity with the session: %+v", who)
	}
	checkS3Authenticates(t, ep, session)
	awsFails(t, ep, keyPair{session.access, session.secret, session.token[:len(session.token)-4] + "AAAA"}, "InvalidClientTokenId", "sts", "get-caller-identity")
	awsFails(t, ep, rootKeys, "ValidationError", "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/reader", "--role-session-name", "s1", "--duration-seconds", "7200")

	// Cleaning up lets the user go.
	awsJSON(t, ep, rootKeys, nil, "iam", "remove-user-from-group", "--group-name", "devs", "--user-name", "alice")
	awsJSON(t, ep, rootKeys, nil, "iam", "delete-user-policy", "--user-name", "alice", "--policy-name", "read-photos")
	awsJSON(t, ep, rootKeys, nil, "iam", "delete-access-key", "--user-name", "alice", "--access-key-id", alice.access)
	awsJSON(t, ep, rootKeys, nil, "iam", "delete-user", "--user-name", "alice")
	awsFails(t, ep, alice, "InvalidClientTokenId", "sts", "get-caller-identity")
	awsJSON(t, ep, rootKeys, &users, "iam", "list-users")
	if len(users.Users) != 0 {
		t.Fatalf("list-users after delete: %+v", users)
	}
}

// checkS3Authenticates sends an S3 request signed with k: its signature
// must be accepted. Whether the identity may list buckets is up to its
// policies, so AccessDenied is an answer too.
func checkS3Authenticates(t testing.TB, endpoint string, k keyPair) {
	t.Helper()
	_, stderr, err := awsAs(t, endpoint, k, "s3api", "list-buckets")
	if err != nil && !strings.Contains(stderr, "(AccessDenied)") {
		t.Fatalf("S3 request signed by %s was not authenticated: %v", k.access, err)
	}
}

// sdkConfig is an aws-sdk-go-v2 configuration with the given credentials
// and nothing from the host.
func sdkConfig(t testing.TB, k keyPair) aws.Config {
	t.Helper()
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = certs.clientTLS()
	})
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(testRegion),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(k.access, k.secret, k.token)),
		config.WithHTTPClient(httpClient),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		t.Fatalf("load aws config: %v", err)
	}
	return cfg
}

func iamClient(t testing.TB, endpoint string, k keyPair) *awsiam.Client {
	return awsiam.NewFromConfig(sdkConfig(t, k), func(o *awsiam.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

func stsClient(t testing.TB, endpoint string, k keyPair) *sts.Client {
	return sts.NewFromConfig(sdkConfig(t, k), func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

func s3ClientAs(t testing.TB, endpoint string, k keyPair) *s3.Client {
	return s3.NewFromConfig(sdkConfig(t, k), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
}

// callerARN is the ARN STS GetCallerIdentity gives k at endpoint, or the
// error code.
func callerARN(ctx context.Context, t testing.TB, endpoint string, k keyPair) (arn, code string) {
	out, err := stsClient(t, endpoint, k).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", errorCode(err)
	}
	return aws.ToString(out.Arn), ""
}

// waitFor polls check until it returns true or 20 s pass; it returns how
// long that took. Changes through one gateway reach the others within the
// refresh interval (2 s); the bound is generous for a loaded machine.
func waitFor(t testing.TB, what string, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !check() {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
	d := time.Since(start)
	t.Logf("%s after %v", what, d.Round(10*time.Millisecond))
	return d
}

// secondGateway is another `zones3 gateway` process over the cluster's
// nodes.
type secondGateway struct {
	c        *cluster
	listen   string
	endpoint string
	proc     *process
	starts   int
}

func startSecondGateway(c *cluster) *secondGateway {
	g := &secondGateway{c: c, listen: freeAddr(c.t)}
	g.endpoint = "http://" + g.listen
	g.start()
	return g
}

func (g *secondGateway) start() {
	g.c.t.Helper()
	args := []string{"gateway", "--listen", g.listen}
	for _, n := range g.c.nodes {
		args = append(args, "--node", n.zone+"="+n.listen)
	}
	g.starts++
	g.proc = startProcess(g.c.t, fmt.Sprintf("gateway2-%d", g.starts), processEnv(clusterSecret), args...)
	g.proc.waitReady(g.endpoint + "/health/ready")
}

// TestIAMCluster runs three nodes and two gateways: identities made through
// one gateway authenticate on the other within seconds, an inactive or
// deleted key is refused there within seconds, temporary credentials from
// one gateway work on the other, and the identities survive a restart of
// every process and a lost zone.
func TestIAMCluster(t *testing.T) {
	c := startCluster(t)
	g2 := startSecondGateway(c)
	ctx := testContext(t)
	root1 := iamClient(t, c.endpoint, rootKeys)

	u, err := root1.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	aliceARN := aws.ToString(u.User.Arn)
	account := strings.Split(aliceARN, ":")[4]
	k, err := root1.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := keyPair{access: aws.ToString(k.AccessKey.AccessKeyId), secret: aws.ToString(k.AccessKey.SecretAccessKey)}
	if _, err := root1.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	// At once on the gateway that made it.
	if arn, code := callerARN(ctx, t, c.endpoint, alice); arn != aliceARN {
		t.Fatalf("alice on gateway 1: %q %s", arn, code)
	}
	// Within seconds on the other one.
	waitFor(t, "new key authenticates on gateway 2", func() bool {
		arn, _ := callerARN(ctx, t, g2.endpoint, alice)
		return arn == aliceARN
	})
	_, err = s3ClientAs(t, g2.endpoint, alice).ListBuckets(ctx, &s3.ListBucketsInput{})
	if code := errorCode(err); err != nil && code != "AccessDenied" {
		t.Fatalf("S3 with alice's key on gateway 2 was not authenticated: %v", err)
	}

	// Made inactive through gateway 1: refused by gateway 2, by STS and S3.
	if _, err := root1.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.access), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "inactive key refused on gateway 2", func() bool {
		_, code := callerARN(ctx, t, g2.endpoint, alice)
		return code == "InvalidClientTokenId"
	})
	_, err = s3ClientAs(t, g2.endpoint, alice).ListBuckets(ctx, &s3.ListBucketsInput{})
	expectErrorCode(t, "S3 with an inactive key", err, "InvalidAccessKeyId")
	if httpStatus(err) != http.StatusForbidden {
		t.Errorf("S3 with an inactive key: HTTP %d, want 403", httpStatus(err))
	}

	// Active again, then deleted: refused within seconds.
	if _, err := root1.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.access), Status: iamtypes.StatusTypeActive}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reactivated key authenticates on gateway 2", func() bool {
		arn, _ := callerARN(ctx, t, g2.endpoint, alice)
		return arn == aliceARN
	})
	if _, err := iamClient(t, g2.endpoint, rootKeys).DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.access)}); err != nil {
		t.Fatal(err)
	}
	if _, code := callerARN(ctx, t, g2.endpoint, alice); code != "InvalidClientTokenId" {
		t.Fatalf("deleted key on the gateway that deleted it: %s", code)
	}
	waitFor(t, "deleted key refused on gateway 1", func() bool {
		_, code := callerARN(ctx, t, c.endpoint, alice)
		return code == "InvalidClientTokenId"
	})

	// A new key, a role and temporary credentials for the restart.
	k, err = root1.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice = keyPair{access: aws.ToString(k.AccessKey.AccessKeyId), secret: aws.ToString(k.AccessKey.SecretAccessKey)}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + account + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := root1.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	ar, err := stsClient(t, c.endpoint, rootKeys).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/reader"), RoleSessionName: aws.String("sdk")})
	if err != nil {
		t.Fatal(err)
	}
	session := keyPair{aws.ToString(ar.Credentials.AccessKeyId), aws.ToString(ar.Credentials.SecretAccessKey), aws.ToString(ar.Credentials.SessionToken)}
	// Session tokens are verified from the token alone: the other gateway
	// takes them at once.
	if arn, code := callerARN(ctx, t, g2.endpoint, session); arn != "arn:aws:sts::"+account+":assumed-role/reader/sdk" {
		t.Fatalf("session on gateway 2: %q %s", arn, code)
	}
	_, err = s3ClientAs(t, g2.endpoint, session).ListBuckets(ctx, &s3.ListBucketsInput{})
	if code := errorCode(err); err != nil && code != "AccessDenied" {
		t.Fatalf("S3 with the session on gateway 2 was not authenticated: %v", err)
	}

	// Restart every process.
	c.gateway.stop()
	g2.proc.stop()
	for _, n := range c.nodes {
		n.proc.stop()
	}
	for _, n := range c.nodes {
		c.startNode(n)
	}
	c.startGateway()
	g2.start()
	for _, ep := range []string{c.endpoint, g2.endpoint} {
		if arn, code := callerARN(ctx, t, ep, alice); arn != aliceARN {
			t.Fatalf("alice at %s after a restart: %q %s", ep, arn, code)
		}
		if arn, code := callerARN(ctx, t, ep, session); arn == "" {
			t.Fatalf("the session at %s after a restart: %s", ep, code)
		}
	}
	pols, err := iamClient(t, g2.endpoint, rootKeys).ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String("alice")})
	if err != nil || len(pols.PolicyNames) != 1 {
		t.Fatalf("alice's policies after a restart: %+v, %v", pols, err)
	}

	// One zone down: identities are still read, and changed.
	c.nodes[2].proc.stop()
	c.gateway.stop()
	c.startGateway() // reads the identities with a zone missing
	if arn, code := callerARN(ctx, t, c.endpoint, alice); arn != aliceARN {
		t.Fatalf("alice with a zone down: %q %s", arn, code)
	}
	root1 = iamClient(t, c.endpoint, rootKeys)
	if _, err := root1.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatalf("create bob with a zone down: %v", err)
	}
	kb, err := root1.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := keyPair{access: aws.ToString(kb.AccessKey.AccessKeyId), secret: aws.ToString(kb.AccessKey.SecretAccessKey)}
	waitFor(t, "bob's key (made with a zone down) on gateway 2", func() bool {
		arn, _ := callerARN(ctx, t, g2.endpoint, bob)
		return strings.HasSuffix(arn, ":user/bob")
	})
}
