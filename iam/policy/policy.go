package policy

import (
	"errors"
	"strconv"
	"strings"
)

// Kind says where a policy document is attached, which decides what it may
// contain and which error code refuses it.
type Kind uint8

const (
	// Identity is a policy attached to a user, group or role (inline or
	// managed), or passed as a session policy. It names no principal.
	// Refused as MalformedPolicyDocument.
	Identity Kind = iota + 1
	// Resource is a bucket policy. Each statement names a principal and S3
	// resources. Refused as MalformedPolicy.
	Resource
	// Trust is a role's trust policy (AssumeRolePolicyDocument): statements
	// name a principal and no resource. Refused as MalformedPolicyDocument.
	Trust
)

func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Resource:
		return "resource"
	case Trust:
		return "trust"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Policy versions. A document without Version is read as 2008-10-17, in
// which ${...} is literal text rather than a policy variable.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed, validated policy document. It is immutable once
// Parse returns (apart from Name) and safe for concurrent use by any number
// of Evaluate calls.
type Policy struct {
	// Name labels the policy in Decisions (audit logs), e.g. the managed
	// policy's ARN, "inline:user/alice/ReadOnly" or "bucket-policy:photos".
	// Parse leaves it empty; set it before sharing the Policy.
	Name string

	text    string
	kind    Kind
	version string // as written; "" when absent
	id      string
	stmts   []statement
}

// Text returns the document exactly as it was given to Parse: what
// GetBucketPolicy, GetUserPolicy and GetPolicyVersion hand back.
func (p *Policy) Text() string { return p.text }

// Kind is the kind the policy was parsed as.
func (p *Policy) Kind() Kind { return p.kind }

// Version is the document's Version element, or "" when it has none.
func (p *Policy) Version() string { return p.version }

// ID is the document's Id element, or "".
func (p *Policy) ID() string { return p.id }

// MarshalJSON returns the original document text, so that a Policy
// embedded in a JSON structure serialises as the user wrote it.
func (p *Policy) MarshalJSON() ([]byte, error) {
	return []byte(p.text), nil
}

// Principals lists the AWS principal values (account IDs and IAM/STS
// ARNs, never "*") that the Principal and NotPrincipal elements name, in
// document order without duplicates. The bucket policy API may check that
// they exist, as S3 does.
func (p *Policy) Principals() []string {
	var out []string
	seen := map[string]bool{}
	for i := range p.stmts {
		pr := p.stmts[i].principal
		if pr == nil {
			continue
		}
		for _, v := range pr.named {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

type statement struct {
	label string // Sid, or "#<index>" (0-based) when the statement has none
	deny  bool

	principal    *principalSet // nil when the element is absent
	notPrincipal bool

	actions   []pattern
	notAction bool

	resources   []pattern
	notResource bool
	anyResource bool // no Resource element (trust policies): every resource

	conditions []condition
}

// Parse parses and validates a policy document of the given kind, as IAM
// (Identity, Trust) or S3 (Resource) would on upload. Errors are *Error
// values carrying the AWS error code and message. Parse does not check IAM's
// size quotas (see CheckSize); it does refuse a bucket policy over
// MaxBucketPolicySize.
func Parse(doc []byte, kind Kind) (*Policy, error) {
	return parse(doc, kind, "")
}

// ParseBucketPolicy parses a bucket policy for bucket: as Parse with
// Resource, and every resource must be the bucket's ARN or an object ARN
// inside it ("Policy has invalid resource" otherwise), as S3 requires.
func ParseBucketPolicy(doc []byte, bucket string) (*Policy, error) {
	if bucket == "" {
		return nil, errors.New("policy: ParseBucketPolicy needs a bucket name")
	}
	return parse(doc, Resource, bucket)
}

type parser struct {
	kind   Kind
	bucket string
	vars   bool // policy variables are substituted (Version 2012-10-17)
}

func parse(doc []byte, kind Kind, bucket string) (*Policy, error) {
	switch kind {
	case Identity, Resource, Trust:
	default:
		return nil, errors.New("policy: unknown policy kind " + kind.String())
	}
	ps := &parser{kind: kind, bucket: bucket}
	if kind == Resource {
		if compactSize(doc, false) > MaxBucketPolicySize {
			return nil, malformed(kind, msgBucketPolicyTooLarge)
		}
		trimmed := strings.TrimLeft(string(doc), " \t\r\n")
		if trimmed == "" || trimmed[0] != '{' {
			return nil, malformed(kind, "Policies must be valid JSON and the first byte must be '{'")
		}
	}
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, ps.syntaxError()
	}
	if root.kind != jsonObject {
		return nil, ps.syntaxError()
	}
	p := &Policy{text: string(doc), kind: kind}
	var stmtValue *jsonValue
	for i := range root.members {
		m := &root.members[i]
		switch m.name {
		case "Version":
			if m.value.kind != jsonString {
				return nil, ps.versionError()
			}
			p.version = m.value.str
		case "Id":
			if m.value.kind != jsonString {
				return nil, ps.syntaxError()
			}
			p.id = m.value.str
		case "Statement":
			stmtValue = &m.value
		default:
			return nil, ps.unknownField(m.name)
		}
	}
	switch p.version {
	case Version2012:
		ps.vars = true
	case Version2008, "":
	default:
		return nil, ps.versionError()
	}
	if stmtValue == nil {
		if kind == Resource {
			return nil, malformed(kind, "Missing required field Statement")
		}
		return nil, ps.syntaxError()
	}
	var stmts []jsonValue
	switch stmtValue.kind {
	case jsonObject:
		stmts = []jsonValue{*stmtValue}
	case jsonArray:
		stmts = stmtValue.array
	default:
		return nil, ps.syntaxError()
	}
	if len(stmts) == 0 {
		if kind == Resource {
			return nil, malformed(kind, "Could not parse the policy: Statement is empty!")
		}
		return nil, ps.syntaxError()
	}
	sids := map[string]bool{}
	for i := range stmts {
		if stmts[i].kind != jsonObject {
			return nil, ps.syntaxError()
		}
		st, err := ps.statement(&stmts[i], i)
		if err != nil {
			return nil, err
		}
		if sid := stmts[i].member("Sid"); sid != nil && sid.str != "" && kind != Resource {
			if sids[sid.str] {
				return nil, malformed(kind, "Statement IDs (SID) in a single policy must be unique.")
			}
			sids[sid.str] = true
		}
		p.stmts = append(p.stmts, st)
	}
	return p, nil
}

func (v *jsonValue) member(name string) *jsonValue {
	for i := range v.members {
		if v.members[i].name == name {
			return &v.members[i].value
		}
	}
	return nil
}

func (ps *parser) syntaxError() *Error {
	if ps.kind == Resource {
		return malformed(ps.kind, "This policy contains invalid Json")
	}
	return malformed(ps.kind, "Syntax errors in policy.")
}

func (ps *parser) versionError() *Error {
	if ps.kind == Resource {
		return malformed(ps.kind, "The policy must contain a valid version string")
	}
	return malformed(ps.kind, "The policy failed legacy parsing")
}

func (ps *parser) unknownField(name string) *Error {
	if ps.kind == Resource {
		return malformed(ps.kind, "Unknown field "+name)
	}
	return malformed(ps.kind, "Syntax errors in policy.")
}

func (ps *parser) missingField(name string) *Error {
	if ps.kind == Resource {
		return malformed(ps.kind, "Missing required field "+name)
	}
	switch name {
	case "Action":
		return malformed(ps.kind, "Policy statement must contain actions.")
	case "Resource":
		return malformed(ps.kind, "Policy statement must contain resources.")
	case "Principal":
		return malformed(ps.kind, "Missing required field Principal")
	}
	return malformed(ps.kind, "Syntax errors in policy.")
}

func (ps *parser) statement(v *jsonValue, index int) (statement, error) {
	st := statement{label: "#" + strconv.Itoa(index)}
	var effect, principal, notPrincipal, action, notAction, resource, notResource, cond *jsonValue
	for i := range v.members {
		m := &v.members[i]
		val := &m.value
		switch m.name {
		case "Sid":
			if val.kind != jsonString {
				return st, ps.syntaxError()
			}
			if ps.kind != Resource && !alphanumeric(val.str) {
				return st, malformed(ps.kind, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
			}
			if val.str != "" {
				st.label = val.str
			}
		case "Effect":
			effect = val
		case "Principal":
			principal = val
		case "NotPrincipal":
			notPrincipal = val
		case "Action":
			action = val
		case "NotAction":
			notAction = val
		case "Resource":
			resource = val
		case "NotResource":
			notResource = val
		case "Condition":
			cond = val
		default:
			return st, ps.unknownField(m.name)
		}
	}

	if effect == nil {
		return st, ps.missingField("Effect")
	}
	if effect.kind != jsonString {
		return st, ps.syntaxError()
	}
	switch effect.str {
	case "Allow":
	case "Deny":
		st.deny = true
	default:
		if ps.kind == Resource {
			return st, malformed(ps.kind, "Invalid effect: "+effect.str)
		}
		// IAM's words for an Effect other than Allow or Deny (they are
		// case-sensitive).
		return st, malformed(ps.kind, "The policy failed legacy parsing")
	}

	// Principal.
	switch ps.kind {
	case Identity:
		if principal != nil || notPrincipal != nil {
			return st, malformed(ps.kind, "Policy document should not specify a principal.")
		}
	default:
		if principal != nil && notPrincipal != nil {
			return st, ps.syntaxError()
		}
		pv := principal
		if pv == nil {
			pv, st.notPrincipal = notPrincipal, true
		}
		if pv == nil {
			return st, ps.missingField("Principal")
		}
		set, err := ps.principals(pv)
		if err != nil {
			return st, err
		}
		st.principal = set
	}

	// Action.
	if action != nil && notAction != nil {
		return st, ps.syntaxError()
	}
	av := action
	if av == nil {
		av, st.notAction = notAction, true
	}
	if av == nil {
		return st, ps.missingField("Action")
	}
	names, ok := av.strings()
	if !ok {
		if ps.kind == Resource {
			return st, malformed(ps.kind, "Policy has invalid action")
		}
		return st, ps.syntaxError()
	}
	for _, name := range names {
		pat, err := ps.action(name)
		if err != nil {
			return st, err
		}
		st.actions = append(st.actions, pat)
	}

	// Resource.
	if resource != nil && notResource != nil {
		return st, ps.syntaxError()
	}
	rv := resource
	if rv == nil {
		rv, st.notResource = notResource, true
	}
	switch {
	case ps.kind == Trust && rv != nil:
		if resource != nil {
			return st, malformed(ps.kind, "Has prohibited field Resource")
		}
		return st, malformed(ps.kind, "Has prohibited field NotResource")
	case ps.kind == Trust:
		st.anyResource = true
	case rv == nil:
		return st, ps.missingField("Resource")
	default:
		arns, ok := rv.strings()
		if !ok {
			if ps.kind == Resource {
				return st, malformed(ps.kind, "Policy has invalid resource")
			}
			return st, ps.syntaxError()
		}
		for _, arn := range arns {
			pat, err := ps.resource(arn)
			if err != nil {
				return st, err
			}
			st.resources = append(st.resources, pat)
		}
	}

	if cond != nil {
		conds, err := ps.conditions(cond, &st, names)
		if err != nil {
			return st, err
		}
		st.conditions = conds
	}

	if ps.kind == Resource && !st.notAction && !st.notResource {
		if !actionsApply(names, st.resources) {
			return st, malformed(ps.kind, "Action does not apply to any resource(s) in statement")
		}
	}
	return st, nil
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// action validates and compiles one Action/NotAction value.
func (ps *parser) action(name string) (pattern, error) {
	invalid := func(msg string) (pattern, error) {
		if ps.kind == Resource {
			return pattern{}, malformed(ps.kind, "Policy has invalid action")
		}
		return pattern{}, malformed(ps.kind, msg)
	}
	if name == "*" {
		p, _ := compilePattern(name, true, false, true)
		return p, nil
	}
	vendor, rest, ok := strings.Cut(name, ":")
	if !ok || vendor == "" {
		return invalid("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	if strings.Contains(rest, ":") {
		return invalid("Actions/Condition can contain only one colon.")
	}
	if strings.ContainsAny(vendor, "*?") {
		return invalid("Action vendors (e.g., aws, ec2, etc.) must not contain wildcards.")
	}
	if !validVendor(vendor) {
		return invalid("Vendor " + vendor + " is not valid")
	}
	if rest == "" || !validActionName(rest) {
		return invalid("Action " + name + " is not valid")
	}
	lvendor := strings.ToLower(vendor)
	if ps.kind == Resource && lvendor != "s3" {
		return invalid("")
	}
	p, _ := compilePattern(name, true, false, true)
	if known, ok := knownVendors[lvendor]; ok {
		matched := false
		for _, n := range known {
			if p.match(lvendor+":"+n, nil) {
				matched = true
				break
			}
		}
		if !matched {
			return invalid("Invalid Action: The action " + name + " does not exist.")
		}
	}
	return p, nil
}

func validVendor(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validActionName(n string) bool {
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '*' || c == '?' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// resource validates and compiles one Resource/NotResource value.
func (ps *parser) resource(arn string) (pattern, error) {
	if ps.kind == Resource {
		if !validBucketPolicyResource(arn, ps.bucket) {
			return pattern{}, malformed(ps.kind, "Policy has invalid resource")
		}
	} else if arn != "*" {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) < 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
			return pattern{}, malformed(ps.kind, "Resource "+arn+" must be in ARN format or \"*\".")
		}
	}
	p, ok := compilePattern(arn, true, ps.vars, false)
	if !ok {
		if ps.kind == Resource {
			return pattern{}, malformed(ps.kind, "Policy has invalid resource")
		}
		return pattern{}, ps.syntaxError()
	}
	return p, nil
}

const s3ARNPrefix = "arn:aws:s3:::"

// validBucketPolicyResource: S3 resources only, and when the bucket is
// known, only that bucket and its objects.
func validBucketPolicyResource(arn, bucket string) bool {
	rest, ok := strings.CutPrefix(arn, s3ARNPrefix)
	if !ok || rest == "" {
		return false
	}
	if bucket == "" {
		return true
	}
	name, _, _ := strings.Cut(rest, "/")
	return name == bucket
}

// actionsApply reports whether every action names a resource type that one
// of the resource patterns can be: S3's check that no action of a bucket
// policy statement is vacuous. A wildcard action passes when one of the
// actions it covers applies.
func actionsApply(actions []string, resources []pattern) bool {
	var bucketRes, objectRes bool
	for i := range resources {
		rest := strings.TrimPrefix(resources[i].raw, s3ARNPrefix)
		if strings.ContainsAny(rest, "/*") {
			objectRes = true
		}
		if !strings.Contains(rest, "/") {
			bucketRes = true
		}
	}
	for _, a := range actions {
		if a == "*" {
			if !bucketRes && !objectRes {
				return false
			}
			continue
		}
		_, name, _ := strings.Cut(a, ":")
		p, _ := compilePattern(name, true, false, true)
		applies := false
		for _, info := range s3Actions {
			if p.match(info.name, nil) && (info.on == onObject && objectRes || info.on == onBucket && bucketRes) {
				applies = true
				break
			}
		}
		if !applies {
			return false
		}
	}
	return true
}
