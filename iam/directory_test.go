package iam

import (
	"context"
	"errors"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const allowS3 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

func TestUserNameRules(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	for _, tc := range []struct {
		name, path, code string
	}{
		{"alice", "", ""},
		{"Bob_+=,.@-9", "/", ""},
		{strings.Repeat("a", 64), "/team/", ""},
		{strings.Repeat("a", 65), "", CodeValidationError},
		{"", "", CodeValidationError},
		{"bad name", "", CodeValidationError},
		{"slash/name", "", CodeValidationError},
		{"ünïcode", "", CodeValidationError},
		{"okpath", "team", CodeValidationError},
		{"okpath2", "/te am/", CodeValidationError},
		{"ALICE", "", CodeEntityAlreadyExists}, // names are unique regardless of case
	} {
		before := store.snapshot()
		_, err := d.CreateUser(ctx, tc.name, tc.path, nil)
		wantCode(t, "create user "+tc.name, err, tc.code)
		if tc.code != "" && !maps.Equal(before, store.snapshot()) {
			t.Errorf("create user %q failed with %s but changed the store", tc.name, tc.code)
		}
	}
	// Lookups ignore case too, and keep the name as created.
	u, err := d.GetUser(ctx, "ALICE")
	if err != nil || u.Name != "alice" {
		t.Fatalf("get ALICE: %+v, %v", u, err)
	}
	if want := "arn:aws:iam::" + d.Account() + ":user/team/" + strings.Repeat("a", 64); !hasUserARN(t, d, want) {
		t.Errorf("no user with ARN %s", want)
	}
	if !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(u.ID) {
		t.Errorf("user ID %q is not shaped like AWS's", u.ID)
	}
	_, err = d.GetUser(ctx, "nobody")
	wantCode(t, "get nobody", err, CodeNoSuchEntity)
}

func hasUserARN(t *testing.T, d *Directory, arn string) bool {
	users, err := d.ListUsers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.ARN == arn {
			return true
		}
	}
	return false
}

func TestListUsersPathPrefix(t *testing.T) {
	ctx := context.Background()
	d := newTestDirectory(t, newMemStore())
	for _, u := range []struct{ name, path string }{{"a", "/"}, {"b", "/eng/"}, {"c", "/eng/ops/"}, {"d", "/sales/"}} {
		if _, err := d.CreateUser(ctx, u.name, u.path, nil); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string]string{"": "a b c d", "/": "a b c d", "/eng/": "b c", "/eng/ops": "c", "/x": ""} {
		users, err := d.ListUsers(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Name)
		}
		if got := strings.Join(names, " "); got != want {
			t.Errorf("prefix %q: %q, want %q", prefix, got, want)
		}
	}
	_, err := d.ListUsers(ctx, "no-slash")
	wantCode(t, "bad prefix", err, CodeValidationError)
}

func TestAccessKeys(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	if _, err := d.CreateUser(ctx, "alice", "", nil); err != nil {
		t.Fatal(err)
	}
	k1, err := d.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(k1.ID) || len(k1.Secret) != 40 || k1.Status != StatusActive {
		t.Fatalf("key %+v is not shaped like AWS's", k1)
	}
	k2, err := d.CreateAccessKey(ctx, "ALICE")
	if err != nil {
		t.Fatal(err)
	}
	before := store.snapshot()
	_, err = d.CreateAccessKey(ctx, "alice")
	wantCode(t, "third key", err, CodeLimitExceeded)
	if !maps.Equal(before, store.snapshot()) {
		t.Error("a refused third key changed the store")
	}
	_, err = d.CreateAccessKey(ctx, "nobody")
	wantCode(t, "key of nobody", err, CodeNoSuchEntity)

	for _, k := range []AccessKey{k1, k2} {
		if s, ok := d.SecretKey(k.ID); !ok || s != k.Secret {
			t.Errorf("SecretKey(%s) = %q, %v", k.ID, s, ok)
		}
	}
	if s, ok := d.SecretKey(testRootAccess); !ok || s != testRootSecret {
		t.Error("the root key does not authenticate")
	}
	if _, ok := d.SecretKey("AKIANOTAKEY000000000"); ok {
		t.Error("an unknown key authenticates")
	}

	keys, err := d.ListAccessKeys(ctx, "alice")
	if err != nil || len(keys) != 2 {
		t.Fatalf("list keys: %v, %v", keys, err)
	}
	for _, k := range keys {
		if k.Secret != "" {
			t.Error("ListAccessKeys shows a secret")
		}
	}

	wantCode(t, "inactivate", d.UpdateAccessKey(ctx, "alice", k1.ID, StatusInactive), "")
	if _, ok := d.SecretKey(k1.ID); ok {
		t.Error("an inactive key authenticates")
	}
	if _, err := d.Identity(k1.ID, ""); !errors.Is(err, ErrInvalidAccessKeyID) {
		t.Errorf("identity of an inactive key: %v", err)
	}
	wantCode(t, "bad status", d.UpdateAccessKey(ctx, "alice", k1.ID, "Disabled"), CodeValidationError)
	wantCode(t, "activate", d.UpdateAccessKey(ctx, "alice", k1.ID, StatusActive), "")
	if _, ok := d.SecretKey(k1.ID); !ok {
		t.Error("a key made active again does not authenticate")
	}

	if _, err := d.CreateUser(ctx, "bob", "", nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete alice's key as bob's", d.DeleteAccessKey(ctx, "bob", k1.ID), CodeNoSuchEntity)
	wantCode(t, "delete key", d.DeleteAccessKey(ctx, "alice", k1.ID), "")
	if _, ok := d.SecretKey(k1.ID); ok {
		t.Error("a deleted key authenticates")
	}
	wantCode(t, "delete key again", d.DeleteAccessKey(ctx, "alice", k1.ID), CodeNoSuchEntity)
	// A freed slot can be used again.
	if _, err := d.CreateAccessKey(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
}

func TestSecretsEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	d.CreateUser(ctx, "alice", "", nil)
	k, err := d.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range store.snapshot() {
		if strings.Contains(v, k.Secret) {
			t.Fatalf("record %s holds the secret key in plain text", name)
		}
	}
	// Another gateway with the same root secret opens it.
	if s, ok := newTestDirectory(t, store).SecretKey(k.ID); !ok || s != k.Secret {
		t.Error("a second directory with the same key does not open the secret")
	}
	// One with another IAM key does not: the key does not authenticate.
	other := newTestDirectory(t, store, func(c *DirectoryConfig) { c.EncryptionKey = "another-iam-key-0123456789" })
	if _, ok := other.SecretKey(k.ID); ok {
		t.Error("a directory with another IAM key authenticates the key")
	}
	// A sealed secret copied into another key's record does not open there.
	k2, err := d.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	rec1, _ := decodeRecord[keyRecord]("", store.value(keyRecordName(k.ID)))
	rec2, _ := decodeRecord[keyRecord]("", store.value(keyRecordName(k2.ID)))
	rec2.Secret = rec1.Secret
	b, _ := encodeRecord(rec2)
	store.PutMeta(ctx, keyRecordName(k2.ID), b)
	if s, ok := newTestDirectory(t, store).SecretKey(k2.ID); ok {
		t.Errorf("a secret moved to another key record opens: %q", s)
	}
}

func TestDeleteUserConflicts(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	d.CreateUser(ctx, "alice", "", nil)
	d.CreateGroup(ctx, "devs", "")
	p, err := d.CreatePolicy(ctx, "s3all", "", "", allowS3, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := d.CreateAccessKey(ctx, "alice")
	wantCode(t, "put policy", d.PutUserPolicy(ctx, "alice", "inline", allowS3), "")
	wantCode(t, "attach", d.AttachUserPolicy(ctx, "alice", p.ARN), "")
	wantCode(t, "join", d.AddUserToGroup(ctx, "devs", "alice"), "")

	steps := []struct {
		what   string
		remove func() error
	}{
		{"access keys", func() error { return d.DeleteAccessKey(ctx, "alice", k.ID) }},
		{"inline policies", func() error { return d.DeleteUserPolicy(ctx, "alice", "inline") }},
		{"attached policies", func() error { return d.DetachUserPolicy(ctx, "alice", p.ARN) }},
		{"groups", func() error { return d.RemoveUserFromGroup(ctx, "devs", "alice") }},
	}
	for _, s := range steps {
		before := store.snapshot()
		wantCode(t, "delete user with "+s.what, d.DeleteUser(ctx, "alice"), CodeDeleteConflict)
		if !maps.Equal(before, store.snapshot()) {
			t.Fatalf("a refused delete (%s) changed the store", s.what)
		}
		wantCode(t, "remove "+s.what, s.remove(), "")
	}
	wantCode(t, "delete user", d.DeleteUser(ctx, "alice"), "")
	wantCode(t, "delete user again", d.DeleteUser(ctx, "alice"), CodeNoSuchEntity)
	// The name is free again, and the new user starts clean.
	d.CreateUser(ctx, "Alice", "", nil)
	if names, _ := d.ListUserPolicies(ctx, "alice"); len(names) != 0 {
		t.Errorf("a re-created user has policies %v", names)
	}
}

func TestInlinePolicyLimits(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	d.CreateUser(ctx, "u", "", nil)
	d.CreateGroup(ctx, "g", "")
	d.CreateRole(ctx, CreateRoleInput{Name: "r", TrustPolicy: trustAccount(d.Account())})

	// docOfSize is a policy of exactly n characters without white space,
	// with as much white space again, which does not count.
	docOfSize := func(n int) string {
		base := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`
		tail := `"}]}`
		pad := n - len(base) - len(tail)
		return base + strings.Repeat("x", pad) + tail + strings.Repeat(" \n\t", n/3)
	}
	for _, tc := range []struct {
		kind  entityKind
		name  string
		limit int
	}{{kindUser, "u", 2048}, {kindGroup, "g", 5120}, {kindRole, "r", 10240}} {
		if got := policySize(docOfSize(tc.limit)); got != tc.limit {
			t.Fatalf("docOfSize(%d) has size %d", tc.limit, got)
		}
		wantCode(t, tc.kind.String()+" at the limit", d.putEntityPolicy(ctx, tc.kind, tc.name, "p1", docOfSize(tc.limit)), "")
		before := store.snapshot()
		wantCode(t, tc.kind.String()+" over the limit", d.putEntityPolicy(ctx, tc.kind, tc.name, "p1", docOfSize(tc.limit+1)), CodeLimitExceeded)
		// The limit is on all inline policies of the entity together.
		wantCode(t, tc.kind.String()+" second policy", d.putEntityPolicy(ctx, tc.kind, tc.name, "p2", allowS3), CodeLimitExceeded)
		if !maps.Equal(before, store.snapshot()) {
			t.Errorf("%s: a refused policy changed the store", tc.kind)
		}
		// Replacing the policy by a smaller one makes room.
		wantCode(t, tc.kind.String()+" replace", d.putEntityPolicy(ctx, tc.kind, tc.name, "p1", allowS3), "")
		wantCode(t, tc.kind.String()+" second policy", d.putEntityPolicy(ctx, tc.kind, tc.name, "p2", allowS3), "")
		names, err := d.listEntityPolicies(ctx, tc.kind, tc.name)
		if err != nil || strings.Join(names, ",") != "p1,p2" {
			t.Errorf("%s policies: %v, %v", tc.kind, names, err)
		}
		doc, err := d.getEntityPolicy(ctx, tc.kind, tc.name, "p2")
		if err != nil || doc != allowS3 {
			t.Errorf("%s policy p2: %q, %v", tc.kind, doc, err)
		}
		wantCode(t, "delete", d.deleteEntityPolicy(ctx, tc.kind, tc.name, "p2"), "")
		wantCode(t, "delete again", d.deleteEntityPolicy(ctx, tc.kind, tc.name, "p2"), CodeNoSuchEntity)
		_, err = d.getEntityPolicy(ctx, tc.kind, tc.name, "p2")
		wantCode(t, "get deleted", err, CodeNoSuchEntity)
	}
	// Managed policies: 6,144.
	_, err := d.CreatePolicy(ctx, "big", "", "", docOfSize(6144), nil)
	wantCode(t, "managed at the limit", err, "")
	_, err = d.CreatePolicy(ctx, "bigger", "", "", docOfSize(6145), nil)
	wantCode(t, "managed over the limit", err, CodeLimitExceeded)
}

func TestMalformedPolicies(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	d.CreateUser(ctx, "u", "", nil)
	for _, doc := range []string{
		`{bad`,
		`[]`,
		`{"Statement":[]}`,
		`{"Version":"2012-10-17"}`,
		`{"Version":"2099-01-01","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}]}`,
		`{"Statement":{"Effect":"Allow","Action":"*"}} trailing`,
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"\u0100\"}]}",
	} {
		before := store.snapshot()
		wantCode(t, "put "+doc, d.PutUserPolicy(ctx, "u", "p", doc), CodeMalformedPolicyDocument)
		_, err := d.CreatePolicy(ctx, "p", "", "", doc, nil)
		wantCode(t, "create "+doc, err, CodeMalformedPolicyDocument)
		if !maps.Equal(before, store.snapshot()) {
			t.Errorf("malformed %s changed the store", doc)
		}
	}
	wantCode(t, "empty", d.PutUserPolicy(ctx, "u", "p", ""), CodeValidationError)
	wantCode(t, "single statement", d.PutUserPolicy(ctx, "u", "p", `{"Statement":{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}}`), "")

	// A ValidatePolicy hook decides instead, and its codes are kept.
	hooked := newTestDirectory(t, store, func(c *DirectoryConfig) {
		c.ValidatePolicy = func(doc []byte, kind PolicyKind) error {
			if strings.Contains(string(doc), "forbidden") {
				return codedError{"LimitExceeded", "too much"}
			}
			if strings.Contains(string(doc), "bad") {
				return errors.New("Action must be a string")
			}
			return nil
		}
	})
	wantCode(t, "hook accepts", hooked.PutUserPolicy(ctx, "u", "p", `not even json`), "")
	wantCode(t, "hook refuses", hooked.PutUserPolicy(ctx, "u", "p", `bad`), CodeMalformedPolicyDocument)
	wantCode(t, "hook coded", hooked.PutUserPolicy(ctx, "u", "p", `forbidden`), CodeLimitExceeded)
}

type codedError struct{ code, msg string }

func (e codedError) Error() string { return e.msg }
func (e codedError) Code() string  { return e.code }

func trustAccount(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
}

func TestGroups(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	for _, u := range []string{"carol", "alice", "bob"} {
		d.CreateUser(ctx, u, "", nil)
	}
	g, err := d.CreateGroup(ctx, "Devs", "/eng/")
	if err != nil {
		t.Fatal(err)
	}
	if g.ARN != "arn:aws:iam::"+d.Account()+":group/eng/Devs" || !strings.HasPrefix(g.ID, "AGPA") {
		t.Errorf("group %+v", g)
	}
	_, err = d.CreateGroup(ctx, "devs", "")
	wantCode(t, "same group in other case", err, CodeEntityAlreadyExists)
	wantCode(t, "add", d.AddUserToGroup(ctx, "devs", "alice"), "")
	wantCode(t, "add again", d.AddUserToGroup(ctx, "DEVS", "alice"), "")
	wantCode(t, "add carol", d.AddUserToGroup(ctx, "devs", "carol"), "")
	wantCode(t, "add nobody", d.AddUserToGroup(ctx, "devs", "nobody"), CodeNoSuchEntity)
	wantCode(t, "add to no group", d.AddUserToGroup(ctx, "nogroup", "bob"), CodeNoSuchEntity)
	_, members, err := d.GetGroup(ctx, "devs")
	if err != nil || len(members) != 2 || members[0].Name != "alice" || members[1].Name != "carol" {
		t.Fatalf("members %+v, %v", members, err)
	}
	groups, err := d.ListGroupsForUser(ctx, "alice")
	if err != nil || len(groups) != 1 || groups[0].Name != "Devs" {
		t.Fatalf("groups of alice: %+v, %v", groups, err)
	}
	wantCode(t, "delete group with members", d.DeleteGroup(ctx, "devs"), CodeDeleteConflict)
	wantCode(t, "remove bob (not a member)", d.RemoveUserFromGroup(ctx, "devs", "bob"), CodeNoSuchEntity)
	wantCode(t, "remove alice", d.RemoveUserFromGroup(ctx, "devs", "alice"), "")
	wantCode(t, "remove carol", d.RemoveUserFromGroup(ctx, "devs", "carol"), "")
	wantCode(t, "group policy", d.PutGroupPolicy(ctx, "devs", "p", allowS3), "")
	wantCode(t, "delete group with a policy", d.DeleteGroup(ctx, "devs"), CodeDeleteConflict)
	wantCode(t, "delete group policy", d.DeleteGroupPolicy(ctx, "devs", "p"), "")
	wantCode(t, "delete group", d.DeleteGroup(ctx, "devs"), "")
	if gs, _ := d.ListGroups(ctx, ""); len(gs) != 0 {
		t.Errorf("groups left: %+v", gs)
	}

	// At most ten groups per user.
	for i := range maxGroupsPerUser + 1 {
		name := "g" + string(rune('a'+i))
		d.CreateGroup(ctx, name, "")
		err := d.AddUserToGroup(ctx, name, "bob")
		if i < maxGroupsPerUser {
			wantCode(t, "join "+name, err, "")
		} else {
			wantCode(t, "join one group too many", err, CodeLimitExceeded)
		}
	}
}

func TestManagedPolicies(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	d.CreateUser(ctx, "alice", "", nil)
	d.CreateGroup(ctx, "devs", "")
	d.CreateRole(ctx, CreateRoleInput{Name: "reader", TrustPolicy: trustAccount(d.Account())})
	p, err := d.CreatePolicy(ctx, "S3All", "/team/", "all of S3", allowS3, []Tag{{"owner", "ops"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ARN != "arn:aws:iam::"+d.Account()+":policy/team/S3All" || !strings.HasPrefix(p.ID, "ANPA") {
		t.Errorf("policy %+v", p)
	}
	_, err = d.CreatePolicy(ctx, "s3all", "/", "", allowS3, nil)
	wantCode(t, "duplicate name", err, CodeEntityAlreadyExists)
	_, err = d.CreatePolicy(ctx, "x", "/a b/", "", allowS3, nil)
	wantCode(t, "bad path", err, CodeValidationError)

	for _, arn := range []string{"not-an-arn", "arn:aws:iam::123:user/x"} {
		_, err := d.GetPolicy(ctx, arn)
		wantCode(t, "get "+arn, err, CodeInvalidInput)
	}
	for _, arn := range []string{
		"arn:aws:iam::aws:policy/AmazonS3FullAccess",                 // AWS managed
		"arn:aws:iam::" + d.Account() + ":policy/S3All",              // wrong path
		"arn:aws:iam::" + d.Account() + ":policy/team/nothing",       // no such policy
		"arn:aws:iam::" + "000000000000" + ":policy/team/S3All",      // other account
		"arn:aws:iam::" + d.Account() + ":policy/team/S3All/../x/y/", // no name
	} {
		err := d.AttachUserPolicy(ctx, "alice", arn)
		if !IsCode(err, CodeNoSuchEntity) && !IsCode(err, CodeInvalidInput) {
			t.Errorf("attach %s: %v", arn, err)
		}
	}
	wantCode(t, "attach user", d.AttachUserPolicy(ctx, "alice", p.ARN), "")
	wantCode(t, "attach user again", d.AttachUserPolicy(ctx, "alice", p.ARN), "")
	wantCode(t, "attach group", d.AttachGroupPolicy(ctx, "devs", p.ARN), "")
	wantCode(t, "attach role", d.AttachRolePolicy(ctx, "reader", p.ARN), "")
	wantCode(t, "attach to nobody", d.AttachUserPolicy(ctx, "nobody", p.ARN), CodeNoSuchEntity)
	got, err := d.GetPolicy(ctx, p.ARN)
	if err != nil || got.AttachmentCount != 3 || got.Document != allowS3 || got.Description != "all of S3" {
		t.Fatalf("get policy: %+v, %v", got, err)
	}
	attached, err := d.ListAttachedUserPolicies(ctx, "alice", "")
	if err != nil || len(attached) != 1 || attached[0].ARN != p.ARN || attached[0].Name != "S3All" {
		t.Fatalf("attached: %+v, %v", attached, err)
	}
	if attached, _ := d.ListAttachedUserPolicies(ctx, "alice", "/other/"); len(attached) != 0 {
		t.Errorf("path prefix /other/ lists %+v", attached)
	}
	only, _ := d.ListPolicies(ctx, "Local", true, "")
	all, _ := d.ListPolicies(ctx, "All", false, "/team/")
	aws, _ := d.ListPolicies(ctx, "AWS", false, "")
	if len(only) != 1 || len(all) != 1 || len(aws) != 0 {
		t.Errorf("list policies: attached %d, all %d, aws %d", len(only), len(all), len(aws))
	}
	wantCode(t, "delete attached", d.DeletePolicy(ctx, p.ARN), CodeDeleteConflict)
	wantCode(t, "detach user", d.DetachUserPolicy(ctx, "alice", p.ARN), "")
	wantCode(t, "detach user again", d.DetachUserPolicy(ctx, "alice", p.ARN), CodeNoSuchEntity)
	wantCode(t, "detach group", d.DetachGroupPolicy(ctx, "devs", p.ARN), "")
	wantCode(t, "delete role with policy", d.DeleteRole(ctx, "reader"), CodeDeleteConflict)
	wantCode(t, "detach role", d.DetachRolePolicy(ctx, "reader", p.ARN), "")
	if only, _ := d.ListPolicies(ctx, "", true, ""); len(only) != 0 {
		t.Errorf("OnlyAttached lists %+v", only)
	}
	wantCode(t, "delete", d.DeletePolicy(ctx, p.ARN), "")
	wantCode(t, "delete again", d.DeletePolicy(ctx, p.ARN), CodeNoSuchEntity)
	wantCode(t, "delete role", d.DeleteRole(ctx, "reader"), "")

	// At most ten policies attached to one entity.
	for i := range maxAttachedPerEntity + 1 {
		pol, err := d.CreatePolicy(ctx, "p"+string(rune('a'+i)), "", "", allowS3, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = d.AttachUserPolicy(ctx, "alice", pol.ARN)
		if i < maxAttachedPerEntity {
			wantCode(t, "attach "+pol.Name, err, "")
		} else {
			wantCode(t, "attach one too many", err, CodeLimitExceeded)
		}
	}
}

func TestIdentityPolicies(t *testing.T) {
	ctx := context.Background()
	d := newTestDirectory(t, newMemStore())
	d.CreateUser(ctx, "alice", "/eng/", nil)
	d.CreateGroup(ctx, "devs", "")
	d.CreateGroup(ctx, "ops", "")
	k, _ := d.CreateAccessKey(ctx, "alice")
	p, _ := d.CreatePolicy(ctx, "managed", "", "", allowS3, nil)
	d.PutUserPolicy(ctx, "alice", "own", allowS3)
	d.AttachUserPolicy(ctx, "alice", p.ARN)
	d.AddUserToGroup(ctx, "devs", "alice")
	d.PutGroupPolicy(ctx, "devs", "team", allowS3)
	d.AttachGroupPolicy(ctx, "ops", p.ARN) // alice is not in ops

	id, err := d.Identity(k.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if id.Root || id.UserName != "alice" || id.ARN != "arn:aws:iam::"+d.Account()+":user/eng/alice" || id.Path != "/eng/" {
		t.Errorf("identity %+v", id)
	}
	var got []string
	for _, p := range id.Policies {
		got = append(got, p.Name+"@"+p.ARN)
	}
	want := []string{
		"own@arn:aws:iam::" + d.Account() + ":user/eng/alice",
		"managed@" + p.ARN,
		"team@arn:aws:iam::" + d.Account() + ":group/devs",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("policies\n got %v\nwant %v", got, want)
	}
	root, err := d.Identity(testRootAccess, "")
	if err != nil || !root.Root || root.ARN != "arn:aws:iam::"+d.Account()+":root" {
		t.Errorf("root identity %+v, %v", root, err)
	}
}

func TestAccountID(t *testing.T) {
	a, b := AccountID("AKIAEXAMPLE1"), AccountID("AKIAEXAMPLE2")
	if !regexp.MustCompile(`^\d{12}$`).MatchString(a) || a == b || a != AccountID("AKIAEXAMPLE1") {
		t.Errorf("account IDs %q %q", a, b)
	}
}

// TestPropagation runs two directories over one store, as two gateways:
// a change through one is seen by the other after its refresh, and at
// once by the one that made it.
func TestPropagation(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	a := newTestDirectory(t, store)
	b := newTestDirectory(t, store)
	a.CreateUser(ctx, "alice", "", nil)
	k, err := a.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.SecretKey(k.ID); !ok {
		t.Fatal("the key does not authenticate at once on the gateway that made it")
	}
	if _, ok := b.SecretKey(k.ID); ok {
		t.Fatal("b knows the key before refreshing")
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.SecretKey(k.ID); !ok {
		t.Fatal("b does not know the key after refreshing")
	}
	if err := a.UpdateAccessKey(ctx, "alice", k.ID, StatusInactive); err != nil {
		t.Fatal(err)
	}
	b.Refresh(ctx)
	if _, ok := b.SecretKey(k.ID); ok {
		t.Fatal("b authenticates a key made inactive through a")
	}
	b.UpdateAccessKey(ctx, "alice", k.ID, StatusActive)
	b.DeleteAccessKey(ctx, "alice", k.ID)
	a.Refresh(ctx)
	if _, ok := a.SecretKey(k.ID); ok {
		t.Fatal("a authenticates a key deleted through b")
	}

	// A refresh that fails keeps what was read before.
	k2, _ := a.CreateAccessKey(ctx, "alice")
	b.Refresh(ctx)
	store.setUnavailable(true)
	if err := b.Refresh(ctx); !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("refresh of an unavailable store: %v", err)
	}
	if _, ok := b.SecretKey(k2.ID); !ok {
		t.Fatal("a failed refresh forgot the keys")
	}
	_, err = b.CreateUser(ctx, "bob", "", nil)
	if !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("create user on an unavailable store: %v", err)
	}
	store.setUnavailable(false)
}

// TestRefreshKeepsConcurrentWrites checks that a write made while a
// refresh lists the store is not undone by that refresh.
func TestRefreshKeepsConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	d.CreateUser(ctx, "alice", "", nil)
	var k AccessKey
	var once sync.Once
	store.beforeList = func(prefix string) {
		if prefix != recordPrefix {
			return
		}
		once.Do(func() {
			var err error
			if k, err = d.CreateAccessKey(ctx, "alice"); err != nil {
				t.Error(err)
			}
		})
	}
	if err := d.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	store.beforeList = nil
	if _, ok := d.SecretKey(k.ID); !ok {
		t.Fatal("a key made during a refresh was lost by it")
	}
	// The next refresh sees it in the store itself.
	d.Refresh(ctx)
	if _, ok := d.SecretKey(k.ID); !ok {
		t.Fatal("a key made during a refresh is lost by the next one")
	}
	if len(d.recent) != 0 {
		t.Errorf("%d remembered writes after a full refresh", len(d.recent))
	}
}

func TestRunRefreshes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := newMemStore()
	a := newTestDirectory(t, store)
	b, err := NewDirectory(DirectoryConfig{Store: store, RootAccessKey: testRootAccess, RootSecretKey: testRootSecret, Logger: quietLog, RefreshInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	a.CreateUser(ctx, "alice", "", nil)
	k, _ := a.CreateAccessKey(ctx, "alice")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := b.SecretKey(k.ID); ok && b.Loaded() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not pick up the new key")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock()
	store := newMemStore()
	d := newTestDirectory(t, store, func(c *DirectoryConfig) { c.Now = clock.now })
	role, err := d.CreateRole(ctx, CreateRoleInput{Name: "reader", Path: "/svc/", TrustPolicy: trustAccount(d.Account())})
	if err != nil {
		t.Fatal(err)
	}
	d.PutRolePolicy(ctx, "reader", "read", allowS3)
	creds, err := d.IssueSession(AssumeRoleInput{Role: role, SessionName: "job-1", Duration: 900 * time.Second, SessionPolicy: allowS3, Source: "arn:aws:iam::" + d.Account() + ":user/alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(creds.AccessKeyID) || len(creds.SecretAccessKey) != 40 {
		t.Errorf("credentials %+v", creds)
	}
	if !creds.Expiration.Equal(clock.now().Add(900 * time.Second)) {
		t.Errorf("expiration %v", creds.Expiration)
	}
	// Another gateway (same master secret, nothing read from the store)
	// verifies the token.
	other := newTestDirectory(t, newMemStore(), func(c *DirectoryConfig) { c.Now = clock.now })
	if s, err := other.SessionSecretKey(creds.AccessKeyID, creds.SessionToken); err != nil || s != creds.SecretAccessKey {
		t.Fatalf("session secret on another gateway: %q, %v", s, err)
	}
	id, err := d.Identity(creds.AccessKeyID, creds.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if id.ARN != "arn:aws:sts::"+d.Account()+":assumed-role/reader/job-1" || id.UserID != role.ID+":job-1" ||
		id.RoleARN != role.ARN || string(id.SessionPolicy) != allowS3 || len(id.Policies) != 1 || id.Root {
		t.Errorf("session identity %+v", id)
	}

	for _, tc := range []struct {
		what, key, token string
		want             error
	}{
		{"wrong access key", "ASIAAAAAAAAAAAAAAAAA", creds.SessionToken, ErrInvalidToken},
		{"tampered", creds.AccessKeyID, creds.SessionToken[:20] + "A" + creds.SessionToken[21:], ErrInvalidToken},
		{"not base64", creds.AccessKeyID, "!!!", ErrInvalidToken},
		{"truncated", creds.AccessKeyID, creds.SessionToken[:30], ErrInvalidToken},
		{"huge", creds.AccessKeyID, strings.Repeat("A", maxSessionToken+1), ErrInvalidToken},
	} {
		if creds.SessionToken[20] == 'A' && tc.what == "tampered" {
			tc.token = creds.SessionToken[:20] + "B" + creds.SessionToken[21:]
		}
		if _, err := d.SessionSecretKey(tc.key, tc.token); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.what, err, tc.want)
		}
	}
	foreign := newTestDirectory(t, store, func(c *DirectoryConfig) { c.EncryptionKey = "another-iam-key-0123456789"; c.Now = clock.now })
	if _, err := foreign.SessionSecretKey(creds.AccessKeyID, creds.SessionToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("token under another IAM key: %v", err)
	}

	// Deleting the role leaves the session without policies.
	d.DeleteRolePolicy(ctx, "reader", "read")
	d.DeleteRole(ctx, "reader")
	if id, err := d.Identity(creds.AccessKeyID, creds.SessionToken); err != nil || len(id.Policies) != 0 {
		t.Errorf("session of a deleted role: %+v, %v", id, err)
	}

	clock.advance(899 * time.Second)
	if _, err := d.SessionSecretKey(creds.AccessKeyID, creds.SessionToken); err != nil {
		t.Errorf("one second before expiry: %v", err)
	}
	clock.advance(time.Second)
	if _, err := d.SessionSecretKey(creds.AccessKeyID, creds.SessionToken); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("at expiry: %v", err)
	}
	if _, err := d.Identity(creds.AccessKeyID, creds.SessionToken); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("identity at expiry: %v", err)
	}
}

func TestRolesValidation(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	for _, tc := range []struct {
		in   CreateRoleInput
		code string
	}{
		{CreateRoleInput{Name: "ok", TrustPolicy: trustAccount(d.Account()), MaxSessionDuration: 43200}, ""},
		{CreateRoleInput{Name: "OK", TrustPolicy: trustAccount(d.Account())}, CodeEntityAlreadyExists},
		{CreateRoleInput{Name: "bad name", TrustPolicy: trustAccount(d.Account())}, CodeValidationError},
		{CreateRoleInput{Name: "short", TrustPolicy: trustAccount(d.Account()), MaxSessionDuration: 1800}, CodeValidationError},
		{CreateRoleInput{Name: "long", TrustPolicy: trustAccount(d.Account()), MaxSessionDuration: 43201}, CodeValidationError},
		{CreateRoleInput{Name: "noprincipal", TrustPolicy: allowS3}, CodeMalformedPolicyDocument},
		{CreateRoleInput{Name: "notjson", TrustPolicy: "{"}, CodeMalformedPolicyDocument},
		{CreateRoleInput{Name: "empty"}, CodeValidationError},
	} {
		before := store.snapshot()
		r, err := d.CreateRole(ctx, tc.in)
		wantCode(t, "create role "+tc.in.Name, err, tc.code)
		if tc.code != "" && !maps.Equal(before, store.snapshot()) {
			t.Errorf("refused role %s changed the store", tc.in.Name)
		}
		if tc.code == "" && (r.MaxSessionDuration != 43200 || !strings.HasPrefix(r.ID, "AROA")) {
			t.Errorf("role %+v", r)
		}
	}
	r, _ := d.GetRole(ctx, "ok")
	if r.TrustPolicy != trustAccount(d.Account()) {
		t.Errorf("trust policy %q", r.TrustPolicy)
	}
	roles, _ := d.ListRoles(ctx, "")
	if len(roles) != 1 {
		t.Errorf("roles %+v", roles)
	}
}

func TestTrustPolicyAllows(t *testing.T) {
	const acct = "123456789012"
	alice := &Identity{ARN: "arn:aws:iam::123456789012:user/alice", UserName: "alice"}
	root := &Identity{ARN: "arn:aws:iam::123456789012:root", Root: true}
	session := &Identity{ARN: "arn:aws:sts::123456789012:assumed-role/ci/build", RoleARN: "arn:aws:iam::123456789012:role/ci"}
	stmt := func(effect, principal, action, extra string) string {
		return `{"Effect":"` + effect + `","Principal":` + principal + `,"Action":` + action + extra + `}`
	}
	doc := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	for _, tc := range []struct {
		name   string
		doc    string
		caller *Identity
		allow  bool
	}{
		{"user named", doc(stmt("Allow", `{"AWS":"arn:aws:iam::123456789012:user/alice"}`, `"sts:AssumeRole"`, "")), alice, true},
		{"other user named", doc(stmt("Allow", `{"AWS":"arn:aws:iam::123456789012:user/bob"}`, `"sts:AssumeRole"`, "")), alice, false},
		{"account root ARN", doc(stmt("Allow", `{"AWS":"arn:aws:iam::123456789012:root"}`, `"sts:AssumeRole"`, "")), alice, true},
		{"account ID", doc(stmt("Allow", `{"AWS":"123456789012"}`, `"sts:AssumeRole"`, "")), root, true},
		{"other account", doc(stmt("Allow", `{"AWS":"arn:aws:iam::999999999999:root"}`, `"sts:AssumeRole"`, "")), alice, false},
		{"star principal", doc(stmt("Allow", `"*"`, `"sts:AssumeRole"`, "")), alice, true},
		{"AWS star", doc(stmt("Allow", `{"AWS":["x","*"]}`, `["s3:GetObject","sts:*"]`, "")), alice, true},
		{"action glob", doc(stmt("Allow", `"*"`, `"sts:Assume*"`, "")), alice, true},
		{"other action", doc(stmt("Allow", `"*"`, `"sts:AssumeRoleWithSAML"`, "")), alice, false},
		{"service principal", doc(stmt("Allow", `{"Service":"ec2.amazonaws.com"}`, `"sts:AssumeRole"`, "")), alice, false},
		{"deny wins", doc(stmt("Allow", `"*"`, `"sts:AssumeRole"`, ""), stmt("Deny", `{"AWS":"arn:aws:iam::123456789012:user/alice"}`, `"*"`, "")), alice, false},
		{"condition not honoured", doc(stmt("Allow", `"*"`, `"sts:AssumeRole"`, `,"Condition":{"StringEquals":{"sts:ExternalId":"x"}}`)), alice, false},
		{"role ARN names the session", doc(stmt("Allow", `{"AWS":"arn:aws:iam::123456789012:role/ci"}`, `"sts:AssumeRole"`, "")), session, true},
		{"single statement object", `{"Statement":` + stmt("Allow", `{"AWS":"123456789012"}`, `"sts:AssumeRole"`, "") + `}`, alice, true},
		{"not json", `{`, alice, false},
	} {
		err := TrustPolicyAllows([]byte(tc.doc), tc.caller, acct)
		if (err == nil) != tc.allow {
			t.Errorf("%s: %v, want allowed %v", tc.name, err, tc.allow)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*c", "abbbc", true}, {"a*c", "abd", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"sts:*", "sts:assumerole", true},
		{"*role", "sts:assumerole", true}, {"**", "x", true}, {"", "", true}, {"", "a", false},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "aXbY", false},
	} {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

func TestPolicySize(t *testing.T) {
	for doc, want := range map[string]int{"": 0, "{ }": 2, "{\n\t\"a\" : 1\r\n}": 7, "ÿ": 1} {
		if got := policySize(doc); got != want {
			t.Errorf("policySize(%q) = %d, want %d", doc, got, want)
		}
	}
}

// TestDirectoryConcurrent authenticates while keys change and refreshes
// run; under -race it checks the in-memory copy's locking.
func TestDirectoryConcurrent(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	d := newTestDirectory(t, store)
	d.CreateUser(ctx, "alice", "", nil)
	stable, _ := d.CreateAccessKey(ctx, "alice")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if s, ok := d.SecretKey(stable.ID); !ok || s != stable.Secret {
					t.Error("the stable key stopped authenticating")
					return
				}
				if _, err := d.Identity(stable.ID, ""); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := d.Refresh(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 50 {
		k, err := d.CreateAccessKey(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := d.SecretKey(k.ID); !ok {
			t.Error("a new key does not authenticate at once")
		}
		if err := d.DeleteAccessKey(ctx, "alice", k.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok := d.SecretKey(k.ID); ok {
			t.Error("a deleted key authenticates")
		}
	}
	close(stop)
	wg.Wait()
}
