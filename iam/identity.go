package iam

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/zones3/zones3/iam/policy"
)

// Identity is who an authenticated access key stands for, with everything
// authorization needs to decide what it may do. An Identity from
// Directory.Identity shares its slices and policies with the Directory's
// in-memory copy: read them, never modify them.
type Identity struct {
	Account   string
	AccessKey string
	// ARN: arn:aws:iam::<account>:root for the root user,
	// arn:aws:iam::<account>:user/<path><name> for a user,
	// arn:aws:sts::<account>:assumed-role/<role>/<session> for temporary
	// credentials.
	ARN string
	// UserID is the unique ID GetCallerIdentity shows: the account ID for
	// root, AIDA… for a user, AROA…:<session> for a role session.
	UserID string
	// Root: the account's root user, which may do everything.
	Root bool

	// Users: the name, path and the groups the user belongs to.
	UserName string
	Path     string
	Groups   []string

	// Temporary credentials: the role, the session, the session policy
	// ("" when none was given) and when the credentials expire.
	Role          string
	RoleARN       string
	SessionName   string
	SessionPolicy string
	Expiration    time.Time
	// SourceARN is who assumed the role.
	SourceARN string

	// Policies are the identity-based policies in force: a user's inline
	// and attached policies and those of its groups; a role session's role
	// policies (the session policy is separate: it only narrows them).
	// Empty for root.
	Policies []IdentityPolicy
}

// IdentityPolicy is one policy in force for an identity.
type IdentityPolicy struct {
	// Managed: ARN is the managed policy's. Inline: ARN is the ARN of the
	// user, group or role that holds it.
	Managed  bool
	ARN      string
	Name     string
	Document string
	// Policy is Document parsed when the Directory read its record, named
	// "<ARN>#<Name>" for decisions; shared by every identity it applies
	// to. nil when the stored document does not parse (logged once when
	// the record was read): such a policy grants nothing.
	Policy *policy.Policy
}

// Identity returns who accessKey (with sessionToken, for temporary
// credentials) stands for, from the in-memory copy of the records. The
// error wraps ErrInvalidAccessKeyID, ErrInvalidToken or ErrExpiredToken.
//
// For a user it does no parsing: the policies were parsed when the
// Directory read their records, and the Identity refers to them.
func (d *Directory) Identity(accessKey, sessionToken string) (*Identity, error) {
	if sessionToken != "" {
		c, err := d.openSession(accessKey, sessionToken)
		if err != nil {
			return nil, err
		}
		return d.sessionIdentity(c), nil
	}
	if accessKey == d.rootAccessKey {
		return &Identity{Account: d.account, AccessKey: accessKey, ARN: rootARN(d.account), UserID: d.account, Root: true}, nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, u, ok := d.activeKey(accessKey)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrInvalidAccessKeyID, accessKey)
	}
	groups := make([]*cachedEntity, 0, maxGroupsPerUser)
	n := len(u.inline) + len(u.attached)
	for _, g := range u.groups {
		if gr := d.cache.groups[g]; gr != nil {
			groups = append(groups, gr)
			n += len(gr.inline) + len(gr.attached)
		}
	}
	// Records are replaced, never changed in place, so the Identity may
	// share the record's group list; capping its capacity keeps an append
	// from writing into it.
	rec := u.rec
	id := &Identity{
		Account:   d.account,
		AccessKey: accessKey,
		ARN:       u.arn,
		UserID:    rec.ID,
		UserName:  rec.Name,
		Path:      orRoot(rec.Path),
		Groups:    rec.Groups[:len(rec.Groups):len(rec.Groups)],
		Policies:  make([]IdentityPolicy, 0, n),
	}
	id.Policies = d.appendPolicies(id.Policies, u)
	for _, gr := range groups {
		id.Policies = d.appendPolicies(id.Policies, gr)
	}
	return id, nil
}

// appendPolicies appends an entity's inline policies (by name) and then
// its attached managed policies, from the in-memory copy. d.mu must be
// held.
func (d *Directory) appendPolicies(out []IdentityPolicy, e *cachedEntity) []IdentityPolicy {
	out = append(out, e.inline...)
	for _, key := range e.attached {
		if p := d.cache.policies[key]; p != nil {
			out = append(out, p.identity)
		}
	}
	return out
}

// sessionClaims is what a session token carries, sealed: everything a
// gateway needs to authenticate the temporary credentials and name their
// identity without reading the store.
type sessionClaims struct {
	AccessKeyID string `json:"k"`
	Secret      string `json:"s"`
	Role        string `json:"r"`
	RoleID      string `json:"ri"`
	RolePath    string `json:"rp"`
	Session     string `json:"n"`
	Policy      string `json:"p,omitempty"`
	Expires     int64  `json:"e"` // Unix seconds
	Source      string `json:"src,omitempty"`
}

// sessionTokenAAD binds the sealed claims to their use.
var sessionTokenAAD = []byte("zones3 sts session token v1")

// sealSession returns the session token of c: the sealed claims in
// unpadded URL-safe base64, so that it travels unchanged in headers and
// query strings.
func (d *Directory) sealSession(c *sessionClaims) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("iam: encode session: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(d.tokens.seal(b, sessionTokenAAD)), nil
}

// maxSessionToken bounds the token a request may carry.
const maxSessionToken = 8 << 10

// openSession authenticates a session token for accessKey.
func (d *Directory) openSession(accessKey, token string) (*sessionClaims, error) {
	if len(token) > maxSessionToken {
		return nil, fmt.Errorf("%w: the token is too long", ErrInvalidToken)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("%w: not a zones3 session token", ErrInvalidToken)
	}
	plain, err := d.tokens.open(sealed, sessionTokenAAD)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	var c sessionClaims
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if c.AccessKeyID != accessKey {
		return nil, fmt.Errorf("%w: the token belongs to another access key", ErrInvalidToken)
	}
	if !d.now().Before(time.Unix(c.Expires, 0)) {
		return nil, fmt.Errorf("%w: expired at %s", ErrExpiredToken, time.Unix(c.Expires, 0).UTC().Format(time.RFC3339))
	}
	return &c, nil
}

// SessionSecretKey implements SessionKeyring: the secret key of temporary
// credentials, from their session token alone.
func (d *Directory) SessionSecretKey(accessKey, token string) (string, error) {
	c, err := d.openSession(accessKey, token)
	if err != nil {
		return "", err
	}
	return c.Secret, nil
}

// sessionIdentity is the identity of a role session. The role's policies
// come from the in-memory copy; a role deleted (or deleted and made anew)
// since the session began leaves the session without policies, so that
// authorization refuses it.
func (d *Directory) sessionIdentity(c *sessionClaims) *Identity {
	id := &Identity{
		Account:       d.account,
		AccessKey:     c.AccessKeyID,
		ARN:           assumedRoleARN(d.account, c.Role, c.Session),
		UserID:        c.RoleID + ":" + c.Session,
		Role:          c.Role,
		RoleARN:       roleARN(d.account, c.RolePath, c.Role),
		SessionName:   c.Session,
		Expiration:    time.Unix(c.Expires, 0).UTC(),
		SourceARN:     c.Source,
		SessionPolicy: c.Policy,
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if r := d.cache.roles[recordKey(c.Role)]; r != nil && r.rec.ID == c.RoleID {
		id.Policies = d.appendPolicies(make([]IdentityPolicy, 0, len(r.inline)+len(r.attached)), r)
	}
	return id
}
