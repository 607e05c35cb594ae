package gateway

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/zones3/zones3/iam"
)

func TestActionFor(t *testing.T) {
	for _, tc := range []struct {
		api       string
		versioned bool
		want      string
		ok        bool
	}{
		{"GetObject", false, "s3:GetObject", true},
		{"GetObject", true, "s3:GetObjectVersion", true},
		{"HeadObject", true, "s3:GetObjectVersion", true},
		{"DeleteObject", true, "s3:DeleteObjectVersion", true},
		{"PutObjectTagging", true, "s3:PutObjectVersionTagging", true},
		{"PutObject", true, "s3:PutObject", true},
		{"HeadBucket", false, "s3:ListBucket", true},
		{"ListObjectVersions", false, "s3:ListBucketVersions", true},
		{"DeleteBucketLifecycle", false, "s3:PutLifecycleConfiguration", true},
		{"ListBuckets", false, "s3:ListAllMyBuckets", true},
		{"DeleteObjects", false, "", false}, // asked per key
		{"NoSuchOperation", false, "", false},
	} {
		got, ok := actionFor(tc.api, tc.versioned)
		if got != tc.want || ok != tc.ok {
			t.Errorf("actionFor(%s, %v) = %q, %v; want %q, %v", tc.api, tc.versioned, got, ok, tc.want, tc.ok)
		}
	}
	if got := s3ARN("b", "a/k"); got != "arn:aws:s3:::b/a/k" {
		t.Errorf("object ARN %q", got)
	}
	if got := s3ARN("b", ""); got != "arn:aws:s3:::b" {
		t.Errorf("bucket ARN %q", got)
	}
	if got := s3ARN("", ""); got != "*" {
		t.Errorf("no-bucket ARN %q", got)
	}
}

func TestConditionContext(t *testing.T) {
	r := httptest.NewRequest("GET", "/b?list-type=2&prefix=home%2Fbob%2F&max-keys=10", nil)
	r.RemoteAddr = "[2001:db8::7]:5555"
	r.Header.Set("X-Amz-Tagging", "Project=blue&tier=1")
	r.Header.Set("User-Agent", "aws-cli/1.45")
	now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	c := conditionContext(r, r.URL.Query(), iam.Auth{Method: iam.AuthV4Query}, now)
	want := map[string][]string{
		"aws:sourceip":                {"2001:db8::7"},
		"aws:securetransport":         {"false"},
		"aws:currenttime":             {"2026-11-28T04:00:00Z"},
		"aws:epochtime":               {"1795838400"},
		"aws:useragent":               {"aws-cli/1.45"},
		"s3:prefix":                   {"home/bob/"},
		"s3:max-keys":                 {"10"},
		"s3:requestobjecttag/project": {"blue"},
		"s3:requestobjecttag/tier":    {"1"},
		"s3:signatureversion":         {"AWS4-HMAC-SHA256"},
		"s3:authtype":                 {"REST-QUERY-STRING"},
	}
	for k, v := range want {
		if !slices.Equal(c[k], v) {
			t.Errorf("%s = %q, want %q", k, c[k], v)
		}
	}
	if keys := c["s3:requestobjecttagkeys"]; len(keys) != 2 {
		t.Errorf("tag keys %q", keys)
	}
	if _, ok := c["s3:delimiter"]; ok {
		t.Error("s3:delimiter set without a delimiter")
	}
}
