package policy

import "strings"

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	any      bool     // "*" or {"AWS": "*"}: everyone, anonymous included
	accounts []string // account IDs, from "123456789012" or "arn:aws:iam::123456789012:root"
	arns     []string // user, role, assumed-role session and federated-user ARNs
	named    []string // the AWS values as written, for Policy.Principals
	// services and federated are accepted for compatibility with policies
	// written for AWS; zones3 has no service or web-identity principals, so
	// they match no request.
	services  []string
	federated []string
}

func (ps *parser) invalidPrincipal(v string) *Error {
	if ps.kind == Resource {
		return malformed(ps.kind, "Invalid principal in policy")
	}
	return malformed(ps.kind, "Invalid principal in policy: "+v)
}

func (ps *parser) principals(v *jsonValue) (*principalSet, error) {
	set := &principalSet{}
	switch v.kind {
	case jsonString:
		if v.str != "*" {
			return nil, ps.invalidPrincipal(`"` + v.str + `"`)
		}
		set.any = true
		return set, nil
	case jsonObject:
	default:
		return nil, ps.invalidPrincipal("")
	}
	if len(v.members) == 0 {
		return nil, ps.invalidPrincipal("{}")
	}
	for _, m := range v.members {
		values, ok := m.value.strings()
		if !ok {
			return nil, ps.invalidPrincipal(`"` + m.name + `"`)
		}
		for _, val := range values {
			shown := `"` + m.name + `":"` + val + `"`
			switch m.name {
			case "AWS":
				switch {
				case val == "*":
					set.any = true
				case isAccountID(val):
					set.accounts = append(set.accounts, val)
					set.named = append(set.named, val)
				default:
					acct, root, ok := principalARN(val)
					if !ok {
						return nil, ps.invalidPrincipal(shown)
					}
					if root {
						set.accounts = append(set.accounts, acct)
					} else {
						set.arns = append(set.arns, val)
					}
					set.named = append(set.named, val)
				}
			case "Service":
				if val == "" || strings.ContainsAny(val, "*?") && val != "*" {
					return nil, ps.invalidPrincipal(shown)
				}
				set.services = append(set.services, val)
			case "Federated":
				if val == "" || strings.ContainsAny(val, "*?") {
					return nil, ps.invalidPrincipal(shown)
				}
				set.federated = append(set.federated, val)
			default:
				// CanonicalUser among them: zones3 has no canonical user IDs.
				return nil, ps.invalidPrincipal(shown)
			}
		}
	}
	return set, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// principalARN checks an IAM or STS principal ARN. Wildcards are not
// allowed: AWS refuses them in principals (other than "*" alone).
func principalARN(arn string) (account string, root, ok bool) {
	if strings.ContainsAny(arn, "*?") {
		return "", false, false
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] != "" || !isAccountID(parts[4]) {
		return "", false, false
	}
	account, res := parts[4], parts[5]
	switch parts[2] {
	case "iam":
		if res == "root" {
			return account, true, true
		}
		kind, name, found := strings.Cut(res, "/")
		if !found || name == "" || strings.HasSuffix(name, "/") || (kind != "user" && kind != "role") {
			return "", false, false
		}
	case "sts":
		kind, name, found := strings.Cut(res, "/")
		switch {
		case !found || name == "":
			return "", false, false
		case kind == "assumed-role":
			role, session, found := strings.Cut(name, "/")
			if !found || role == "" || session == "" {
				return "", false, false
			}
		case kind == "federated-user":
		default:
			return "", false, false
		}
	default:
		return "", false, false
	}
	return account, false, true
}

// principalMatch says how a request's principal is named by a Principal
// element.
type principalMatch uint8

const (
	noMatch      principalMatch = iota
	accountMatch                // the principal's account is named: a delegation to the account's own policies
	roleMatch                   // the role of an assumed-role session is named: session policies still apply
	directMatch                 // the principal itself is named (or "*")
)

func (s *principalSet) match(p *Principal) principalMatch {
	if s.any {
		return directMatch
	}
	if p.Anonymous {
		return noMatch
	}
	best := noMatch
	for _, a := range s.arns {
		if p.ARN != "" && a == p.ARN {
			return directMatch
		}
		if p.RoleARN != "" && a == p.RoleARN {
			best = roleMatch
		}
	}
	if best != noMatch {
		return best
	}
	for _, a := range s.accounts {
		if a == p.Account {
			if p.Root {
				return directMatch
			}
			return accountMatch
		}
	}
	return noMatch
}

// excludes reports whether a NotPrincipal element leaves the principal out
// of its statement. As in AWS, a principal other than the root user is
// excluded only when both its own ARN (or role) and its account are listed:
// naming a user alone does not exclude that user's account.
func (s *principalSet) excludes(p *Principal) bool {
	if s.any {
		return true
	}
	if p.Anonymous {
		return false
	}
	accountListed := false
	for _, a := range s.accounts {
		if a == p.Account {
			accountListed = true
			break
		}
	}
	if p.Root {
		return accountListed
	}
	if !accountListed {
		return false
	}
	for _, a := range s.arns {
		if a == p.ARN || p.RoleARN != "" && a == p.RoleARN {
			return true
		}
	}
	return false
}
