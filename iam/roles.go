package iam

import (
	"context"
	"strings"
	"time"
)

// Role is an IAM role as the API shows it.
type Role struct {
	Name               string
	ID                 string
	Path               string
	ARN                string
	Created            time.Time
	TrustPolicy        string // the AssumeRolePolicyDocument
	Description        string
	MaxSessionDuration int // seconds
	Tags               []Tag
}

func (d *Directory) roleOf(e *entityRecord) Role {
	return Role{
		Name:               e.Name,
		ID:                 e.ID,
		Path:               orRoot(e.Path),
		ARN:                roleARN(d.account, e.Path, e.Name),
		Created:            e.Created,
		TrustPolicy:        e.TrustPolicy,
		Description:        e.Description,
		MaxSessionDuration: maxSessionOf(e),
		Tags:               e.Tags,
	}
}

func maxSessionOf(e *entityRecord) int {
	if e.MaxSessionDuration == 0 {
		return defaultSessionSeconds
	}
	return e.MaxSessionDuration
}

// CreateRoleInput is what CreateRole takes.
type CreateRoleInput struct {
	Name        string
	Path        string
	TrustPolicy string // AssumeRolePolicyDocument: who may assume the role
	Description string
	// MaxSessionDuration in seconds, 3600 to 43200; 0 means 3600.
	MaxSessionDuration int
	Tags               []Tag
}

// CreateRole creates a role that the principals its trust policy names may
// assume with STS AssumeRole.
func (d *Directory) CreateRole(ctx context.Context, in CreateRoleInput) (Role, error) {
	if err := validName("roleName", in.Name, 1, maxRoleNameLen); err != nil {
		return Role{}, err
	}
	if err := validPath("path", in.Path); err != nil {
		return Role{}, err
	}
	if len(in.Description) > maxDescriptionLen {
		return Role{}, validationError("description", in.Description, "Member must have length less than or equal to 1000")
	}
	if in.MaxSessionDuration != 0 && (in.MaxSessionDuration < defaultSessionSeconds || in.MaxSessionDuration > maxSessionSeconds) {
		return Role{}, validationErrorf("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between %d and %d",
			in.MaxSessionDuration, defaultSessionSeconds, maxSessionSeconds)
	}
	if err := validTags(in.Tags); err != nil {
		return Role{}, err
	}
	if err := checkPolicyText("assumeRolePolicyDocument", in.TrustPolicy); err != nil {
		return Role{}, err
	}
	if err := d.validate([]byte(in.TrustPolicy), PolicyTrust); err != nil {
		return Role{}, policyError(err)
	}
	// AWS limits a trust policy to 2,048 characters by default.
	if policySize(in.TrustPolicy) > 2048 {
		return Role{}, limitExceeded("Cannot exceed quota for ACLSizePerRole: 2048")
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	rec := &entityRecord{
		Name:               in.Name,
		ID:                 newID(prefixRoleID, uniqueIDLen),
		Path:               orRoot(in.Path),
		Created:            d.nowSecond(),
		TrustPolicy:        in.TrustPolicy,
		Description:        in.Description,
		MaxSessionDuration: in.MaxSessionDuration,
		Tags:               in.Tags,
	}
	if err := d.createEntity(ctx, kindRole, rec); err != nil {
		return Role{}, err
	}
	return d.roleOf(rec), nil
}

// GetRole returns the role called name.
func (d *Directory) GetRole(ctx context.Context, name string) (Role, error) {
	rec, err := d.getEntity(ctx, kindRole, name)
	if err != nil {
		return Role{}, err
	}
	return d.roleOf(rec), nil
}

// ListRoles returns the roles whose path starts with pathPrefix.
func (d *Directory) ListRoles(ctx context.Context, pathPrefix string) ([]Role, error) {
	if err := validPathPrefix(pathPrefix); err != nil {
		return nil, err
	}
	recs, err := d.listEntities(ctx, kindRole)
	if err != nil {
		return nil, err
	}
	var out []Role
	for _, r := range recs {
		if strings.HasPrefix(orRoot(r.Path), orRoot(pathPrefix)) {
			out = append(out, d.roleOf(r))
		}
	}
	return out, nil
}

// DeleteRole deletes a role without inline or attached policies. Sessions
// of the role keep authenticating until they expire, but with no policies
// left they may do nothing.
func (d *Directory) DeleteRole(ctx context.Context, name string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	r, err := d.getEntity(ctx, kindRole, name)
	if err != nil {
		return err
	}
	switch {
	case len(r.Inline) > 0:
		return deleteConflict("Cannot delete entity, must delete policies first.")
	case len(r.Attached) > 0:
		return deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	return d.deleteRecord(ctx, kindRole.recordName(name))
}

// roleByARN reads the role an ARN names; ok is false when there is none
// (in this account, with this path).
func (d *Directory) roleByARN(ctx context.Context, arn string) (rec *entityRecord, ok bool, err error) {
	account, path, name, valid := parseIAMARN(arn, "role")
	if !valid || account != d.account || validName("roleName", name, 1, maxRoleNameLen) != nil {
		return nil, false, nil
	}
	r, found, err := getRecord[entityRecord](ctx, d, kindRole.recordName(name))
	if err != nil || !found || orRoot(r.Path) != path {
		return nil, false, err
	}
	return r, true, nil
}

// Credentials are temporary credentials issued by AssumeRole.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	// The assumed role user: arn:aws:sts::<account>:assumed-role/<role>/<session>
	// and <role ID>:<session>.
	AssumedRoleARN string
	AssumedRoleID  string
}

// AssumeRoleInput is what AssumeRole takes, after authorization.
type AssumeRoleInput struct {
	Role          Role
	SessionName   string
	Duration      time.Duration // 0 means one hour
	SessionPolicy string        // "" for none
	Source        string        // the caller's ARN
}

// IssueSession makes temporary credentials for a role the caller was
// allowed to assume. The credentials are self-contained: the session token
// carries the secret, role, session name, session policy and expiry,
// sealed, so that any gateway of the deployment verifies them without
// reading the store.
func (d *Directory) IssueSession(in AssumeRoleInput) (Credentials, error) {
	if in.Duration == 0 {
		in.Duration = defaultSessionSeconds * time.Second
	}
	expires := d.now().Add(in.Duration).UTC().Truncate(time.Second)
	c := &sessionClaims{
		AccessKeyID: newID(prefixSessionKey, accessKeyIDLen),
		Secret:      newSecretAccessKey(),
		Role:        in.Role.Name,
		RoleID:      in.Role.ID,
		RolePath:    in.Role.Path,
		Session:     in.SessionName,
		Policy:      in.SessionPolicy,
		Expires:     expires.Unix(),
		Source:      in.Source,
	}
	token, err := d.sealSession(c)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.Secret,
		SessionToken:    token,
		Expiration:      expires,
		AssumedRoleARN:  assumedRoleARN(d.account, c.Role, c.Session),
		AssumedRoleID:   c.RoleID + ":" + c.Session,
	}, nil
}
