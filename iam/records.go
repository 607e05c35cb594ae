package iam

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The record schema. Every IAM record is a JSON document in the Store under
// a name that starts with recordPrefix:
//
//	iam/user/<name, lower case>    entityRecord: a user, its inline
//	                               policies, attached policy names, groups
//	iam/group/<name, lower case>   entityRecord: a group and its policies
//	iam/role/<name, lower case>    entityRecord: a role, its trust policy
//	                               and policies
//	iam/policy/<name, lower case>  policyRecord: a managed policy
//	iam/key/<access key ID>        keyRecord: an access key, its sealed
//	                               secret and status
//
// Each operation writes one record, so a failed write leaves the others as
// they were. Records refer to one another by name, never by ARN, so that
// the account ID may change without rewriting them.
const (
	recordPrefix = "iam/"
	prefixUsers  = "iam/user/"
	prefixGroups = "iam/group/"
	prefixRoles  = "iam/role/"
	prefixPols   = "iam/policy/"
	prefixKeys   = "iam/key/"
)

// entityKind is a kind of identity that holds policies: user, group or
// role.
type entityKind int

const (
	kindUser entityKind = iota
	kindGroup
	kindRole
)

func (k entityKind) String() string {
	switch k {
	case kindUser:
		return "user"
	case kindGroup:
		return "group"
	}
	return "role"
}

func (k entityKind) prefix() string {
	switch k {
	case kindUser:
		return prefixUsers
	case kindGroup:
		return prefixGroups
	}
	return prefixRoles
}

func (k entityKind) recordName(name string) string { return k.prefix() + recordKey(name) }

// nameField is the parameter that names an entity of this kind.
func (k entityKind) nameField() string {
	switch k {
	case kindUser:
		return "userName"
	case kindGroup:
		return "groupName"
	}
	return "roleName"
}

func (k entityKind) maxNameLen() int {
	switch k {
	case kindUser:
		return maxUserNameLen
	case kindGroup:
		return maxGroupNameLen
	}
	return maxRoleNameLen
}

// inlinePolicyLimit is AWS's limit on the aggregate size of an entity's
// inline policies, in characters other than white space.
func (k entityKind) inlinePolicyLimit() int {
	switch k {
	case kindUser:
		return 2048
	case kindGroup:
		return 5120
	}
	return 10240
}

func (k entityKind) arn(account, path, name string) string {
	switch k {
	case kindUser:
		return userARN(account, path, name)
	case kindGroup:
		return groupARN(account, path, name)
	}
	return roleARN(account, path, name)
}

// managedPolicyLimit is AWS's size limit of a managed policy, in characters
// other than white space.
const managedPolicyLimit = 6144

// sessionPolicyLimit is AWS's limit on a session policy's plain text.
const sessionPolicyLimit = 2048

// Limits on counts, as AWS's defaults.
const (
	maxAccessKeysPerUser  = 2
	maxGroupsPerUser      = 10
	maxAttachedPerEntity  = 10
	maxTagsPerEntity      = 50
	defaultSessionSeconds = 3600
	minSessionSeconds     = 900
	maxSessionSeconds     = 43200
	chainedSessionSeconds = 3600
)

// Tag is a key-value pair on a user, role or managed policy.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// entityRecord is a stored user, group or role.
type entityRecord struct {
	Name     string            `json:"name"`
	ID       string            `json:"id"`
	Path     string            `json:"path"`
	Created  time.Time         `json:"created"`
	Inline   map[string]string `json:"inline,omitempty"`   // inline policy name -> document
	Attached []string          `json:"attached,omitempty"` // managed policy names
	Tags     []Tag             `json:"tags,omitempty"`

	// Users only: the names of the groups the user belongs to.
	Groups []string `json:"groups,omitempty"`

	// Roles only.
	TrustPolicy        string `json:"trustPolicy,omitempty"`
	MaxSessionDuration int    `json:"maxSessionDuration,omitempty"` // seconds
	Description        string `json:"description,omitempty"`
}

// policyRecord is a stored customer managed policy. zones3 keeps one
// version of each policy, v1.
type policyRecord struct {
	Name        string    `json:"name"`
	ID          string    `json:"id"`
	Path        string    `json:"path"`
	Description string    `json:"description,omitempty"`
	Document    string    `json:"document"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Tags        []Tag     `json:"tags,omitempty"`
}

// Access key statuses.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// keyRecord is a stored access key. Secret is sealed (see crypt.go) with
// the record's name as associated data, so a sealed secret copied into
// another key's record does not open.
type keyRecord struct {
	AccessKeyID string    `json:"id"`
	User        string    `json:"user"`
	UserID      string    `json:"userId"`
	Secret      []byte    `json:"secret"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
}

func keyRecordName(id string) string { return prefixKeys + id }

func encodeRecord(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("iam: encode record: %w", err)
	}
	return b, nil
}

func decodeRecord[T any](name string, b []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("iam: decode record %s: %w", name, err)
	}
	return &v, nil
}

// policySize is the size AWS counts against policy limits: characters other
// than white space.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

// checkPolicyText refuses a policy document that is empty or holds
// characters outside what IAM accepts ([\u0009\u000A\u000D\u0020-\u00FF]).
func checkPolicyText(field, doc string) error {
	if doc == "" {
		return validationError(field, doc, "Member must have length greater than or equal to 1")
	}
	for _, r := range doc {
		if r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r > 0xff) {
			return malformedPolicy("The policy document contains a character outside the allowed set (tab, line feed, carriage return and U+0020 to U+00FF).")
		}
	}
	return nil
}

// defaultValidatePolicy is the check a Directory applies to policy
// documents when its Config has no ValidatePolicy: a JSON object whose
// Statement is an object or a non-empty array of objects, each with
// Effect Allow or Deny, and a Version, if given, that IAM knows.
func defaultValidatePolicy(doc []byte, kind PolicyKind) error {
	var p struct {
		Version   *string         `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	if err := dec.Decode(&p); err != nil {
		return malformedPolicy("Syntax errors in policy.")
	}
	if dec.More() {
		return malformedPolicy("Syntax errors in policy.")
	}
	if p.Version != nil && *p.Version != "2012-10-17" && *p.Version != "2008-10-17" {
		return malformedPolicy("The policy must contain a valid version string")
	}
	if len(p.Statement) == 0 {
		return malformedPolicy("Syntax errors in policy.")
	}
	var stmts []map[string]json.RawMessage
	if strings.HasPrefix(strings.TrimSpace(string(p.Statement)), "{") {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return malformedPolicy("Syntax errors in policy.")
		}
		stmts = append(stmts, one)
	} else if err := json.Unmarshal(p.Statement, &stmts); err != nil || len(stmts) == 0 {
		return malformedPolicy("Syntax errors in policy.")
	}
	for _, st := range stmts {
		var effect string
		if err := json.Unmarshal(st["Effect"], &effect); err != nil || effect != "Allow" && effect != "Deny" {
			return malformedPolicy("Policy statement must contain a valid Effect (Allow or Deny).")
		}
		_, action := st["Action"]
		_, notAction := st["NotAction"]
		if !action && !notAction {
			return malformedPolicy("Policy statement must contain actions.")
		}
		_, principal := st["Principal"]
		_, notPrincipal := st["NotPrincipal"]
		switch kind {
		case PolicyIdentity, PolicySession:
			if principal || notPrincipal {
				return malformedPolicy("Policy document should not specify a principal.")
			}
		case PolicyTrust:
			if !principal && !notPrincipal {
				return malformedPolicy("Missing required field Principal")
			}
		}
	}
	return nil
}

// PolicyKind says where a policy document is used, for ValidatePolicy.
type PolicyKind int

const (
	// PolicyIdentity: an inline or managed policy of a user, group or role.
	PolicyIdentity PolicyKind = iota
	// PolicyTrust: a role's AssumeRolePolicyDocument (names a Principal).
	PolicyTrust
	// PolicySession: the Policy parameter of AssumeRole.
	PolicySession
)

func (k PolicyKind) String() string {
	switch k {
	case PolicyIdentity:
		return "identity"
	case PolicyTrust:
		return "trust"
	}
	return "session"
}

// policyError turns what a ValidatePolicy hook returned into the client's
// error: an *Error stays as it is; an error that names an AWS code (a
// Code() string method) keeps the code; anything else is a
// MalformedPolicyDocument with the error's text.
func policyError(err error) *Error {
	if e, ok := asError(err); ok {
		return e
	}
	var coded interface{ Code() string }
	if errors.As(err, &coded) {
		switch c := coded.Code(); c {
		case CodeLimitExceeded:
			return limitExceeded("%s", err.Error())
		case CodeMalformedPolicyDocument:
		default:
			if c != "" {
				return newError(c, http.StatusBadRequest, "%s", err.Error())
			}
		}
	}
	return malformedPolicy("%s", err.Error())
}
