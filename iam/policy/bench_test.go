package policy

import "testing"

// The gateway evaluates on every request: these measure a typical user
// (three identity policies, a bucket policy with conditions) and an
// anonymous public read.
func BenchmarkEvaluate(b *testing.B) {
	ids := []*Policy{
		mustParse(b, Identity, `{"Version":"2012-10-17","Statement":[
			{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}},
			{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::photos/home/${aws:username}/*"}]}`),
		mustParse(b, Identity, `{"Version":"2012-10-17","Statement":{"Sid":"ReadShared","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging"],"Resource":["arn:aws:s3:::shared/*","arn:aws:s3:::photos/public/*"]}}`),
		mustParse(b, Identity, `{"Version":"2012-10-17","Statement":{"Sid":"NoDeletes","Effect":"Deny","Action":["s3:DeleteObject","s3:DeleteObjectVersion"],"Resource":"arn:aws:s3:::photos/archive/*"}}`),
	}
	bp := mustParse(b, Resource, `{"Version":"2012-10-17","Statement":[
		{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"Office","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/public/*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}]}`)
	ctx := Context{"aws:securetransport": {"true"}, "aws:sourceip": {"192.0.2.44"}}

	b.Run("user-home-put", func(b *testing.B) {
		req := &Request{Principal: alice, Action: ActionPutObject, Resource: obj("photos", "home/alice/2024/img_0001.jpg"), Context: ctx}
		b.ReportAllocs()
		for b.Loop() {
			if !Evaluate(req, ids, bp, nil).Allowed {
				b.Fatal("denied")
			}
		}
	})
	b.Run("user-implicit-deny", func(b *testing.B) {
		req := &Request{Principal: alice, Action: ActionPutObject, Resource: obj("photos", "home/bob/x.jpg"), Context: ctx}
		b.ReportAllocs()
		for b.Loop() {
			if Evaluate(req, ids, bp, nil).Allowed {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("anonymous-public-read", func(b *testing.B) {
		req := &Request{Principal: anonymous, Action: ActionGetObject, Resource: obj("photos", "public/banner.png"), Context: ctx}
		b.ReportAllocs()
		for b.Loop() {
			if !Evaluate(req, nil, bp, nil).Allowed {
				b.Fatal("denied")
			}
		}
	})
	b.Run("root", func(b *testing.B) {
		req := &Request{Principal: root, Action: ActionGetObject, Resource: obj("photos", "x"), Context: ctx}
		b.ReportAllocs()
		for b.Loop() {
			if !Evaluate(req, nil, bp, nil).Allowed {
				b.Fatal("denied")
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	doc := []byte(fuzzSeeds[1])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, Resource); err != nil {
			b.Fatal(err)
		}
	}
}
