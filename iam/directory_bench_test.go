package iam

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchDirectory has 1,000 users with a key and an inline policy each, in
// 10 groups with a policy each.
func benchDirectory(b *testing.B) (*Directory, AccessKey) {
	ctx := context.Background()
	d := newTestDirectory(b, newMemStore())
	for g := range 10 {
		d.CreateGroup(ctx, fmt.Sprintf("group%d", g), "")
		d.PutGroupPolicy(ctx, fmt.Sprintf("group%d", g), "p", allowS3)
	}
	var k AccessKey
	for u := range 1000 {
		name := fmt.Sprintf("user%04d", u)
		d.CreateUser(ctx, name, "", nil)
		d.PutUserPolicy(ctx, name, "p", allowS3)
		d.AddUserToGroup(ctx, fmt.Sprintf("group%d", u%10), name)
		var err error
		if k, err = d.CreateAccessKey(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
	return d, k
}

// BenchmarkSecretKey is the keyring lookup every signed request makes.
func BenchmarkSecretKey(b *testing.B) {
	d, k := benchDirectory(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.SecretKey(k.ID); !ok {
			b.Fatal("key refused")
		}
	}
}

// BenchmarkIdentity is the identity and policies of a user key.
func BenchmarkIdentity(b *testing.B) {
	d, k := benchDirectory(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Identity(k.ID, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionSecretKey opens a session token, as every request with
// temporary credentials does.
func BenchmarkSessionSecretKey(b *testing.B) {
	ctx := context.Background()
	d := newTestDirectory(b, newMemStore())
	role, _ := d.CreateRole(ctx, CreateRoleInput{Name: "r", TrustPolicy: trustAccount(d.Account())})
	c, err := d.IssueSession(AssumeRoleInput{Role: role, SessionName: "s", Duration: time.Hour, SessionPolicy: allowS3})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.SessionSecretKey(c.AccessKeyID, c.SessionToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefresh reads and decodes every record of the directory, as
// each gateway does every 2 s.
func BenchmarkRefresh(b *testing.B) {
	d, _ := benchDirectory(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
