package iam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zones3/zones3/iam/policy"
)

// logRecorder keeps the JSON log lines written to it.
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *logRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

func (r *logRecorder) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(r, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// take returns the lines logged since the last take, decoded, and forgets
// them.
func (r *logRecorder) take(t testing.TB) []map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(r.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		delete(m, "time")
		out = append(out, m)
	}
	r.buf.Reset()
	return out
}

// deniedLine is the line Authorizer logs for a refusal.
func deniedLine(accessKey, principal, action, resource, reason string) map[string]any {
	return map[string]any{
		"level":      "INFO",
		"msg":        "access denied",
		"access_key": accessKey,
		"principal":  principal,
		"action":     action,
		"resource":   resource,
		"reason":     reason,
	}
}

func sameLines(t testing.TB, what string, got []map[string]any, want ...map[string]any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s: log\n got %s\nwant %s", what, g, w)
	}
}

func TestAuthorizeUser(t *testing.T) {
	f := newAuthzFixture(t)
	var logs logRecorder
	a := NewAuthorizer(f.dir, logs.logger())
	acct := f.dir.Account()
	alice := "arn:aws:iam::" + acct + ":user/eng/alice"
	plain := s3Context()
	plain["aws:securetransport"] = []string{"false"}
	listHome := s3Context()
	listHome["s3:prefix"] = []string{"home/alice/"}
	listOther := s3Context()
	listOther["s3:prefix"] = []string{"home/bob/"}

	for _, tc := range []struct {
		name, action, resource string
		context                policy.Context
		// reason is the logged reason of a refusal; "" means allowed.
		reason string
	}{
		{"inline allows her home", "s3:PutObject", "arn:aws:s3:::photos/home/alice/a.jpg", nil, ""},
		{"inline variable is hers only", "s3:PutObject", "arn:aws:s3:::photos/home/bob/a.jpg", nil, "implicit deny"},
		{"inline condition on the prefix", "s3:ListBucket", "arn:aws:s3:::photos", listHome, ""},
		{"inline condition refuses another prefix", "s3:ListBucket", "arn:aws:s3:::photos", listOther, "implicit deny"},
		{"managed allows shared", "s3:GetObject", "arn:aws:s3:::shared/report.pdf", nil, ""},
		{"managed allows public", "s3:GetObject", "arn:aws:s3:::photos/public/banner.png", nil, ""},
		{"managed does not allow writing", "s3:PutObject", "arn:aws:s3:::shared/report.pdf", nil, "implicit deny"},
		{"group deny wins over the inline allow", "s3:DeleteObject", "arn:aws:s3:::photos/home/alice/archive/2019.jpg", nil,
			`explicitly denied by identity policy "arn:aws:iam::` + acct + `:group/devs#no-archive-deletes" statement NoDeletes`},
		{"group deny leaves the rest", "s3:DeleteObject", "arn:aws:s3:::photos/home/alice/2019.jpg", nil, ""},
		{"bucket policy deny", "s3:GetObject", "arn:aws:s3:::photos/home/alice/a.jpg", plain,
			`explicitly denied by resource policy "bucket-policy:photos" statement TLS`},
		{"nothing allows another bucket", "s3:GetObject", "arn:aws:s3:::other/a", nil, "implicit deny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.context
			if c == nil {
				c = s3Context()
			}
			q := &AccessRequest{
				Auth:     Auth{Method: AuthV4Header, AccessKey: f.alice.ID},
				Action:   tc.action,
				Resource: tc.resource,
				Context:  c,
			}
			if strings.HasPrefix(tc.resource, "arn:aws:s3:::photos") {
				q.ResourcePolicy = f.bucket
			}
			err := a.Authorize(context.Background(), q)
			lines := logs.take(t)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				sameLines(t, "allowed", lines)
				return
			}
			if !errors.Is(err, ErrAccessDenied) || !strings.HasSuffix(err.Error(), ": "+tc.reason) {
				t.Fatalf("error %v, want access denied: %s", err, tc.reason)
			}
			sameLines(t, "refused", lines, deniedLine(f.alice.ID, alice, tc.action, tc.resource, tc.reason))
		})
	}
}

// A change made through the Directory decides the next request; one made
// through another gateway decides once this one has refreshed.
func TestAuthorizeSeesChanges(t *testing.T) {
	ctx := context.Background()
	f := newAuthzFixture(t)
	a := NewAuthorizer(f.dir, quietLog)
	q := &AccessRequest{
		Auth:     Auth{Method: AuthV4Header, AccessKey: f.alice.ID},
		Action:   "s3:PutObject",
		Resource: "arn:aws:s3:::photos/home/alice/a.jpg",
		Context:  s3Context(),
	}
	if err := a.Authorize(ctx, q); err != nil {
		t.Fatal(err)
	}
	if err := f.dir.DeleteUserPolicy(ctx, "alice", "home"); err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize(ctx, q); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("after the inline policy was deleted: %v", err)
	}
	// The same name with another document.
	if err := f.dir.PutUserPolicy(ctx, "alice", "home", allowS3); err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize(ctx, q); err != nil {
		t.Fatalf("after the inline policy was put again: %v", err)
	}

	// Another gateway over the same store.
	other, err := NewDirectory(DirectoryConfig{Store: f.dir.store, RootAccessKey: testRootAccess, RootSecretKey: testRootSecret, Logger: quietLog, ValidatePolicy: ValidatePolicy})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.PutUserPolicy(ctx, "alice", "home", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}}`); err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize(ctx, q); err != nil {
		t.Fatalf("before the refresh: %v", err)
	}
	if err := f.dir.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize(ctx, q); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("after the refresh: %v", err)
	}
	// The group leaves: its Deny no longer applies.
	del := &AccessRequest{
		Auth:     Auth{Method: AuthV4Header, AccessKey: f.alice.ID},
		Action:   "s3:GetObject",
		Resource: "arn:aws:s3:::photos/home/alice/archive/a.jpg",
		Context:  s3Context(),
	}
	if err := f.dir.PutUserPolicy(ctx, "alice", "home", allowS3); err != nil {
		t.Fatal(err)
	}
	del.Action = "s3:DeleteObject"
	if err := a.Authorize(ctx, del); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("in the group: %v", err)
	}
	if err := f.dir.RemoveUserFromGroup(ctx, "devs", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize(ctx, del); err != nil {
		t.Fatalf("out of the group: %v", err)
	}
}

// A stored document that the policy language refuses (here written under
// the structural check alone) grants nothing; the others still apply.
func TestAuthorizeStoredPolicyDoesNotParse(t *testing.T) {
	ctx := context.Background()
	var logs logRecorder
	d := newTestDirectory(t, newMemStore(), func(c *DirectoryConfig) { c.Logger = logs.logger() })
	if _, err := d.CreateUser(ctx, "bob", "", nil); err != nil {
		t.Fatal(err)
	}
	broken := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObjec","Resource":"*"}}`
	if _, err := policy.Parse([]byte(broken), policy.Identity); err == nil {
		t.Fatal("the broken policy parses")
	}
	if err := d.PutUserPolicy(ctx, "bob", "broken", broken); err != nil {
		t.Fatal(err)
	}
	if err := d.PutUserPolicy(ctx, "bob", "put", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}}`); err != nil {
		t.Fatal(err)
	}
	key, err := d.CreateAccessKey(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	warned := false
	for _, l := range logs.take(t) {
		if l["level"] == "WARN" && l["policy"] == "broken" && l["owner"] == "arn:aws:iam::"+d.Account()+":user/bob" {
			warned = true
		}
	}
	if !warned {
		t.Error("no warning names the policy that does not parse")
	}
	a := NewAuthorizer(d, logs.logger())
	ask := func(action string) error {
		return a.Authorize(ctx, &AccessRequest{Auth: Auth{Method: AuthV4Header, AccessKey: key.ID}, Action: action, Resource: "arn:aws:s3:::b/k", Context: s3Context()})
	}
	if err := ask("s3:PutObject"); err != nil {
		t.Fatalf("the policy that parses: %v", err)
	}
	if err := ask("s3:GetObject"); !errors.Is(err, ErrAccessDenied) || !strings.HasSuffix(err.Error(), ": implicit deny") {
		t.Fatalf("the policy that does not parse: %v", err)
	}
	// It was logged when its record was read: neither requests nor
	// refreshes that find the record unchanged log it again.
	for range 3 {
		ask("s3:GetObject")
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range logs.take(t) {
		if l["level"] != "INFO" || l["msg"] != "access denied" {
			t.Errorf("logged again: %v", l)
		}
	}
	id, err := d.Identity(key.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(id.Policies) != 2 || id.Policies[0].Name != "broken" || id.Policies[0].Policy != nil || id.Policies[0].Document != broken ||
		id.Policies[1].Name != "put" || id.Policies[1].Policy == nil {
		t.Errorf("policies %+v", id.Policies)
	}
}

// Identity hands out the policies parsed when their records were read:
// the same ones to every request and every user they apply to, until the
// record changes.
func TestIdentitySharesParsedPolicies(t *testing.T) {
	ctx := context.Background()
	f := newAuthzFixture(t)
	d := f.dir
	if _, err := d.CreateUser(ctx, "bob", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := d.AddUserToGroup(ctx, "devs", "bob"); err != nil {
		t.Fatal(err)
	}
	shared := "arn:aws:iam::" + d.Account() + ":policy/shared-read"
	if err := d.AttachUserPolicy(ctx, "bob", shared); err != nil {
		t.Fatal(err)
	}
	bobKey, err := d.CreateAccessKey(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	byName := func(accessKey string) map[string]*policy.Policy {
		t.Helper()
		id, err := d.Identity(accessKey, "")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]*policy.Policy{}
		for _, p := range id.Policies {
			if p.Policy == nil {
				t.Fatalf("%s does not parse", p.Name)
			}
			if want := p.ARN + "#" + p.Name; p.Policy.Name != want || p.Policy.Text() != p.Document {
				t.Errorf("policy %q named %q, text %q", want, p.Policy.Name, p.Policy.Text())
			}
			m[p.Name] = p.Policy
		}
		return m
	}
	alice := byName(f.alice.ID)
	if len(alice) != 3 {
		t.Fatalf("alice's policies: %v", alice)
	}
	bob := byName(bobKey.ID)
	if alice["shared-read"] != bob["shared-read"] || alice["no-archive-deletes"] != bob["no-archive-deletes"] {
		t.Error("alice and bob have their own copies of the managed and group policies")
	}
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	again := byName(f.alice.ID)
	for name, p := range alice {
		if again[name] != p {
			t.Errorf("%s was parsed again though its record did not change", name)
		}
	}
	if err := d.PutUserPolicy(ctx, "alice", "home", allowS3); err != nil {
		t.Fatal(err)
	}
	changed := byName(f.alice.ID)
	if changed["home"] == alice["home"] || changed["home"].Text() != allowS3 {
		t.Error("the replaced inline policy is still the old one")
	}
	if changed["shared-read"] != alice["shared-read"] {
		t.Error("the managed policy was parsed again though its record did not change")
	}
}

// The cache of session policies stays bounded however many sessions
// there are.
func TestAuthorizeSessionCacheBounded(t *testing.T) {
	ctx := context.Background()
	f := newAuthzFixture(t)
	a := NewAuthorizer(f.dir, quietLog)
	role, err := f.dir.CreateRole(ctx, CreateRoleInput{Name: "r", TrustPolicy: trustAccount(f.dir.Account())})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.dir.PutRolePolicy(ctx, "r", "all", allowS3); err != nil {
		t.Fatal(err)
	}
	for i := range maxParsedDocs + 10 {
		c, err := f.dir.IssueSession(AssumeRoleInput{Role: role, SessionName: fmt.Sprintf("s%d", i), Duration: time.Hour, SessionPolicy: allowS3})
		if err != nil {
			t.Fatal(err)
		}
		q := &AccessRequest{Auth: Auth{Method: AuthV4Header, AccessKey: c.AccessKeyID, SessionToken: c.SessionToken}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
		if err := a.Authorize(ctx, q); err != nil {
			t.Fatal(err)
		}
		a.mu.Lock()
		n := len(a.parsed)
		a.mu.Unlock()
		if n > maxParsedDocs {
			t.Fatalf("%d session policies cached after %d sessions", n, i+1)
		}
	}
}

func TestAuthorizeSession(t *testing.T) {
	ctx := context.Background()
	f := newAuthzFixture(t)
	var logs logRecorder
	a := NewAuthorizer(f.dir, logs.logger())
	acct := f.dir.Account()
	role, err := f.dir.CreateRole(ctx, CreateRoleInput{Name: "reader", TrustPolicy: trustAccount(acct)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.dir.PutRolePolicy(ctx, "reader", "all", allowS3); err != nil {
		t.Fatal(err)
	}
	issue := func(name, sessionPolicy string) Credentials {
		t.Helper()
		c, err := f.dir.IssueSession(AssumeRoleInput{Role: role, SessionName: name, Duration: time.Hour, SessionPolicy: sessionPolicy})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ask := func(c Credentials, action string) error {
		return a.Authorize(ctx, &AccessRequest{
			Auth:     Auth{Method: AuthV4Header, AccessKey: c.AccessKeyID, SessionToken: c.SessionToken},
			Action:   action,
			Resource: "arn:aws:s3:::b/k",
			Context:  s3Context(),
		})
	}
	readOnly := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"NoTags","Effect":"Deny","Action":"s3:GetObjectTagging","Resource":"*"}]}`

	full := issue("full", "")
	narrow := issue("narrow", readOnly)
	narrowToo := issue("narrow2", readOnly)
	for _, tc := range []struct {
		creds  Credentials
		action string
		reason string
	}{
		{full, "s3:PutObject", ""},
		{narrow, "s3:GetObject", ""},
		{narrow, "s3:PutObject", "implicit deny: not allowed by the session policy"},
		{narrow, "s3:GetObjectTagging", `explicitly denied by session policy "session:arn:aws:sts::` + acct + `:assumed-role/reader/narrow" statement NoTags`},
		// The same session policy in another session names that session.
		{narrowToo, "s3:GetObjectTagging", `explicitly denied by session policy "session:arn:aws:sts::` + acct + `:assumed-role/reader/narrow2" statement NoTags`},
		{narrow, "s3:GetObjectTagging", `explicitly denied by session policy "session:arn:aws:sts::` + acct + `:assumed-role/reader/narrow" statement NoTags`},
	} {
		err := ask(tc.creds, tc.action)
		lines := logs.take(t)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s %s: %v", tc.creds.AssumedRoleARN, tc.action, err)
			}
			continue
		}
		if !errors.Is(err, ErrAccessDenied) || !strings.HasSuffix(err.Error(), ": "+tc.reason) {
			t.Errorf("%s %s: %v, want %s", tc.creds.AssumedRoleARN, tc.action, err, tc.reason)
		}
		sameLines(t, tc.action, lines, deniedLine(tc.creds.AccessKeyID, tc.creds.AssumedRoleARN, tc.action, "arn:aws:s3:::b/k", tc.reason))
	}

	// A session policy that does not parse refuses everything.
	bad := issue("bad", `{"Statement":"nope"}`)
	if err := ask(bad, "s3:GetObject"); !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "the session policy does not parse") {
		t.Errorf("a session policy that does not parse: %v", err)
	}

	// The role's policies are read at each request: deleting them ends
	// what the session may do.
	if err := f.dir.DeleteRolePolicy(ctx, "reader", "all"); err != nil {
		t.Fatal(err)
	}
	if err := ask(full, "s3:PutObject"); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("after the role policy was deleted: %v", err)
	}
}

func TestAuthorizeTrust(t *testing.T) {
	ctx := context.Background()
	f := newAuthzFixture(t)
	a := NewAuthorizer(f.dir, quietLog)
	acct := f.dir.Account()
	alice, err := f.dir.Identity(f.alice.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	roleARN := "arn:aws:iam::" + acct + ":role/r"
	namesAlice := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + alice.ARN + `"},"Action":"sts:AssumeRole"}}`
	if err := a.Trust(ctx, []byte(namesAlice), alice, roleARN); err != nil {
		t.Errorf("a trust policy naming alice: %v", err)
	}
	// Naming the account defers to her policies, which do not allow it.
	if err := a.Trust(ctx, []byte(trustAccount(acct)), alice, roleARN); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("a trust policy naming the account: %v", err)
	}
	if err := f.dir.PutUserPolicy(ctx, "alice", "assume", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+roleARN+`"}}`); err != nil {
		t.Fatal(err)
	}
	if alice, err = f.dir.Identity(f.alice.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.Trust(ctx, []byte(trustAccount(acct)), alice, roleARN); err != nil {
		t.Errorf("naming the account, alice allowed to assume: %v", err)
	}
	if err := a.Trust(ctx, []byte(`{"Statement":`), alice, roleARN); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("a trust policy that does not parse: %v", err)
	}
}

// Requests of many users and sessions at once while the Directory
// changes and refreshes (for the race detector).
func TestAuthorizeConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newAuthzFixture(t)
	a := NewAuthorizer(f.dir, quietLog)
	role, err := f.dir.CreateRole(ctx, CreateRoleInput{Name: "reader", TrustPolicy: trustAccount(f.dir.Account())})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.dir.PutRolePolicy(ctx, "reader", "all", allowS3); err != nil {
		t.Fatal(err)
	}
	sess, err := f.dir.IssueSession(AssumeRoleInput{Role: role, SessionName: "s", Duration: time.Hour, SessionPolicy: allowS3})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, auth := range []Auth{
		{Method: AuthV4Header, AccessKey: f.alice.ID},
		{Method: AuthV4Header, AccessKey: sess.AccessKeyID, SessionToken: sess.SessionToken},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := a.Authorize(ctx, &AccessRequest{Auth: auth, Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/home/alice/a", Context: s3Context(), ResourcePolicy: f.bucket})
				if err != nil && !errors.Is(err, ErrAccessDenied) {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 20 {
		doc := allowS3
		if i%2 == 1 {
			doc = noArchiveDeletes
		}
		if err := f.dir.PutUserPolicy(ctx, "alice", "home", doc); err != nil {
			t.Error(err)
		}
		if err := f.dir.PutRolePolicy(ctx, "reader", "all", doc); err != nil {
			t.Error(err)
		}
		if err := f.dir.Refresh(ctx); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
}
