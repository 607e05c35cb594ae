package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name    string
		kind    Kind
		doc     string
		code    string
		message string // substring of the expected message
	}{
		{"not JSON", Identity, `{"Version":`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"not JSON, bucket", Resource, `{"Version":`, CodeMalformedPolicy, "This policy contains invalid Json"},
		{"first byte, bucket", Resource, `["x"]`, CodeMalformedPolicy, "first byte must be '{'"},
		{"array document", Identity, `[]`, CodeMalformedPolicyDocument, "Syntax errors in policy."},
		{"trailing data", Identity, `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}} {}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"duplicate member", Identity, `{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"bad version", Identity, `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "legacy parsing"},
		{"bad version, bucket", Resource, `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "valid version string"},
		{"unknown top-level element", Identity, `{"Version":"2012-10-17","Statment":[]}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"no statement, bucket", Resource, `{"Version":"2012-10-17"}`, CodeMalformedPolicy, "Missing required field Statement"},
		{"empty statement, bucket", Resource, `{"Version":"2012-10-17","Statement":[]}`, CodeMalformedPolicy, "Statement is empty"},
		{"principal in identity policy", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "Policy document should not specify a principal."},
		{"no vendor", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"two colons", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}}`, CodeMalformedPolicyDocument, "only one colon"},
		{"wildcard vendor", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*:GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "must not contain wildcards"},
		{"unknown s3 action", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObjec","Resource":"*"}}`, CodeMalformedPolicyDocument, "s3:GetObjec does not exist"},
		{"unknown s3 wildcard", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Fetch*","Resource":"*"}}`, CodeMalformedPolicyDocument, "does not exist"},
		{"unknown iam action", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:CreateUsers","Resource":"*"}}`, CodeMalformedPolicyDocument, "does not exist"},
		{"unknown s3 action, bucket", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObjec","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Policy has invalid action"},
		{"non-s3 action, bucket", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Policy has invalid action"},
		{"bad effect", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "The policy failed legacy parsing"},
		{"bad effect, bucket", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"hello","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Invalid effect: hello"},
		{"no effect", Resource, `{"Version":"2012-10-17","Statement":{"Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Missing required field Effect"},
		{"no action", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, CodeMalformedPolicyDocument, "must contain actions"},
		{"action and notaction", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","NotAction":"s3:PutObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"no resource", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject"}}`, CodeMalformedPolicyDocument, "must contain resources"},
		{"resource not an ARN", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"mybucket"}}`, CodeMalformedPolicyDocument, `Resource mybucket must be in ARN format or "*".`},
		{"no principal, bucket", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Missing required field Principal"},
		{"bad principal string", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"alice","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Invalid principal in policy"},
		{"bad AWS principal", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Invalid principal in policy"},
		{"wildcard in principal ARN", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Invalid principal in policy"},
		{"canonical user", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Invalid principal in policy"},
		{"bad trust principal", Trust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}}`, CodeMalformedPolicyDocument, `Invalid principal in policy: "AWS":"bob"`},
		{"trust with resource", Trust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}}`, CodeMalformedPolicyDocument, "Has prohibited field Resource"},
		{"bucket resource not s3", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:iam::111122223333:user/x"}}`, CodeMalformedPolicy, "Policy has invalid resource"},
		{"object action on bucket resource", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b"}}`, CodeMalformedPolicy, "Action does not apply to any resource(s) in statement"},
		{"bucket action on object resource", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::b/*"}}`, CodeMalformedPolicy, "Action does not apply to any resource(s) in statement"},
		{"account action in bucket policy", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::b"}}`, CodeMalformedPolicy, "Action does not apply to any resource(s) in statement"},
		{"unknown operator", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqual":{"aws:UserAgent":"x"}}}}`, CodeMalformedPolicy, "Invalid Condition type : StringEqual"},
		{"operator case", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"stringequals":{"aws:UserAgent":"x"}}}}`, CodeMalformedPolicyDocument, "Invalid Condition type : stringequals"},
		{"NullIfExists", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NullIfExists":{"aws:UserAgent":"true"}}}}`, CodeMalformedPolicyDocument, "Invalid Condition type"},
		{"condition key without vendor", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"UserAgent":"x"}}}}`, CodeMalformedPolicyDocument, "prefaced by a vendor"},
		{"unknown s3 condition key", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:FakeKey":"x"}}}}`, CodeMalformedPolicy, "Policy has an invalid condition key"},
		{"unknown aws condition key", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceIpAddress":"x"}}}}`, CodeMalformedPolicy, "Policy has an invalid condition key"},
		{"condition key for another action", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:prefix":"home/"}}}}`, CodeMalformedPolicy, "Conditions do not apply to combination of actions and resources in statement"},
		{"bad IP", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.2.3/24"}}}}`, CodeMalformedPolicy, "Invalid IP address in Conditions"},
		{"bad number", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}}`, CodeMalformedPolicyDocument, "Invalid Condition value for NumericLessThan: ten"},
		{"bad date", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}}}`, CodeMalformedPolicyDocument, "Invalid Condition value"},
		{"bad bool", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}}`, CodeMalformedPolicyDocument, "Invalid Condition value"},
		{"condition value object", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"s3:prefix":{"a":"b"}}}}}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"sid not alphanumeric", Identity, `{"Version":"2012-10-17","Statement":{"Sid":"read only","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, CodeMalformedPolicyDocument, "must be alpha-numeric"},
		{"duplicate sid", Identity, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`, CodeMalformedPolicyDocument, "must be unique"},
		{"unterminated variable", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username"}}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"action not string", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":7,"Resource":"*"}}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"empty action list", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, CodeMalformedPolicyDocument, "Syntax errors"},
		{"unknown statement element", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Conditions":{}}}`, CodeMalformedPolicy, "Unknown field Conditions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc), tt.kind)
			if err == nil {
				t.Fatalf("Parse accepted %s", tt.doc)
			}
			if p != nil {
				t.Errorf("Parse returned a policy with its error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *policy.Error", err)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("errors.Is(%v, ErrMalformed) is false", err)
			}
			if pe.Code() != tt.code || pe.HTTPStatus() != 400 {
				t.Errorf("code %s %d, want %s 400", pe.Code(), pe.HTTPStatus(), tt.code)
			}
			if !strings.Contains(pe.Message(), tt.message) {
				t.Errorf("message %q, want it to contain %q", pe.Message(), tt.message)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
	}{
		{"statement as object, no version", Identity, `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`},
		{"2008 version", Resource, `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`},
		{"action case-insensitive", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}}`},
		{"s3 wildcards", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:*","s3:Get*","s3:List?ucket","*"],"Resource":"*"}}`},
		{"other vendors", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:RunInstances","dynamodb:Get*"],"Resource":"arn:aws:ec2:us-east-1:111122223333:instance/*"}}`},
		{"iam and sts actions", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:CreateUser","iam:ListAttachedGroupPolicies","sts:AssumeRole","sts:GetCallerIdentity","iam:Get*"],"Resource":"*"}}`},
		{"every principal form", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/division/alice","arn:aws:iam::111122223333:role/reader","arn:aws:sts::111122223333:assumed-role/reader/s1","arn:aws:sts::111122223333:federated-user/bob"],"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`},
		{"condition value types", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"NumericLessThanEquals":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"DateGreaterThan":{"aws:EpochTime":1700000000},"StringEquals":{"s3:prefix":["a",1,false]}}}}`},
		{"set qualifiers and IfExists", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]},"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"c*"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/x*"},"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64","203.0.113.9"]}}}}`},
		{"condition keys case-insensitive in bucket policy", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"S3:Prefix":"x/*","AWS:SourceIp":"1.2.3.4"}}}}`},
		{"NotAction and NotResource in bucket policy", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","NotResource":"arn:aws:s3:::b/public/*"}}`},
		{"NotPrincipal", Resource, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}}`},
		{"trust policy", Trust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`},
		{"escapes", Identity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${*}${?}${$}/${aws:username, 'nobody'}"}}`},
		{"2008 variables are literal", Identity, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc), tt.kind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Text() != tt.doc {
				t.Errorf("Text() changed the document")
			}
			if p.Kind() != tt.kind {
				t.Errorf("Kind() = %v", p.Kind())
			}
			b, err := p.MarshalJSON()
			if err != nil || string(b) != tt.doc {
				t.Errorf("MarshalJSON = %q, %v", b, err)
			}
		})
	}
}

func TestParseBucketPolicyResources(t *testing.T) {
	doc := func(res string) []byte {
		return []byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"` + res + `"}}`)
	}
	for _, res := range []string{"arn:aws:s3:::photos/*", "arn:aws:s3:::photos/2024/*.jpg"} {
		if _, err := ParseBucketPolicy(doc(res), "photos"); err != nil {
			t.Errorf("%s: %v", res, err)
		}
	}
	for _, res := range []string{"arn:aws:s3:::other/*", "arn:aws:s3:::photosx/*", "arn:aws:s3:::*/*", "*"} {
		_, err := ParseBucketPolicy(doc(res), "photos")
		var pe *Error
		if !errors.As(err, &pe) || pe.Code() != CodeMalformedPolicy || pe.Message() != "Policy has invalid resource" {
			t.Errorf("%s: got %v, want MalformedPolicy: Policy has invalid resource", res, err)
		}
	}
}

func TestPrincipalsListed(t *testing.T) {
	p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice","*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
		{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`), Resource)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(p.Principals(), ",")
	want := "arn:aws:iam::111122223333:user/alice,111122223333"
	if got != want {
		t.Errorf("Principals() = %s, want %s", got, want)
	}
}

func TestSizeQuotas(t *testing.T) {
	// Whitespace between tokens does not count; inside strings it does.
	doc := []byte("{\n  \"Version\": \"2012-10-17\",\n  \"Id\": \"a b\"\n}")
	if got, want := Size(doc), len(`{"Version":"2012-10-17","Id":"a b"}`); got != want {
		t.Errorf("Size = %d, want %d", got, want)
	}
	if got := Size([]byte(`{"Id":"ünï"}`)); got != 12 {
		t.Errorf("Size counts characters, not bytes: got %d, want 12", got)
	}
	if err := CheckSize(MaxUserInlineSize, QuotaUserInline, "alice"); err != nil {
		t.Errorf("at the quota: %v", err)
	}
	err := CheckSize(MaxUserInlineSize+1, QuotaUserInline, "alice")
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, ErrLimitExceeded) || pe.Code() != CodeLimitExceeded || pe.HTTPStatus() != 409 {
		t.Fatalf("over the quota: %v", err)
	}
	if pe.Message() != "Maximum policy size of 2048 bytes exceeded for user alice" {
		t.Errorf("message %q", pe.Message())
	}
	err = CheckSize(MaxManagedSize+1, QuotaManaged, "")
	if !errors.As(err, &pe) || pe.Message() != "Cannot exceed quota for PolicySize: 6144" {
		t.Errorf("managed: %v", err)
	}
	for q, max := range map[Quota]int{QuotaUserInline: 2048, QuotaGroupInline: 5120, QuotaRoleInline: 10240, QuotaManaged: 6144, QuotaTrust: 2048, QuotaSession: 2048} {
		if q.Max() != max {
			t.Errorf("quota %d max %d, want %d", q, q.Max(), max)
		}
	}

	// A bucket policy over 20 KiB (without insignificant whitespace) is refused.
	big := `{"Version":"2012-10-17","Id":"` + strings.Repeat("x", MaxBucketPolicySize) + `","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
	_, err = Parse([]byte(big), Resource)
	if !errors.As(err, &pe) || pe.Code() != CodeMalformedPolicy {
		t.Errorf("oversized bucket policy: %v", err)
	}
	padded := `{"Version":"2012-10-17",` + strings.Repeat(" ", MaxBucketPolicySize) + `"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
	if _, err := Parse([]byte(padded), Resource); err != nil {
		t.Errorf("whitespace counted against the bucket policy quota: %v", err)
	}
}

func TestKnownAction(t *testing.T) {
	for _, a := range []string{ActionGetObject, "S3:GETOBJECT", "iam:CreateUser", "sts:AssumeRole", "s3:GetBucketPolicyStatus", "s3:ListMultipartUploadParts"} {
		if !KnownAction(a) {
			t.Errorf("KnownAction(%q) = false", a)
		}
	}
	for _, a := range []string{"s3:GetObjec", "s3:*", "ec2:RunInstances", "GetObject", ""} {
		if KnownAction(a) {
			t.Errorf("KnownAction(%q) = true", a)
		}
	}
}
