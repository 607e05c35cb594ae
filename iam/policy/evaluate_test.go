package policy

import (
	"strings"
	"testing"
	"time"
)

const acct = "111122223333"

func user(name string) Principal {
	return Principal{Account: acct, ARN: "arn:aws:iam::" + acct + ":user/" + name, UserName: name, UserID: "AIDA" + strings.ToUpper(name)}
}

var (
	alice     = user("alice")
	bob       = user("bob")
	root      = Principal{Root: true, Account: acct, ARN: "arn:aws:iam::" + acct + ":root", UserID: acct}
	anonymous = Principal{Anonymous: true}
	session   = Principal{Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/reader/s1", RoleARN: "arn:aws:iam::" + acct + ":role/reader", UserID: "AROAREADER:s1"}
)

func mustParse(t testing.TB, kind Kind, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), kind)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

func obj(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }
func bkt(bucket string) string      { return "arn:aws:s3:::" + bucket }

type evalCase struct {
	name      string
	principal Principal
	action    string
	resource  string
	ctx       Context
	at        time.Time
	allowed   bool
	deny      bool   // an explicit deny is expected
	stmt      string // the deciding statement, when checked
}

func runCases(t *testing.T, identity []*Policy, resource, sess *Policy, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := &Request{Principal: c.principal, Action: c.action, Resource: c.resource, Context: c.ctx, Time: c.at}
			d := Evaluate(req, identity, resource, sess)
			if d.Allowed != c.allowed || d.ExplicitDeny != c.deny {
				t.Fatalf("got %s (allowed %v, explicit deny %v), want allowed %v, explicit deny %v", d.Reason(), d.Allowed, d.ExplicitDeny, c.allowed, c.deny)
			}
			if c.stmt != "" && d.Statement != c.stmt {
				t.Errorf("decided by statement %q, want %q (%s)", d.Statement, c.stmt, d.Reason())
			}
		})
	}
}

// IAM User Guide: "Allow IAM users to access their own home directory in
// Amazon S3" (policy variables).
func TestHomeFolderWithUsernameVariable(t *testing.T) {
	p := mustParse(t, Identity, `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "AllowListingOfUserFolder", "Action": ["s3:ListBucket"], "Effect": "Allow",
	     "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket"],
	     "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "home/${aws:username}"]}}},
	    {"Sid": "AllowAllS3ActionsInUserFolder", "Effect": "Allow", "Action": ["s3:*"],
	     "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"]}
	  ]
	}`)
	b := "amzn-s3-demo-bucket"
	runCases(t, []*Policy{p}, nil, nil, []evalCase{
		{name: "own object", principal: alice, action: ActionGetObject, resource: obj(b, "home/alice/notes.txt"), allowed: true, stmt: "AllowAllS3ActionsInUserFolder"},
		{name: "own object put", principal: alice, action: ActionPutObject, resource: obj(b, "home/alice/a/b/c"), allowed: true},
		{name: "someone else's object", principal: alice, action: ActionGetObject, resource: obj(b, "home/bob/notes.txt")},
		{name: "the other user's own", principal: bob, action: ActionGetObject, resource: obj(b, "home/bob/notes.txt"), allowed: true},
		{name: "prefix trick", principal: alice, action: ActionGetObject, resource: obj(b, "home/alicex/notes.txt")},
		{name: "list own folder", principal: alice, action: ActionListBucket, resource: bkt(b), ctx: Context{"s3:prefix": {"home/alice/"}}, allowed: true, stmt: "AllowListingOfUserFolder"},
		{name: "list own folder name", principal: alice, action: ActionListBucket, resource: bkt(b), ctx: Context{"s3:prefix": {"home/alice"}}, allowed: true},
		{name: "list other folder", principal: alice, action: ActionListBucket, resource: bkt(b), ctx: Context{"s3:prefix": {"home/bob/"}}},
		{name: "list without prefix", principal: alice, action: ActionListBucket, resource: bkt(b)},
		// A role session has no aws:username: the variable resolves to
		// nothing and the statements match nothing.
		{name: "no username", principal: session, action: ActionGetObject, resource: obj(b, "home//x")},
		// Context keys are matched without regard to case.
		{name: "context key case", principal: alice, action: ActionListBucket, resource: bkt(b), ctx: Context{"S3:Prefix": {"home/alice/x"}}, allowed: true},
	})
}

// S3 User Guide bucket policy example: deny requests that do not use
// HTTPS (aws:SecureTransport).
func TestDenyWithoutSecureTransport(t *testing.T) {
	bp := mustParse(t, Resource, `{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "RestrictToTLSRequestsOnly", "Action": "s3:*", "Effect": "Deny",
	    "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
	    "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Principal": "*"
	  }]
	}`)
	id := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	b := "amzn-s3-demo-bucket"
	runCases(t, []*Policy{id}, bp, nil, []evalCase{
		{name: "https", principal: alice, action: ActionGetObject, resource: obj(b, "k"), ctx: Context{"aws:securetransport": {"true"}}, allowed: true},
		{name: "http", principal: alice, action: ActionGetObject, resource: obj(b, "k"), ctx: Context{"aws:securetransport": {"false"}}, deny: true, stmt: "RestrictToTLSRequestsOnly"},
		{name: "http bool case", principal: alice, action: ActionGetObject, resource: obj(b, "k"), ctx: Context{"aws:securetransport": {"FALSE"}}, deny: true},
		// The key absent: Bool is false, the Deny does not apply.
		{name: "key absent", principal: alice, action: ActionGetObject, resource: obj(b, "k"), allowed: true},
		{name: "root over http", principal: root, action: ActionGetObject, resource: obj(b, "k"), ctx: Context{"aws:securetransport": {"false"}}, deny: true},
		{name: "root keeps policy management", principal: root, action: ActionDeleteBucketPolicy, resource: bkt(b), ctx: Context{"aws:securetransport": {"false"}}, allowed: true},
		{name: "root over https", principal: root, action: ActionGetObject, resource: obj(b, "k"), ctx: Context{"aws:securetransport": {"true"}}, allowed: true},
		{name: "other bucket", principal: alice, action: ActionGetObject, resource: obj("other", "k"), ctx: Context{"aws:securetransport": {"false"}}, allowed: true},
	})
}

// S3 User Guide: "Restricting access to specific IP addresses" (IPv4 and
// IPv6, IpAddress and NotIpAddress in one block).
func TestSourceIPRestriction(t *testing.T) {
	bp := mustParse(t, Resource, `{
	  "Version": "2012-10-17", "Id": "S3PolicyId1",
	  "Statement": [{
	    "Sid": "IPAllow", "Effect": "Allow", "Principal": "*", "Action": "s3:*",
	    "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
	    "Condition": {
	      "IpAddress": {"aws:SourceIp": ["54.240.143.0/24", "2001:DB8:1234:5678::/64"]},
	      "NotIpAddress": {"aws:SourceIp": ["54.240.143.128/30", "2001:DB8:1234:5678:ABCD::/80"]}
	    }
	  }]
	}`)
	if bp.ID() != "S3PolicyId1" || bp.Version() != Version2012 {
		t.Errorf("Id %q Version %q", bp.ID(), bp.Version())
	}
	b := "amzn-s3-demo-bucket"
	ip := func(a string) Context { return Context{"aws:sourceip": {a}} }
	runCases(t, nil, bp, nil, []evalCase{
		{name: "in range", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("54.240.143.7"), allowed: true, stmt: "IPAllow"},
		{name: "excluded address", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("54.240.143.129")},
		{name: "out of range", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("54.240.144.7")},
		{name: "ipv4-mapped ipv6", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("::ffff:54.240.143.7"), allowed: true},
		{name: "ipv6 in range", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("2001:db8:1234:5678::1"), allowed: true},
		{name: "ipv6 excluded", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("2001:db8:1234:5678:abcd::1")},
		{name: "ipv6 out", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("2001:db8:1234:5679::1")},
		{name: "no source ip", principal: anonymous, action: ActionGetObject, resource: obj(b, "k")},
		{name: "garbage source ip", principal: anonymous, action: ActionGetObject, resource: obj(b, "k"), ctx: ip("not-an-ip")},
		{name: "user in range", principal: alice, action: ActionPutObject, resource: obj(b, "k"), ctx: ip("54.240.143.7"), allowed: true},
	})
}

// IAM User Guide: allow access during a date range (DateGreaterThan and
// DateLessThan on aws:CurrentTime), and epoch seconds on aws:EpochTime.
func TestDateWindow(t *testing.T) {
	p := mustParse(t, Identity, `{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "Window", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
	    "Condition": {
	      "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
	      "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}
	    }
	  }, {
	    "Sid": "Epoch", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
	    "Condition": {"DateLessThanEquals": {"aws:EpochTime": 1600000000}}
	  }, {
	    "Sid": "Day", "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "*",
	    "Condition": {"DateGreaterThanEquals": {"aws:CurrentTime": "2021-01-01"}}
	  }]
	}`)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	r := obj("b", "k")
	runCases(t, []*Policy{p}, nil, nil, []evalCase{
		{name: "inside", principal: alice, action: ActionGetObject, resource: r, at: at("2020-05-15T12:00:00Z"), allowed: true},
		{name: "before", principal: alice, action: ActionGetObject, resource: r, at: at("2020-03-31T23:59:59Z")},
		{name: "after", principal: alice, action: ActionGetObject, resource: r, at: at("2020-07-01T00:00:00Z")},
		{name: "zone offset", principal: alice, action: ActionGetObject, resource: r, at: at("2020-07-01T01:00:00+02:00"), allowed: true},
		{name: "epoch before", principal: alice, action: ActionPutObject, resource: r, at: time.Unix(1600000000, 0), allowed: true},
		{name: "epoch after", principal: alice, action: ActionPutObject, resource: r, at: time.Unix(1600000001, 0)},
		{name: "date only", principal: alice, action: ActionDeleteObject, resource: r, at: at("2021-01-01T00:00:00Z"), allowed: true},
		{name: "date only before", principal: alice, action: ActionDeleteObject, resource: r, at: at("2020-12-31T23:59:59Z")},
		// A time given in the context wins over the request time.
		{name: "context time", principal: alice, action: ActionGetObject, resource: r, at: at("2030-01-01T00:00:00Z"), ctx: Context{"aws:CurrentTime": {"2020-05-01T00:00:00Z"}}, allowed: true},
	})
}

// S3 User Guide: restrict ListBucket to a prefix and delimiter
// (s3:prefix, s3:delimiter), and s3:max-keys with a numeric operator.
func TestListBucketPrefix(t *testing.T) {
	p := mustParse(t, Identity, `{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "AllowRootAndHomeListingOfCompanyBucket", "Effect": "Allow", "Action": "s3:ListBucket",
	    "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
	    "Condition": {"StringEquals": {"s3:prefix": ["", "home/", "home/David"], "s3:delimiter": ["/"]}}
	  }, {
	    "Sid": "SmallPages", "Effect": "Allow", "Action": "s3:ListBucketVersions",
	    "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
	    "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}
	  }]
	}`)
	r := bkt("amzn-s3-demo-bucket")
	runCases(t, []*Policy{p}, nil, nil, []evalCase{
		{name: "root listing", principal: alice, action: ActionListBucket, resource: r, ctx: Context{"s3:prefix": {""}, "s3:delimiter": {"/"}}, allowed: true},
		{name: "home listing", principal: alice, action: ActionListBucket, resource: r, ctx: Context{"s3:prefix": {"home/"}, "s3:delimiter": {"/"}}, allowed: true},
		{name: "deeper listing", principal: alice, action: ActionListBucket, resource: r, ctx: Context{"s3:prefix": {"home/Bob"}, "s3:delimiter": {"/"}}},
		{name: "case matters", principal: alice, action: ActionListBucket, resource: r, ctx: Context{"s3:prefix": {"HOME/"}, "s3:delimiter": {"/"}}},
		{name: "no delimiter", principal: alice, action: ActionListBucket, resource: r, ctx: Context{"s3:prefix": {"home/"}}},
		{name: "ten keys", principal: alice, action: ActionListBucketVersions, resource: r, ctx: Context{"s3:max-keys": {"10"}}, allowed: true},
		{name: "eleven keys", principal: alice, action: ActionListBucketVersions, resource: r, ctx: Context{"s3:max-keys": {"11"}}},
		{name: "max-keys not a number", principal: alice, action: ActionListBucketVersions, resource: r, ctx: Context{"s3:max-keys": {"many"}}},
	})
}

// IAM User Guide: "Allow MFA-authenticated IAM users to manage their own
// credentials": Deny with NotAction and BoolIfExists.
func TestNotActionDenyWithoutMFA(t *testing.T) {
	p := mustParse(t, Identity, `{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "AllowEverything", "Effect": "Allow", "Action": "*", "Resource": "*"
	  }, {
	    "Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
	    "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
	                  "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
	    "Resource": "*",
	    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
	  }]
	}`)
	userARN := alice.ARN
	mfa := Context{"aws:MultiFactorAuthPresent": {"true"}}
	noMFA := Context{"aws:MultiFactorAuthPresent": {"false"}}
	runCases(t, []*Policy{p}, nil, nil, []evalCase{
		{name: "with MFA", principal: alice, action: ActionGetObject, resource: obj("b", "k"), ctx: mfa, allowed: true},
		{name: "without MFA", principal: alice, action: ActionGetObject, resource: obj("b", "k"), ctx: noMFA, deny: true, stmt: "DenyAllExceptListedIfNoMFA"},
		// Long-term keys carry no aws:MultiFactorAuthPresent: IfExists makes the Deny apply.
		{name: "key absent", principal: alice, action: ActionGetObject, resource: obj("b", "k"), deny: true},
		{name: "listed action without MFA", principal: alice, action: "iam:GetUser", resource: userARN, ctx: noMFA, allowed: true},
		{name: "listed action, any case", principal: alice, action: "IAM:getuser", resource: userARN, allowed: true},
		{name: "sts without MFA", principal: alice, action: ActionGetSessionTok, resource: "*", allowed: true},
	})
}

// S3 User Guide: grant read-only permission to anonymous users
// (public read of arn:aws:s3:::bucket/*).
func TestPublicRead(t *testing.T) {
	bp := mustParse(t, Resource, `{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
	    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
	    "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket/*"]
	  }]
	}`)
	b := "amzn-s3-demo-bucket"
	runCases(t, nil, bp, nil, []evalCase{
		{name: "anonymous get", principal: anonymous, action: ActionGetObject, resource: obj(b, "a/b.png"), allowed: true, stmt: "PublicRead"},
		{name: "anonymous get version", principal: anonymous, action: ActionGetObjectVersion, resource: obj(b, "a"), allowed: true},
		{name: "anonymous put", principal: anonymous, action: ActionPutObject, resource: obj(b, "a")},
		{name: "anonymous list", principal: anonymous, action: ActionListBucket, resource: bkt(b)},
		{name: "other bucket", principal: anonymous, action: ActionGetObject, resource: obj("other", "a")},
		{name: "bucket name prefix", principal: anonymous, action: ActionGetObject, resource: obj(b+"2", "a")},
		{name: "user without identity policy", principal: alice, action: ActionGetObject, resource: obj(b, "a"), allowed: true},
	})
	if !IsPublic(bp) {
		t.Error("IsPublic = false for a public-read policy")
	}
}

// IAM User Guide, NotResource: allow everything in S3 except the HR
// payroll prefix, via a Deny with NotResource.
func TestNotResource(t *testing.T) {
	p := mustParse(t, Identity, `{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Effect": "Allow", "Action": "s3:*", "Resource": "*"
	  }, {
	    "Sid": "OnlyPayroll", "Effect": "Deny", "Action": "s3:*",
	    "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]
	  }]
	}`)
	runCases(t, []*Policy{p}, nil, nil, []evalCase{
		{name: "payroll object", principal: alice, action: ActionGetObject, resource: obj("HRBucket", "Payroll/2024.csv"), allowed: true, stmt: "#0"},
		{name: "payroll prefix itself", principal: alice, action: ActionGetObject, resource: obj("HRBucket", "Payroll"), allowed: true},
		{name: "elsewhere in the bucket", principal: alice, action: ActionGetObject, resource: obj("HRBucket", "Other/x"), deny: true, stmt: "OnlyPayroll"},
		{name: "resources are case-sensitive", principal: alice, action: ActionGetObject, resource: obj("HRBucket", "payroll/x"), deny: true},
		{name: "other bucket", principal: alice, action: ActionListBucket, resource: bkt("other"), deny: true},
	})

	// NotResource in an Allow grants everything but the listed resources.
	q := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secret/*"}}`)
	runCases(t, []*Policy{q}, nil, nil, []evalCase{
		{name: "allowed elsewhere", principal: alice, action: ActionGetObject, resource: obj("public", "x"), allowed: true},
		{name: "not in the secret bucket", principal: alice, action: ActionGetObject, resource: obj("secret", "x")},
	})
}

func TestWildcardMatching(t *testing.T) {
	p := mustParse(t, Identity, `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "Gets", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::logs-????/*.log"},
	    {"Sid": "Literal", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/${*}/x${?}${$}"},
	    {"Sid": "Default", "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/${aws:username, 'shared'}/*"},
	    {"Sid": "Multi", "Effect": "Allow", "Action": "s3:ListMultipartUploadParts", "Resource": "arn:aws:s3:::b/*a*b*c"}
	  ]
	}`)
	runCases(t, []*Policy{p}, nil, nil, []evalCase{
		{name: "get with ? and *", principal: alice, action: ActionGetObject, resource: obj("logs-2024", "a/b.log"), allowed: true},
		{name: "get tagging", principal: alice, action: ActionGetObjectTagging, resource: obj("logs-2024", "x.log"), allowed: true},
		{name: "action case-insensitive", principal: alice, action: "S3:GETOBJECT", resource: obj("logs-2024", "x.log"), allowed: true},
		{name: "? is one character", principal: alice, action: ActionGetObject, resource: obj("logs-24", "x.log")},
		{name: "? with unicode", principal: alice, action: ActionGetObject, resource: obj("logs-2ü24", "x.log"), allowed: true},
		{name: "suffix", principal: alice, action: ActionGetObject, resource: obj("logs-2024", "x.logs")},
		{name: "put not a get", principal: alice, action: ActionPutObject, resource: obj("logs-2024", "x.log")},
		{name: "escaped literals", principal: alice, action: ActionPutObject, resource: "arn:aws:s3:::b/*/x?$", allowed: true},
		{name: "escaped * is not a wildcard", principal: alice, action: ActionPutObject, resource: "arn:aws:s3:::b/a/x?$"},
		{name: "variable default unused", principal: alice, action: ActionDeleteObject, resource: obj("b", "alice/k"), allowed: true},
		{name: "variable default used", principal: session, action: ActionDeleteObject, resource: obj("b", "shared/k"), allowed: true},
		{name: "variable default other", principal: session, action: ActionDeleteObject, resource: obj("b", "alice/k")},
		{name: "backtracking", principal: alice, action: ActionListMultipartUploadParts, resource: obj("b", "xaxbxcxaybzc"), allowed: true},
		{name: "backtracking miss", principal: alice, action: ActionListMultipartUploadParts, resource: obj("b", "xaxbxcxaybzcd")},
	})
}

func TestConditionOperators(t *testing.T) {
	type cc struct {
		cond  string // the Condition block
		ctx   Context
		match bool
	}
	tests := map[string][]cc{
		"StringEquals": {
			{`{"StringEquals":{"aws:UserAgent":"curl"}}`, Context{"aws:useragent": {"curl"}}, true},
			{`{"StringEquals":{"aws:UserAgent":"curl"}}`, Context{"aws:useragent": {"Curl"}}, false},
			{`{"StringEquals":{"aws:UserAgent":"cu*"}}`, Context{"aws:useragent": {"curl"}}, false},
			{`{"StringEquals":{"aws:UserAgent":"curl"}}`, nil, false},
			{`{"StringEquals":{"aws:UserAgent":["a","curl"]}}`, Context{"aws:useragent": {"curl"}}, true},
		},
		"StringNotEquals": {
			{`{"StringNotEquals":{"aws:UserAgent":"curl"}}`, Context{"aws:useragent": {"wget"}}, true},
			{`{"StringNotEquals":{"aws:UserAgent":"curl"}}`, Context{"aws:useragent": {"curl"}}, false},
			// AWS: a negated operator on a missing key is true.
			{`{"StringNotEquals":{"aws:UserAgent":"curl"}}`, nil, true},
			{`{"StringNotEquals":{"aws:UserAgent":["curl","wget"]}}`, Context{"aws:useragent": {"wget"}}, false},
		},
		"IgnoreCase": {
			{`{"StringEqualsIgnoreCase":{"aws:UserAgent":"CURL"}}`, Context{"aws:useragent": {"curl"}}, true},
			{`{"StringNotEqualsIgnoreCase":{"aws:UserAgent":"CURL"}}`, Context{"aws:useragent": {"curl"}}, false},
			{`{"StringNotEqualsIgnoreCase":{"aws:UserAgent":"CURL"}}`, Context{"aws:useragent": {"wget"}}, true},
		},
		"StringLike": {
			{`{"StringLike":{"aws:Referer":"http://www.example.com/*"}}`, Context{"aws:referer": {"http://www.example.com/page"}}, true},
			{`{"StringLike":{"aws:Referer":"http://www.example.com/*"}}`, Context{"aws:referer": {"http://evil.example/"}}, false},
			{`{"StringNotLike":{"aws:Referer":"http://www.example.com/*"}}`, Context{"aws:referer": {"http://evil.example/"}}, true},
			{`{"StringNotLike":{"aws:Referer":"http://www.example.com/*"}}`, nil, true},
			{`{"StringLike":{"aws:Referer":"*"}}`, nil, false},
		},
		"IfExists": {
			{`{"StringEqualsIfExists":{"aws:UserAgent":"curl"}}`, nil, true},
			{`{"StringEqualsIfExists":{"aws:UserAgent":"curl"}}`, Context{"aws:useragent": {"wget"}}, false},
			{`{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`, nil, true},
			{`{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, Context{"aws:sourceip": {"10.1.2.3"}}, true},
		},
		"Numeric": {
			{`{"NumericEquals":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"10"}}, true},
			{`{"NumericEquals":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"10.0"}}, true},
			{`{"NumericNotEquals":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"11"}}, true},
			{`{"NumericLessThan":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"10"}}, false},
			{`{"NumericGreaterThan":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"11"}}, true},
			{`{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"9"}}, false},
			{`{"NumericLessThan":{"s3:max-keys":"10"}}`, nil, false},
		},
		"DateNotEquals": {
			{`{"DateNotEquals":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, Context{"aws:tokenissuetime": {"2020-01-01T00:00:00Z"}}, false},
			{`{"DateNotEquals":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, Context{"aws:tokenissuetime": {"1577836801"}}, true},
			{`{"DateEquals":{"aws:TokenIssueTime":"1577836800"}}`, Context{"aws:tokenissuetime": {"2020-01-01T00:00:00.000Z"}}, true},
		},
		"Null": {
			{`{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
			{`{"Null":{"aws:TokenIssueTime":"true"}}`, Context{"aws:tokenissuetime": {"2020-01-01T00:00:00Z"}}, false},
			{`{"Null":{"aws:TokenIssueTime":"false"}}`, Context{"aws:tokenissuetime": {"2020-01-01T00:00:00Z"}}, true},
			{`{"Null":{"s3:x-amz-acl":"false"}}`, Context{"s3:x-amz-acl": {}}, false},
		},
		"Bool": {
			{`{"Bool":{"aws:SecureTransport":true}}`, Context{"aws:securetransport": {"true"}}, true},
			{`{"Bool":{"aws:SecureTransport":"true"}}`, Context{"aws:securetransport": {"false"}}, false},
			{`{"Bool":{"aws:SecureTransport":"true"}}`, nil, false},
		},
		"Arn": {
			{`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/a*"}}`, nil, true}, // alice's own ARN is derived
			{`{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}`, nil, true},
			{`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, nil, false},
			{`{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, nil, true},
			{`{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`, Context{"aws:sourcearn": {"arn:aws:s3:::b"}}, true},
			{`{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`, Context{"aws:sourcearn": {"not-an-arn"}}, false},
		},
		"ForAnyValue": {
			{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, Context{"aws:tagkeys": {"owner", "env"}}, true},
			{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, Context{"aws:tagkeys": {"owner"}}, false},
			{`{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, nil, false},
			{`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}`, Context{"aws:tagkeys": {"env", "x"}}, true},
			{`{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}`, Context{"aws:tagkeys": {"env"}}, false},
		},
		"ForAllValues": {
			{`{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, Context{"aws:tagkeys": {"team", "env"}}, true},
			{`{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, Context{"aws:tagkeys": {"env", "owner"}}, false},
			// No values at all: vacuously true, as AWS documents.
			{`{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, nil, true},
			{`{"ForAllValues:StringNotLike":{"aws:TagKeys":["tmp*"]}}`, Context{"aws:tagkeys": {"env", "tmp1"}}, false},
		},
		"Derived keys": {
			{`{"StringEquals":{"aws:username":"alice"}}`, nil, true},
			{`{"StringEquals":{"aws:userid":"AIDAALICE"}}`, nil, true},
			{`{"StringEquals":{"aws:PrincipalType":"User"}}`, nil, true},
			{`{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`, nil, true},
			{`{"StringEquals":{"aws:username":"bob"}}`, Context{"aws:username": {"bob"}}, true},
		},
		"Variables in condition values": {
			{`{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}`, Context{"s3:prefix": {"home/alice/"}}, true},
			{`{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, Context{"s3:prefix": {"home/bob/x"}}, false},
			{`{"StringEquals":{"s3:prefix":"${s3:delimiter}"}}`, Context{"s3:prefix": {"/"}, "s3:delimiter": {"/"}}, true},
		},
		"Object tags": {
			{`{"StringEquals":{"s3:ExistingObjectTag/environment":"production"}}`, Context{"s3:existingobjecttag/environment": {"production"}}, true},
			{`{"StringEquals":{"s3:ExistingObjectTag/environment":"production"}}`, Context{"s3:existingobjecttag/environment": {"test"}}, false},
			{`{"StringEquals":{"s3:RequestObjectTag/Project":"X"}}`, Context{"S3:RequestObjectTag/project": {"X"}}, true},
		},
		"BinaryEquals": {
			{`{"BinaryEquals":{"aws:UserAgent":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, Context{"aws:useragent": {"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, true},
		},
	}
	for name, cases := range tests {
		for i, c := range cases {
			doc := `{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":` + c.cond + `}}`
			p, err := Parse([]byte(doc), Identity)
			if err != nil {
				t.Errorf("%s #%d: Parse: %v", name, i, err)
				continue
			}
			d := Evaluate(&Request{Principal: alice, Action: ActionPutObject, Resource: obj("b", "k"), Context: c.ctx}, []*Policy{p}, nil, nil)
			if d.Allowed != c.match {
				t.Errorf("%s #%d: %s with %v: allowed %v, want %v", name, i, c.cond, c.ctx, d.Allowed, c.match)
			}
		}
	}
}

// Identity and bucket policies combine as AWS does within one account.
func TestSameAccountCombination(t *testing.T) {
	readAll := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}}`)
	denyTmp := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Sid":"NoTmp","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/tmp/*"}}`)
	readAll.Name, denyTmp.Name = "ReadAll", "DenyTmp"
	bp := mustParse(t, Resource, `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "BobWrites", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"},
	    {"Sid": "AccountDeletes", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"},
	    {"Sid": "NoAliceLogs", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b/logs/*"},
	    {"Sid": "ProtectKeep", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/keep/*"}
	  ]
	}`)
	bp.Name = "bucket-policy:b"
	ids := []*Policy{readAll, denyTmp}
	runCases(t, ids, bp, nil, []evalCase{
		{name: "identity allows", principal: alice, action: ActionGetObject, resource: obj("b", "k"), allowed: true, stmt: "Read"},
		{name: "identity deny beats identity allow", principal: alice, action: ActionGetObject, resource: obj("b", "tmp/x"), deny: true, stmt: "NoTmp"},
		{name: "bucket policy alone allows the named user", principal: bob, action: ActionPutObject, resource: obj("b", "k"), allowed: true, stmt: "BobWrites"},
		{name: "not another user", principal: alice, action: ActionPutObject, resource: obj("b", "k")},
		{name: "identity deny beats bucket allow", principal: bob, action: ActionPutObject, resource: obj("b", "tmp/x"), deny: true, stmt: "NoTmp"},
		{name: "bucket deny beats identity allow", principal: alice, action: ActionGetObject, resource: obj("b", "logs/x"), deny: true, stmt: "NoAliceLogs"},
		// Naming the account delegates to identity policies: no grant by itself.
		{name: "account principal does not grant a user", principal: alice, action: ActionDeleteObject, resource: obj("b", "k")},
		{name: "account principal grants root", principal: root, action: ActionDeleteObject, resource: obj("b", "k"), allowed: true},
		{name: "root needs no policy", principal: root, action: ActionPutBucketVersioning, resource: bkt("b"), allowed: true},
		{name: "deny naming the account root applies to users", principal: alice, action: ActionDeleteObject, resource: obj("b", "keep/x"), deny: true, stmt: "ProtectKeep"},
		{name: "deny naming the account root applies to root", principal: root, action: ActionDeleteObject, resource: obj("b", "keep/x"), deny: true},
		{name: "anonymous gets nothing", principal: anonymous, action: ActionGetObject, resource: obj("b", "k")},
	})
	d := Evaluate(&Request{Principal: alice, Action: ActionGetObject, Resource: obj("b", "tmp/x")}, ids, bp, nil)
	if d.Source != SourceIdentity || d.PolicyIndex != 1 || d.Policy != "DenyTmp" {
		t.Errorf("deny decision %+v", d)
	}
	if want := `explicitly denied by identity policy "DenyTmp" statement NoTmp`; d.Reason() != want {
		t.Errorf("Reason() = %q, want %q", d.Reason(), want)
	}
	d = Evaluate(&Request{Principal: bob, Action: ActionPutObject, Resource: obj("b", "k")}, nil, bp, nil)
	if want := `allowed by resource policy "bucket-policy:b" statement BobWrites`; d.Reason() != want {
		t.Errorf("Reason() = %q, want %q", d.Reason(), want)
	}
	d = Evaluate(&Request{Principal: alice, Action: ActionPutObject, Resource: obj("b", "k")}, ids, bp, nil)
	if d.Reason() != "implicit deny" || d.Source != SourceNone {
		t.Errorf("implicit deny %+v: %q", d, d.Reason())
	}
	if d := Evaluate(&Request{Principal: root, Action: ActionGetObject, Resource: obj("b", "k")}, nil, nil, nil); d.Reason() != "allowed: root user" {
		t.Errorf("root: %q", d.Reason())
	}
}

func TestNotPrincipal(t *testing.T) {
	// AWS's pattern: deny everyone but alice, naming her account too.
	bp := mustParse(t, Resource, `{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "OnlyAlice", "Effect": "Deny",
	    "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:root"]},
	    "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
	  }]
	}`)
	all := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	runCases(t, []*Policy{all}, bp, nil, []evalCase{
		{name: "alice", principal: alice, action: ActionGetObject, resource: obj("b", "k"), allowed: true},
		{name: "bob", principal: bob, action: ActionGetObject, resource: obj("b", "k"), deny: true, stmt: "OnlyAlice"},
		{name: "root is listed", principal: root, action: ActionGetObject, resource: obj("b", "k"), allowed: true},
		{name: "anonymous", principal: anonymous, action: ActionGetObject, resource: obj("b", "k"), deny: true},
	})
	// Naming the user without the account does not exclude the user.
	bp2 := mustParse(t, Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}`)
	runCases(t, []*Policy{all}, bp2, nil, []evalCase{
		{name: "alice without her account listed", principal: alice, action: ActionGetObject, resource: obj("b", "k"), deny: true},
	})
}

// AssumeRole session policies: the session may do only what both the
// role's policies and the session policy allow.
func TestSessionPolicy(t *testing.T) {
	role := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Sid":"RoleRW","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"}}`)
	sess := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":[{"Sid":"SessRead","Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":"*"},{"Sid":"SessNoSecret","Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::b/secret/*"}]}`)
	bp := mustParse(t, Resource, `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "ToRole", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reader"}, "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"},
	    {"Sid": "ToSession", "Effect": "Allow", "Principal": {"AWS": "arn:aws:sts::111122223333:assumed-role/reader/s1"}, "Action": "s3:GetObjectTagging", "Resource": "arn:aws:s3:::b/*"}
	  ]
	}`)
	runCases(t, []*Policy{role}, bp, sess, []evalCase{
		{name: "both allow", principal: session, action: ActionGetObject, resource: obj("b", "k"), allowed: true, stmt: "RoleRW"},
		{name: "role allows, session does not", principal: session, action: ActionPutObject, resource: obj("b", "k")},
		{name: "session allows, role does not", principal: session, action: ActionDeleteObject, resource: obj("b", "k")},
		{name: "session deny", principal: session, action: ActionGetObject, resource: obj("b", "secret/k"), deny: true, stmt: "SessNoSecret"},
		{name: "bucket policy naming the role is limited by the session", principal: session, action: ActionListBucket, resource: bkt("b")},
		{name: "bucket policy naming the session is not", principal: session, action: ActionGetObjectTagging, resource: obj("b", "k"), allowed: true, stmt: "ToSession"},
	})
	// Without a session policy the role's own permissions apply.
	runCases(t, []*Policy{role}, bp, nil, []evalCase{
		{name: "no session policy: put", principal: session, action: ActionPutObject, resource: obj("b", "k"), allowed: true},
		{name: "no session policy: bucket allows role", principal: session, action: ActionListBucket, resource: bkt("b"), allowed: true, stmt: "ToRole"},
	})
	d := Evaluate(&Request{Principal: session, Action: ActionPutObject, Resource: obj("b", "k")}, []*Policy{role}, nil, sess)
	if !d.SessionLimited || d.Reason() != "implicit deny: not allowed by the session policy" {
		t.Errorf("session-limited deny: %+v %q", d, d.Reason())
	}
}

// Role trust policies: sts:AssumeRole needs the trust policy; naming the
// account defers to the caller's identity policies.
func TestTrustPolicy(t *testing.T) {
	roleARN := "arn:aws:iam::111122223333:role/reader"
	direct := mustParse(t, Trust, `{"Version":"2012-10-17","Statement":{"Sid":"Alice","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}}`)
	account := mustParse(t, Trust, `{"Version":"2012-10-17","Statement":{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalType":"User"}}}}`)
	canAssume := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/*"}}`)
	req := func(p Principal) *Request {
		return &Request{Principal: p, Action: ActionAssumeRole, Resource: roleARN}
	}
	cases := []struct {
		name     string
		p        Principal
		identity []*Policy
		trust    *Policy
		allowed  bool
	}{
		{"named user, no identity policy", alice, nil, direct, true},
		{"other user with identity policy", bob, []*Policy{canAssume}, direct, false},
		{"identity policy alone does not do", bob, []*Policy{canAssume}, nil, false},
		{"account trust and identity policy", bob, []*Policy{canAssume}, account, true},
		{"account trust without identity policy", bob, nil, account, false},
		{"anonymous", anonymous, nil, account, false},
	}
	for _, c := range cases {
		var trust *Policy
		if c.trust != nil {
			trust = c.trust
		}
		// Without a trust policy a role cannot be assumed: the caller
		// passes the role's trust policy always; model the missing case
		// with an empty-effect policy that allows nothing.
		if trust == nil {
			trust = mustParse(t, Trust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
		}
		if d := Evaluate(req(c.p), c.identity, trust, nil); d.Allowed != c.allowed {
			t.Errorf("%s: %s, want allowed %v", c.name, d.Reason(), c.allowed)
		}
	}
}

func TestActionConstantsAreKnown(t *testing.T) {
	for _, a := range []string{ActionGetObject, ActionGetObjectVersion, ActionPutObject, ActionDeleteObject, ActionDeleteObjectVersion,
		ActionListBucket, ActionListBucketVersions, ActionListAllMyBuckets, ActionCreateBucket, ActionDeleteBucket,
		ActionGetBucketLocation, ActionListBucketMultipartUploads, ActionListMultipartUploadParts, ActionAbortMultipartUpload,
		ActionGetObjectTagging, ActionPutObjectTagging, ActionDeleteObjectTagging, ActionGetObjectVersionTagging,
		ActionPutObjectVersionTagging, ActionDeleteObjectVersionTagging, ActionGetBucketTagging, ActionPutBucketTagging,
		ActionGetBucketVersioning, ActionPutBucketVersioning, ActionGetLifecycleConfiguration, ActionPutLifecycleConfiguration,
		ActionGetBucketPolicy, ActionPutBucketPolicy, ActionDeleteBucketPolicy, ActionGetBucketPolicyStatus, ActionGetBucketAcl,
		ActionPutBucketAcl, ActionGetObjectAcl, ActionPutObjectAcl, ActionGetObjectVersionAcl, ActionPutObjectVersionAcl,
		ActionGetObjectAttributes, ActionGetObjectVersionAttributes, ActionGetBucketCORS, ActionPutBucketCORS,
		ActionGetEncryptionConfiguration, ActionPutEncryptionConfiguration, ActionGetBucketObjectLockConfig,
		ActionPutBucketObjectLockConfig, ActionGetBucketOwnershipControls, ActionPutBucketOwnershipControls,
		ActionGetBucketPublicAccessBlock, ActionPutBucketPublicAccessBlock, ActionRestoreObject, ActionBypassGovernanceRetention,
		ActionGetObjectRetention, ActionPutObjectRetention, ActionGetObjectLegalHold, ActionPutObjectLegalHold,
		ActionGetBucketNotification, ActionPutBucketNotification, ActionGetBucketWebsite, ActionPutBucketWebsite,
		ActionDeleteBucketWebsite, ActionGetBucketLogging, ActionPutBucketLogging, ActionGetReplicationConfiguration,
		ActionPutReplicationConfiguration, ActionGetBucketRequestPayment, ActionPutBucketRequestPayment,
		ActionGetAccelerateConfiguration, ActionPutAccelerateConfiguration, ActionAssumeRole, ActionGetCallerID, ActionGetSessionTok} {
		if !KnownAction(a) {
			t.Errorf("%s is not in the action tables", a)
		}
	}
	for _, a := range iamActions {
		if !KnownAction("iam:" + a) {
			t.Errorf("iam:%s", a)
		}
	}
}

// More of the S3 User Guide's bucket policy examples: referer, required
// ACL on upload, object tags, MFA for a prefix.
func TestBucketPolicyExamples(t *testing.T) {
	bp, err := ParseBucketPolicy([]byte(`{
	  "Version": "2012-10-17",
	  "Id": "http referer policy example",
	  "Statement": [
	    {"Sid": "Allow only GET requests originating from www.example.com and example.com.",
	     "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
	     "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
	     "Condition": {"StringLike": {"aws:Referer": ["http://www.example.com/*", "http://example.com/*"]}}},
	    {"Sid": "RequireOwnerFullControl", "Effect": "Allow",
	     "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "s3:PutObject",
	     "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/uploads/*",
	     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
	    {"Sid": "ProductionTagged", "Effect": "Allow",
	     "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "s3:GetObjectTagging",
	     "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
	     "Condition": {"StringEquals": {"s3:ExistingObjectTag/environment": "production"}}},
	    {"Sid": "TaxNeedsMFA", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
	     "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/taxdocuments/*",
	     "Condition": {"Null": {"aws:MultiFactorAuthAge": true}}}
	  ]
	}`), "amzn-s3-demo-bucket")
	if err != nil {
		t.Fatal(err)
	}
	b := "amzn-s3-demo-bucket"
	runCases(t, nil, bp, nil, []evalCase{
		{name: "referer matches", principal: anonymous, action: ActionGetObject, resource: obj(b, "i.png"), ctx: Context{"aws:referer": {"http://example.com/page.html"}}, allowed: true,
			stmt: "Allow only GET requests originating from www.example.com and example.com."},
		{name: "referer missing", principal: anonymous, action: ActionGetObject, resource: obj(b, "i.png")},
		{name: "referer other site", principal: anonymous, action: ActionGetObject, resource: obj(b, "i.png"), ctx: Context{"aws:referer": {"http://example.org/"}}},
		{name: "upload with the ACL", principal: bob, action: ActionPutObject, resource: obj(b, "uploads/a"), ctx: Context{"s3:x-amz-acl": {"bucket-owner-full-control"}}, allowed: true},
		{name: "upload without the ACL", principal: bob, action: ActionPutObject, resource: obj(b, "uploads/a")},
		{name: "upload with another ACL", principal: bob, action: ActionPutObject, resource: obj(b, "uploads/a"), ctx: Context{"s3:x-amz-acl": {"public-read"}}},
		{name: "tagged production", principal: bob, action: ActionGetObjectTagging, resource: obj(b, "x"), ctx: Context{"s3:ExistingObjectTag/environment": {"production"}}, allowed: true},
		{name: "tagged test", principal: bob, action: ActionGetObjectTagging, resource: obj(b, "x"), ctx: Context{"s3:ExistingObjectTag/environment": {"test"}}},
		{name: "tax without MFA", principal: anonymous, action: ActionGetObject, resource: obj(b, "taxdocuments/2024.pdf"), ctx: Context{"aws:referer": {"http://example.com/"}}, deny: true, stmt: "TaxNeedsMFA"},
		{name: "tax with MFA", principal: anonymous, action: ActionGetObject, resource: obj(b, "taxdocuments/2024.pdf"), ctx: Context{"aws:referer": {"http://example.com/"}, "aws:MultiFactorAuthAge": {"30"}}, allowed: true},
	})
	if got := PublicStatements(bp); len(got) != 1 || got[0] != "Allow only GET requests originating from www.example.com and example.com." {
		t.Errorf("PublicStatements = %q (a referer does not restrict)", got)
	}
}

func TestIdentityPolicyInResourcePlaceIsIgnored(t *testing.T) {
	p := mustParse(t, Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	if d := Evaluate(&Request{Principal: anonymous, Action: ActionGetObject, Resource: obj("b", "k")}, nil, p, nil); d.Allowed {
		t.Errorf("an identity policy passed as the bucket policy allowed an anonymous request: %s", d.Reason())
	}
}
