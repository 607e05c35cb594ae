package policy

import "strings"

// IsPublic reports whether a bucket policy grants public access, as S3's
// GetBucketPolicyStatus defines it (see PublicStatements).
func IsPublic(p *Policy) bool {
	return p != nil && len(PublicStatements(p)) > 0
}

// PublicStatements returns the labels (Sid, or "#<n>") of the Allow
// statements that make a bucket policy public. S3 calls a statement public
// when it grants to everyone — Principal "*", {"AWS": "*"} among its
// principals, or a NotPrincipal — unless a condition pins the request to
// something the public cannot choose:
//
//   - aws:SourceIp limited to CIDR blocks (IpAddress; a /0 block limits
//     nothing);
//   - a fixed value (StringEquals, ArnEquals, or a Like operator without
//     wildcards) of aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
//     aws:SourceOwner, aws:SourceAccount, aws:PrincipalAccount,
//     aws:PrincipalArn, aws:PrincipalOrgID, aws:SourceOrgID,
//     s3:x-amz-server-side-encryption-aws-kms-key-id, or aws:userid
//     (unless the value is of the form "AROLEID:*").
//
// Conditions with IfExists, negated operators and ForAllValues never
// restrict: a request can satisfy them by leaving the key out.
func PublicStatements(p *Policy) []string {
	if p == nil {
		return nil
	}
	var out []string
	for i := range p.stmts {
		st := &p.stmts[i]
		if st.deny || st.principal == nil {
			continue
		}
		if !st.notPrincipal && !st.principal.any {
			continue
		}
		restricted := false
		for j := range st.conditions {
			if restricts(&st.conditions[j]) {
				restricted = true
				break
			}
		}
		if !restricted {
			out = append(out, st.label)
		}
	}
	return out
}

var fixedValueKeys = map[string]bool{
	"aws:sourcearn":        true,
	"aws:sourcevpc":        true,
	"aws:sourcevpce":       true,
	"aws:sourceowner":      true,
	"aws:sourceaccount":    true,
	"aws:principalaccount": true,
	"aws:principalarn":     true,
	"aws:principalorgid":   true,
	"aws:sourceorgid":      true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
	"aws:userid": true,
}

// restricts reports whether a condition keeps the public out.
func restricts(c *condition) bool {
	if c.negated || c.ifExists || c.set == setForAllValues {
		return false
	}
	if c.key == "aws:sourceip" && c.op == opIPAddress {
		for _, pr := range c.prefixes {
			if pr.Bits() == 0 {
				return false
			}
		}
		return true
	}
	if !fixedValueKeys[c.key] {
		return false
	}
	switch c.op {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opArnLike:
	default:
		return false
	}
	for _, v := range c.raw {
		if c.key == "aws:userid" && strings.HasSuffix(v, ":*") {
			return false
		}
		if strings.ContainsAny(v, "*?") || strings.Contains(v, "${") {
			return false
		}
	}
	return true
}
