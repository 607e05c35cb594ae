package policy

import (
	"errors"
	"testing"
)

var fuzzSeeds = []string{
	`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`,
	`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Principal":"*","NotAction":"s3:Get*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"ForAnyValue:StringLikeIfExists":{"s3:prefix":["a*","${aws:username, 'x'}"]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]}}}]}`,
	`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/a"]},"Action":"sts:AssumeRole"}}`,
	`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01"},"NumericEquals":{"s3:max-keys":1.5},"Null":{"aws:TokenIssueTime":true}}}}`,
	`{"Statement":[]}`,
	`[`,
	``,
}

// FuzzParse feeds arbitrary documents to Parse for every kind and, for the
// ones it accepts, evaluates a request: neither may panic, refusals must be
// *Error values, and an accepted document keeps its text.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, kind := range []Kind{Identity, Resource, Trust} {
			p, err := Parse(doc, kind)
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) || pe.Code() == "" || pe.Message() == "" {
					t.Fatalf("kind %v: error %v is not a complete *Error", kind, err)
				}
				continue
			}
			if p.Text() != string(doc) {
				t.Fatalf("Text() differs from the document")
			}
			req := &Request{Principal: alice, Action: ActionGetObject, Resource: obj("b", "alice/x"),
				Context: Context{"s3:prefix": {"a"}, "aws:sourceip": {"10.1.2.3"}, "aws:tokenissuetime": {"2019-01-01T00:00:00Z"}}}
			switch kind {
			case Identity:
				Evaluate(req, []*Policy{p}, nil, p)
			default:
				Evaluate(req, nil, p, nil)
				req.Principal = anonymous
				Evaluate(req, nil, p, nil)
				IsPublic(p)
			}
		}
	})
}
