package iam

import (
	"encoding/json"
	"fmt"
	"strings"
)

// TrustPolicyAllows is the built-in check of a role's trust policy (its
// AssumeRolePolicyDocument) for sts:AssumeRole by caller, used when
// APIConfig.TrustPolicy is nil. It honours what trust policies of one
// account say in practice:
//
//   - a statement applies when its Action matches sts:AssumeRole (globs
//     with * and ? allowed) and its Principal is "*" or names in "AWS" the
//     caller's ARN, the caller's role ARN (for a role session), the account
//     ID or the account's root ARN (arn:aws:iam::<account>:root);
//   - a Deny that applies refuses, whatever else allows;
//   - an Allow that applies allows, unless it has a Condition, which this
//     check cannot evaluate and so does not honour (a Deny with a
//     Condition is honoured: refusing is the safe side);
//   - NotPrincipal and NotAction statements are not honoured.
//
// The error says why the caller is refused.
func TrustPolicyAllows(doc []byte, caller *Identity, account string) error {
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		return fmt.Errorf("the trust policy is not valid JSON: %w", err)
	}
	var stmts []trustStatement
	if s := strings.TrimSpace(string(p.Statement)); strings.HasPrefix(s, "{") {
		var one trustStatement
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return fmt.Errorf("the trust policy's statement is not valid: %w", err)
		}
		stmts = []trustStatement{one}
	} else if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		return fmt.Errorf("the trust policy's statements are not valid: %w", err)
	}
	allowed := false
	for _, st := range stmts {
		if !st.appliesTo(caller, account) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return fmt.Errorf("the trust policy denies %s", caller.ARN)
		case "Allow":
			if len(st.Condition) == 0 {
				allowed = true
			}
		}
	}
	if !allowed {
		return fmt.Errorf("the trust policy does not allow %s to assume the role", caller.ARN)
	}
	return nil
}

type trustStatement struct {
	Effect    string          `json:"Effect"`
	Action    stringOrList    `json:"Action"`
	Principal json.RawMessage `json:"Principal"`
	Condition json.RawMessage `json:"Condition"`
}

func (st *trustStatement) appliesTo(caller *Identity, account string) bool {
	actionMatches := false
	for _, a := range st.Action {
		if globMatch(strings.ToLower(a), "sts:assumerole") {
			actionMatches = true
		}
	}
	if !actionMatches {
		return false
	}
	if strings.TrimSpace(string(st.Principal)) == `"*"` {
		return true
	}
	var principal map[string]stringOrList
	if err := json.Unmarshal(st.Principal, &principal); err != nil {
		return false
	}
	for _, v := range principal["AWS"] {
		switch {
		case v == "*",
			v == account || v == rootARN(account),
			v == caller.ARN,
			caller.RoleARN != "" && v == caller.RoleARN:
			return true
		}
	}
	return false
}

// stringOrList is a policy element that is a string or a list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// globMatch matches s against pattern with * (any run) and ? (any one
// byte).
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextPx >= 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
