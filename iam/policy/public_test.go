package policy

import (
	"strings"
	"testing"
)

func TestPublicStatements(t *testing.T) {
	stmt := func(sid, effect, principal, cond string) string {
		s := `{"Sid":"` + sid + `","Effect":"` + effect + `",` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"`
		if cond != "" {
			s += `,"Condition":` + cond
		}
		return s + "}"
	}
	tests := []struct {
		name   string
		stmts  []string
		public []string
	}{
		{"everyone", []string{stmt("A", "Allow", `"Principal":"*"`, "")}, []string{"A"}},
		{"AWS star", []string{stmt("A", "Allow", `"Principal":{"AWS":["111122223333","*"]}`, "")}, []string{"A"}},
		{"one account", []string{stmt("A", "Allow", `"Principal":{"AWS":"111122223333"}`, "")}, nil},
		{"a user", []string{stmt("A", "Allow", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`, "")}, nil},
		{"deny everyone", []string{stmt("A", "Deny", `"Principal":"*"`, "")}, nil},
		{"source IP", []string{stmt("A", "Allow", `"Principal":"*"`, `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`)}, nil},
		{"source IP everywhere", []string{stmt("A", "Allow", `"Principal":"*"`, `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","0.0.0.0/0"]}}`)}, []string{"A"}},
		{"not source IP", []string{stmt("A", "Allow", `"Principal":"*"`, `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`)}, []string{"A"}},
		{"fixed VPC endpoint", []string{stmt("A", "Allow", `"Principal":"*"`, `{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`)}, nil},
		{"fixed source account, any key case", []string{stmt("A", "Allow", `"Principal":"*"`, `{"StringEquals":{"AWS:SourceAccount":"111122223333"}}`)}, nil},
		{"wildcard source ARN", []string{stmt("A", "Allow", `"Principal":"*"`, `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:*"}}`)}, []string{"A"}},
		{"fixed source ARN", []string{stmt("A", "Allow", `"Principal":"*"`, `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}`)}, nil},
		{"IfExists does not restrict", []string{stmt("A", "Allow", `"Principal":"*"`, `{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`)}, []string{"A"}},
		{"role session user id", []string{stmt("A", "Allow", `"Principal":"*"`, `{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}`)}, []string{"A"}},
		{"fixed user id", []string{stmt("A", "Allow", `"Principal":"*"`, `{"StringEquals":{"aws:userid":"AIDAEXAMPLEID"}}`)}, nil},
		{"TLS does not restrict", []string{stmt("A", "Allow", `"Principal":"*"`, `{"Bool":{"aws:SecureTransport":"true"}}`)}, []string{"A"}},
		{"referer does not restrict", []string{stmt("A", "Allow", `"Principal":"*"`, `{"StringLike":{"aws:Referer":"https://example.com/*"}}`)}, []string{"A"}},
		{"NotPrincipal allow", []string{stmt("A", "Allow", `"NotPrincipal":{"AWS":"111122223333"}`, "")}, []string{"A"}},
		{"several", []string{stmt("", "Allow", `"Principal":"*"`, ""), stmt("B", "Allow", `"Principal":{"AWS":"111122223333"}`, ""), stmt("C", "Allow", `"Principal":"*"`, "")}, []string{"#0", "C"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, Resource, `{"Version":"2012-10-17","Statement":[`+strings.Join(tt.stmts, ",")+`]}`)
			got := PublicStatements(p)
			if strings.Join(got, ",") != strings.Join(tt.public, ",") {
				t.Errorf("PublicStatements = %v, want %v", got, tt.public)
			}
			if IsPublic(p) != (len(tt.public) > 0) {
				t.Errorf("IsPublic = %v", IsPublic(p))
			}
		})
	}
	if IsPublic(nil) {
		t.Error("IsPublic(nil)")
	}
}
