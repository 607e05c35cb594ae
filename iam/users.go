package iam

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// User is an IAM user as the API shows it.
type User struct {
	Name    string
	ID      string
	Path    string
	ARN     string
	Created time.Time
	Tags    []Tag
}

// AccessKey is an access key as the API shows it; Secret is set only by
// CreateAccessKey.
type AccessKey struct {
	ID      string
	User    string
	Status  string
	Created time.Time
	Secret  string
}

func (d *Directory) userOf(e *entityRecord) User {
	return User{Name: e.Name, ID: e.ID, Path: orRoot(e.Path), ARN: userARN(d.account, e.Path, e.Name), Created: e.Created, Tags: e.Tags}
}

// nowSecond is the current time to the second, as IAM shows dates.
func (d *Directory) nowSecond() time.Time { return d.now().UTC().Truncate(time.Second) }

// getEntity reads the user, group or role called name.
func (d *Directory) getEntity(ctx context.Context, kind entityKind, name string) (*entityRecord, error) {
	if err := validName(kind.nameField(), name, 1, kind.maxNameLen()); err != nil {
		return nil, err
	}
	rec, found, err := getRecord[entityRecord](ctx, d, kind.recordName(name))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchEntity("The %s with name %s cannot be found.", kind, name)
	}
	return rec, nil
}

// listEntities reads every user, group or role, sorted by name without
// regard to case.
func (d *Directory) listEntities(ctx context.Context, kind entityKind) ([]*entityRecord, error) {
	return listRecords[entityRecord](ctx, d, kind.prefix())
}

// createEntity stores a new user, group or role after checking that no
// other of its kind has the name in any case.
func (d *Directory) createEntity(ctx context.Context, kind entityKind, rec *entityRecord) error {
	_, found, err := getRecord[entityRecord](ctx, d, kind.recordName(rec.Name))
	if err != nil {
		return err
	}
	if found {
		return entityAlreadyExists("%s with name %s already exists.", titleCase(kind.String()), rec.Name)
	}
	return d.putRecord(ctx, kind.recordName(rec.Name), rec)
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// validTags checks the tags of a new entity.
func validTags(tags []Tag) error {
	if len(tags) > maxTagsPerEntity {
		return limitExceeded("Cannot exceed quota for TagsPerEntity: %d", maxTagsPerEntity)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 || strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidInput("Tag key %q or its value is not valid.", t.Key)
		}
		if seen[strings.ToLower(t.Key)] {
			return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
	}
	return nil
}

// CreateUser creates a user with no keys, policies or groups.
func (d *Directory) CreateUser(ctx context.Context, name, path string, tags []Tag) (User, error) {
	if err := validName("userName", name, 1, maxUserNameLen); err != nil {
		return User{}, err
	}
	if err := validPath("path", path); err != nil {
		return User{}, err
	}
	if err := validTags(tags); err != nil {
		return User{}, err
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	rec := &entityRecord{Name: name, ID: newID(prefixUserID, uniqueIDLen), Path: orRoot(path), Created: d.nowSecond(), Tags: tags}
	if err := d.createEntity(ctx, kindUser, rec); err != nil {
		return User{}, err
	}
	return d.userOf(rec), nil
}

// GetUser returns the user called name.
func (d *Directory) GetUser(ctx context.Context, name string) (User, error) {
	rec, err := d.getEntity(ctx, kindUser, name)
	if err != nil {
		return User{}, err
	}
	return d.userOf(rec), nil
}

// ListUsers returns the users whose path starts with pathPrefix ("" or
// "/": all), sorted by name.
func (d *Directory) ListUsers(ctx context.Context, pathPrefix string) ([]User, error) {
	if err := validPathPrefix(pathPrefix); err != nil {
		return nil, err
	}
	recs, err := d.listEntities(ctx, kindUser)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, r := range recs {
		if strings.HasPrefix(orRoot(r.Path), orRoot(pathPrefix)) {
			out = append(out, d.userOf(r))
		}
	}
	return out, nil
}

// DeleteUser deletes a user that has no access keys, inline or attached
// policies and group memberships left (DeleteConflict otherwise), as IAM
// requires.
func (d *Directory) DeleteUser(ctx context.Context, name string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	rec, err := d.getEntity(ctx, kindUser, name)
	if err != nil {
		return err
	}
	keys, err := d.userKeys(ctx, rec)
	if err != nil {
		return err
	}
	switch {
	case len(keys) > 0:
		return deleteConflict("Cannot delete entity, must delete access keys first.")
	case len(rec.Inline) > 0:
		return deleteConflict("Cannot delete entity, must delete policies first.")
	case len(rec.Attached) > 0:
		return deleteConflict("Cannot delete entity, must detach all policies first.")
	case len(rec.Groups) > 0:
		return deleteConflict("Cannot delete entity, must remove users from group first.")
	}
	return d.deleteRecord(ctx, kindUser.recordName(name))
}

// userKeys returns the access keys of a user (of this user record: keys
// left by an earlier user of the same name do not count), by creation.
func (d *Directory) userKeys(ctx context.Context, u *entityRecord) ([]*keyRecord, error) {
	all, err := listRecords[keyRecord](ctx, d, prefixKeys)
	if err != nil {
		return nil, err
	}
	var out []*keyRecord
	for _, k := range all {
		if k.UserID == u.ID && strings.EqualFold(k.User, u.Name) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *keyRecord) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.AccessKeyID, b.AccessKeyID))
	})
	return out, nil
}

// CreateAccessKey makes a new Active key pair for the user; a user has at
// most two keys (LimitExceeded).
func (d *Directory) CreateAccessKey(ctx context.Context, user string) (AccessKey, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	u, err := d.getEntity(ctx, kindUser, user)
	if err != nil {
		return AccessKey{}, err
	}
	keys, err := d.userKeys(ctx, u)
	if err != nil {
		return AccessKey{}, err
	}
	if len(keys) >= maxAccessKeysPerUser {
		return AccessKey{}, limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
	}
	id := newID(prefixAccessKey, accessKeyIDLen)
	secret := newSecretAccessKey()
	name := keyRecordName(id)
	rec := &keyRecord{
		AccessKeyID: id,
		User:        u.Name,
		UserID:      u.ID,
		Secret:      d.secrets.seal([]byte(secret), []byte(name)),
		Status:      StatusActive,
		Created:     d.nowSecond(),
	}
	if err := d.putRecord(ctx, name, rec); err != nil {
		return AccessKey{}, err
	}
	return AccessKey{ID: id, User: u.Name, Status: StatusActive, Created: rec.Created, Secret: secret}, nil
}

// ListAccessKeys returns the user's keys without their secrets.
func (d *Directory) ListAccessKeys(ctx context.Context, user string) ([]AccessKey, error) {
	u, err := d.getEntity(ctx, kindUser, user)
	if err != nil {
		return nil, err
	}
	keys, err := d.userKeys(ctx, u)
	if err != nil {
		return nil, err
	}
	out := make([]AccessKey, len(keys))
	for i, k := range keys {
		out[i] = AccessKey{ID: k.AccessKeyID, User: u.Name, Status: k.Status, Created: k.Created}
	}
	return out, nil
}

// userKey reads an access key of the user; NoSuchEntity when it is not
// the user's.
func (d *Directory) userKey(ctx context.Context, user, id string) (*keyRecord, error) {
	u, err := d.getEntity(ctx, kindUser, user)
	if err != nil {
		return nil, err
	}
	if !isAccessKeyID(id) {
		return nil, validationError("accessKeyId", id, `Member must satisfy regular expression pattern: [\w]+`)
	}
	k, found, err := getRecord[keyRecord](ctx, d, keyRecordName(id))
	if err != nil {
		return nil, err
	}
	if !found || k.UserID != u.ID {
		return nil, noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return k, nil
}

// UpdateAccessKey sets a key Active or Inactive. An inactive key does not
// authenticate.
func (d *Directory) UpdateAccessKey(ctx context.Context, user, id, status string) error {
	if status != StatusActive && status != StatusInactive {
		return validationError("status", status, "Member must satisfy enum value set: [Active, Inactive]")
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	k, err := d.userKey(ctx, user, id)
	if err != nil {
		return err
	}
	if k.Status == status {
		return nil
	}
	k.Status = status
	return d.putRecord(ctx, keyRecordName(id), k)
}

// DeleteAccessKey removes a key of the user.
func (d *Directory) DeleteAccessKey(ctx context.Context, user, id string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	if _, err := d.userKey(ctx, user, id); err != nil {
		return err
	}
	return d.deleteRecord(ctx, keyRecordName(id))
}

// AccessKeyUser returns the name of the user an access key belongs to,
// from the in-memory copy: the user that API calls without a UserName
// act on. ok is false for the root key and unknown keys.
func (d *Directory) AccessKeyUser(accessKey string) (string, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	k := d.cache.keys[accessKey]
	if k == nil {
		return "", false
	}
	return k.rec.User, true
}
