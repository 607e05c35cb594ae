package policy

import (
	"strconv"
	"strings"
	"time"
)

// Principal is who a request comes from, as authentication established it.
type Principal struct {
	// Anonymous marks an unsigned request. Only a bucket policy statement
	// whose principal is "*" (or {"AWS": "*"}) can allow it.
	Anonymous bool
	// Root marks the account's root user (the root key pair). Identity
	// policies do not apply to it: it may do anything a bucket policy does
	// not explicitly deny.
	Root bool
	// Account is the 12-digit account ID.
	Account string
	// ARN is the principal's ARN: arn:aws:iam::<acct>:user/<path><name>,
	// arn:aws:iam::<acct>:root, or for a role session
	// arn:aws:sts::<acct>:assumed-role/<role>/<session>.
	ARN string
	// RoleARN is, for a role session, the role's ARN
	// (arn:aws:iam::<acct>:role/<path><name>); empty otherwise. It is the
	// session's aws:PrincipalArn and matches a Principal naming the role.
	RoleARN string
	// UserName is the IAM user name (aws:username); empty for roles, root
	// and anonymous requests.
	UserName string
	// UserID is the unique ID (aws:userid): the user's ID, the account ID
	// for root, or "<role id>:<session name>" for a role session.
	UserID string
}

// principalType is the value of aws:PrincipalType.
func (p *Principal) principalType() string {
	switch {
	case p.Anonymous:
		return "Anonymous"
	case p.Root:
		return "Account"
	case p.RoleARN != "":
		return "AssumedRole"
	}
	return "User"
}

// Context holds a request's condition keys and their values, e.g.
// "aws:SourceIp" -> ["192.0.2.7"], "s3:prefix" -> ["home/alice/"]. Key
// names are matched without regard to case; lower-case keys are found
// fastest. A key that is absent is absent for the condition operators
// (which differs from a key present with an empty value).
//
// Keys derived from the Principal and the request time (aws:username,
// aws:userid, aws:PrincipalArn, aws:PrincipalType, aws:PrincipalAccount,
// aws:CurrentTime, aws:EpochTime) need not be set; a value set here wins.
type Context map[string][]string

// Set stores a key under its lower-case name.
func (c Context) Set(key string, values ...string) {
	c[strings.ToLower(key)] = values
}

// lookup finds lkey (lower case).
func (c Context) lookup(lkey string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	if v, ok := c[lkey]; ok {
		return v, true
	}
	for k, v := range c {
		if strings.EqualFold(k, lkey) {
			return v, true
		}
	}
	return nil, false
}

// Request is one authorisation question: may Principal do Action on
// Resource under Context?
type Request struct {
	Principal Principal
	// Action is the action name, e.g. "s3:GetObject" (ActionGetObject).
	Action string
	// Resource is the ARN acted on: arn:aws:s3:::bucket,
	// arn:aws:s3:::bucket/key, arn:aws:iam::<acct>:user/<name>, or "*" for
	// actions on no resource (s3:ListAllMyBuckets).
	Resource string
	// Context holds the condition keys (see Context).
	Context Context
	// Time is when the request was made (aws:CurrentTime,
	// aws:EpochTime); the zero value means now.
	Time time.Time
}

// Source says which policy decided.
type Source uint8

const (
	// SourceNone: no policy allowed the request (implicit deny).
	SourceNone Source = iota
	// SourceIdentity: one of the identity policies.
	SourceIdentity
	// SourceResource: the bucket policy (or trust policy).
	SourceResource
	// SourceSession: the session policy.
	SourceSession
	// SourceRoot: the root user's own authority (no policy involved).
	SourceRoot
)

func (s Source) String() string {
	switch s {
	case SourceIdentity:
		return "identity policy"
	case SourceResource:
		return "resource policy"
	case SourceSession:
		return "session policy"
	case SourceRoot:
		return "root user"
	}
	return "none"
}

// Decision is the outcome of Evaluate, with what decided it for audit logs.
type Decision struct {
	// Allowed is the answer.
	Allowed bool
	// ExplicitDeny is set when a Deny statement decided.
	ExplicitDeny bool
	// Source is the kind of policy whose statement decided; SourceNone for
	// an implicit deny.
	Source Source
	// Policy is the deciding policy's Name.
	Policy string
	// PolicyIndex is the position of the deciding policy in the identity
	// list when Source is SourceIdentity, else -1.
	PolicyIndex int
	// Statement is the deciding statement's Sid, or "#<n>" (0-based index)
	// when it has none.
	Statement string
	// SessionLimited is set on an implicit deny that only the session
	// policy caused: the role's own policies allowed the request.
	SessionLimited bool
}

// Reason renders the decision for a log line.
func (d Decision) Reason() string {
	var b strings.Builder
	switch {
	case d.Allowed && d.Source == SourceRoot:
		return "allowed: root user"
	case d.Allowed:
		b.WriteString("allowed by ")
	case d.ExplicitDeny:
		b.WriteString("explicitly denied by ")
	case d.SessionLimited:
		return "implicit deny: not allowed by the session policy"
	default:
		return "implicit deny"
	}
	b.WriteString(d.Source.String())
	if d.Policy != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(d.Policy))
	} else if d.PolicyIndex >= 0 {
		b.WriteString(" #")
		b.WriteString(strconv.Itoa(d.PolicyIndex))
	}
	b.WriteString(" statement ")
	b.WriteString(d.Statement)
	return b.String()
}

// evalState is the per-request view the matchers read: context lookups,
// derived keys and policy variables.
type evalState struct {
	req     *Request
	now     time.Time
	scratch [1]string
}

func (s *evalState) time() time.Time {
	if s.now.IsZero() {
		s.now = s.req.Time
		if s.now.IsZero() {
			s.now = time.Now()
		}
	}
	return s.now
}

// values returns the request's values for a lower-case key.
func (s *evalState) values(lkey string) ([]string, bool) {
	if vs, ok := s.req.Context.lookup(lkey); ok {
		return vs, true
	}
	v, ok := s.derived(lkey)
	if !ok {
		return nil, false
	}
	s.scratch[0] = v
	return s.scratch[:], true
}

// derived computes the keys that follow from the principal and the time.
func (s *evalState) derived(lkey string) (string, bool) {
	p := &s.req.Principal
	if !strings.HasPrefix(lkey, "aws:") {
		return "", false
	}
	switch lkey {
	case "aws:username":
		return p.UserName, p.UserName != "" && !p.Anonymous
	case "aws:userid":
		return p.UserID, p.UserID != "" && !p.Anonymous
	case "aws:principalarn":
		if p.Anonymous {
			return "", false
		}
		if p.RoleARN != "" {
			return p.RoleARN, true
		}
		return p.ARN, p.ARN != ""
	case "aws:principalaccount":
		return p.Account, p.Account != "" && !p.Anonymous
	case "aws:principaltype":
		return p.principalType(), true
	case "aws:currenttime":
		return s.time().UTC().Format(time.RFC3339), true
	case "aws:epochtime":
		return strconv.FormatInt(s.time().Unix(), 10), true
	}
	return "", false
}

// variable resolves a policy variable: a single-valued key.
func (s *evalState) variable(lkey string) (string, bool) {
	if vs, ok := s.req.Context.lookup(lkey); ok {
		if len(vs) != 1 {
			return "", false
		}
		return vs[0], true
	}
	return s.derived(lkey)
}

// dateValue reads a request value as a time; the request's own time keys
// skip the round trip through text.
func (s *evalState) dateValue(lkey, v string) (time.Time, bool) {
	if lkey == "aws:currenttime" || lkey == "aws:epochtime" {
		if _, set := s.req.Context.lookup(lkey); !set {
			return s.time(), true
		}
	}
	return parseDate(v)
}

// statementMatch is how a statement relates to a request.
type statementMatch uint8

const (
	stmtNoMatch statementMatch = iota
	stmtAccount                // applies through an account principal (delegation)
	stmtRole                   // applies through the session's role ARN
	stmtDirect                 // applies
)

// applies reports whether the statement covers the request.
func (st *statement) applies(s *evalState) statementMatch {
	req := s.req
	m := stmtDirect
	if st.principal != nil {
		if st.notPrincipal {
			if st.principal.excludes(&req.Principal) {
				return stmtNoMatch
			}
		} else {
			switch st.principal.match(&req.Principal) {
			case noMatch:
				return stmtNoMatch
			case accountMatch:
				m = stmtAccount
			case roleMatch:
				m = stmtRole
			}
		}
	}
	if matchAny(st.actions, req.Action, s) == st.notAction {
		return stmtNoMatch
	}
	if !st.anyResource && matchAny(st.resources, req.Resource, s) == st.notResource {
		return stmtNoMatch
	}
	for i := range st.conditions {
		if !st.conditions[i].eval(s) {
			return stmtNoMatch
		}
	}
	return m
}

func matchAny(pats []pattern, v string, s *evalState) bool {
	for i := range pats {
		if pats[i].match(v, s) {
			return true
		}
	}
	return false
}

// policyLockout lists the actions the root user keeps on its own buckets
// whatever the bucket policy denies, so that a policy denying everyone
// cannot lock the account out of its bucket for good (as in S3).
func policyLockout(action string) bool {
	return strings.EqualFold(action, ActionGetBucketPolicy) ||
		strings.EqualFold(action, ActionPutBucketPolicy) ||
		strings.EqualFold(action, ActionDeleteBucketPolicy)
}

// Evaluate decides a same-account request the way AWS does:
//
//  1. An explicit Deny in any applicable policy (identity, session or
//     resource) denies.
//  2. Otherwise the request is allowed when an identity policy allows it
//     (and, for a role session with a session policy, the session policy
//     allows it too), or when the resource policy allows the principal.
//  3. Otherwise it is denied (implicit deny).
//
// identity are the policies of the principal (user inline and attached,
// its groups', or the session's role's); resource is the bucket policy or,
// for sts:AssumeRole, the role's trust policy (nil when there is none);
// session is the session policy passed to AssumeRole (nil when none).
//
// Same-account rules: a resource policy statement naming the principal
// itself allows on its own; one naming only the principal's account
// delegates to the account's identity policies and allows nothing by
// itself (it does allow the root user). A trust policy must allow
// sts:AssumeRole: an identity policy alone does not let anyone assume a
// role. Anonymous requests are decided by the resource policy alone. The
// root user is allowed unless a resource policy explicitly denies it,
// except that the bucket policy cannot deny the root user
// s3:GetBucketPolicy, s3:PutBucketPolicy or s3:DeleteBucketPolicy. A
// session policy limits identity-policy allows and resource-policy allows
// that name the role; a resource policy statement naming the session's own
// ARN is not limited by it.
//
// resource must be of Kind Resource or Trust; a policy of another kind in
// that place is ignored, since its statements name no principal and would
// otherwise apply to everyone.
func Evaluate(req *Request, identity []*Policy, resource *Policy, session *Policy) Decision {
	if resource != nil && resource.kind != Resource && resource.kind != Trust {
		resource = nil
	}
	s := evalState{req: req}
	p := &req.Principal
	identityApplies := !p.Anonymous && !p.Root
	sessionApplies := session != nil && identityApplies

	// 1. Explicit denies.
	if identityApplies {
		for i, pol := range identity {
			if pol == nil {
				continue
			}
			for j := range pol.stmts {
				st := &pol.stmts[j]
				if st.deny && st.applies(&s) != stmtNoMatch {
					return Decision{ExplicitDeny: true, Source: SourceIdentity, Policy: pol.Name, PolicyIndex: i, Statement: st.label}
				}
			}
		}
	}
	if sessionApplies {
		for j := range session.stmts {
			st := &session.stmts[j]
			if st.deny && st.applies(&s) != stmtNoMatch {
				return Decision{ExplicitDeny: true, Source: SourceSession, Policy: session.Name, PolicyIndex: -1, Statement: st.label}
			}
		}
	}
	if resource != nil && !(p.Root && resource.kind == Resource && policyLockout(req.Action)) {
		for j := range resource.stmts {
			st := &resource.stmts[j]
			if st.deny && st.applies(&s) != stmtNoMatch {
				return Decision{ExplicitDeny: true, Source: SourceResource, Policy: resource.Name, PolicyIndex: -1, Statement: st.label}
			}
		}
	}

	// 2. Allows.
	var resDirect, resAccount, resRole *statement
	if resource != nil {
		for j := range resource.stmts {
			st := &resource.stmts[j]
			if st.deny {
				continue
			}
			switch st.applies(&s) {
			case stmtDirect:
				if resDirect == nil {
					resDirect = st
				}
			case stmtRole:
				if resRole == nil {
					resRole = st
				}
			case stmtAccount:
				if resAccount == nil {
					resAccount = st
				}
			}
			if resDirect != nil {
				break
			}
		}
	}

	sessionAllows := true
	if sessionApplies {
		sessionAllows = false
		for j := range session.stmts {
			st := &session.stmts[j]
			if !st.deny && st.applies(&s) != stmtNoMatch {
				sessionAllows = true
				break
			}
		}
	}

	// The identity side: the root user's own authority, or an identity
	// policy Allow.
	idDecision := Decision{}
	switch {
	case p.Root:
		idDecision = Decision{Allowed: true, Source: SourceRoot, PolicyIndex: -1}
	case identityApplies:
	found:
		for i, pol := range identity {
			if pol == nil {
				continue
			}
			for j := range pol.stmts {
				st := &pol.stmts[j]
				if !st.deny && st.applies(&s) != stmtNoMatch {
					idDecision = Decision{Allowed: true, Source: SourceIdentity, Policy: pol.Name, PolicyIndex: i, Statement: st.label}
					break found
				}
			}
		}
	}
	sessionLimited := idDecision.Allowed && !sessionAllows
	idAllows := idDecision.Allowed && sessionAllows

	resourceDecision := func(st *statement) Decision {
		return Decision{Allowed: true, Source: SourceResource, Policy: resource.Name, PolicyIndex: -1, Statement: st.label}
	}
	trust := resource != nil && resource.kind == Trust

	switch {
	case resDirect != nil:
		return resourceDecision(resDirect)
	case resRole != nil && sessionAllows:
		return resourceDecision(resRole)
	case trust:
		// A trust policy must itself let the principal in; naming only
		// the account defers to the identity policies.
		if resAccount != nil && idAllows {
			return resourceDecision(resAccount)
		}
	case idAllows:
		return idDecision
	}
	if resRole != nil || sessionLimited {
		return Decision{PolicyIndex: -1, SessionLimited: true, Source: SourceNone}
	}
	return Decision{PolicyIndex: -1}
}
