package iam

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"
)

// ManagedPolicy is a customer managed policy as the API shows it.
type ManagedPolicy struct {
	Name            string
	ID              string
	Path            string
	ARN             string
	Description     string
	Document        string
	Created         time.Time
	Updated         time.Time
	AttachmentCount int
	Tags            []Tag
}

// AttachedPolicy names a managed policy attached to an entity.
type AttachedPolicy struct {
	Name string
	ARN  string
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// checkPolicy validates a policy document of the given kind.
func (d *Directory) checkPolicy(doc string, kind PolicyKind) error {
	if err := checkPolicyText("policyDocument", doc); err != nil {
		return err
	}
	if err := d.validate([]byte(doc), kind); err != nil {
		return policyError(err)
	}
	return nil
}

// PutEntityPolicy adds or replaces an inline policy of a user, group or
// role. The aggregate size of the entity's inline policies (white space
// not counted) is limited as in AWS: users 2,048, groups 5,120 and roles
// 10,240 characters (LimitExceeded).
func (d *Directory) putEntityPolicy(ctx context.Context, kind entityKind, entity, policyName, doc string) error {
	if err := validName("policyName", policyName, 1, maxPolicyNameLen); err != nil {
		return err
	}
	if err := validName(kind.nameField(), entity, 1, kind.maxNameLen()); err != nil {
		return err
	}
	if err := d.checkPolicy(doc, PolicyIdentity); err != nil {
		return err
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	e, err := d.getEntity(ctx, kind, entity)
	if err != nil {
		return err
	}
	size := policySize(doc)
	for name, other := range e.Inline {
		if name != policyName {
			size += policySize(other)
		}
	}
	if limit := kind.inlinePolicyLimit(); size > limit {
		return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, kind, e.Name)
	}
	if e.Inline == nil {
		e.Inline = map[string]string{}
	}
	e.Inline[policyName] = doc
	return d.putRecord(ctx, kind.recordName(e.Name), e)
}

func (d *Directory) getEntityPolicy(ctx context.Context, kind entityKind, entity, policyName string) (string, error) {
	if err := validName("policyName", policyName, 1, maxPolicyNameLen); err != nil {
		return "", err
	}
	e, err := d.getEntity(ctx, kind, entity)
	if err != nil {
		return "", err
	}
	doc, ok := e.Inline[policyName]
	if !ok {
		return "", noSuchEntity("The %s policy with name %s cannot be found.", kind, policyName)
	}
	return doc, nil
}

func (d *Directory) listEntityPolicies(ctx context.Context, kind entityKind, entity string) ([]string, error) {
	e, err := d.getEntity(ctx, kind, entity)
	if err != nil {
		return nil, err
	}
	return sortedKeys(e.Inline), nil
}

func (d *Directory) deleteEntityPolicy(ctx context.Context, kind entityKind, entity, policyName string) error {
	if err := validName("policyName", policyName, 1, maxPolicyNameLen); err != nil {
		return err
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	e, err := d.getEntity(ctx, kind, entity)
	if err != nil {
		return err
	}
	if _, ok := e.Inline[policyName]; !ok {
		return noSuchEntity("The %s policy with name %s cannot be found.", kind, policyName)
	}
	delete(e.Inline, policyName)
	return d.putRecord(ctx, kind.recordName(e.Name), e)
}

// Inline policies of users, groups and roles.

func (d *Directory) PutUserPolicy(ctx context.Context, user, name, doc string) error {
	return d.putEntityPolicy(ctx, kindUser, user, name, doc)
}

func (d *Directory) GetUserPolicy(ctx context.Context, user, name string) (string, error) {
	return d.getEntityPolicy(ctx, kindUser, user, name)
}

func (d *Directory) ListUserPolicies(ctx context.Context, user string) ([]string, error) {
	return d.listEntityPolicies(ctx, kindUser, user)
}

func (d *Directory) DeleteUserPolicy(ctx context.Context, user, name string) error {
	return d.deleteEntityPolicy(ctx, kindUser, user, name)
}

func (d *Directory) PutGroupPolicy(ctx context.Context, group, name, doc string) error {
	return d.putEntityPolicy(ctx, kindGroup, group, name, doc)
}

func (d *Directory) GetGroupPolicy(ctx context.Context, group, name string) (string, error) {
	return d.getEntityPolicy(ctx, kindGroup, group, name)
}

func (d *Directory) ListGroupPolicies(ctx context.Context, group string) ([]string, error) {
	return d.listEntityPolicies(ctx, kindGroup, group)
}

func (d *Directory) DeleteGroupPolicy(ctx context.Context, group, name string) error {
	return d.deleteEntityPolicy(ctx, kindGroup, group, name)
}

func (d *Directory) PutRolePolicy(ctx context.Context, role, name, doc string) error {
	return d.putEntityPolicy(ctx, kindRole, role, name, doc)
}

func (d *Directory) GetRolePolicy(ctx context.Context, role, name string) (string, error) {
	return d.getEntityPolicy(ctx, kindRole, role, name)
}

func (d *Directory) ListRolePolicies(ctx context.Context, role string) ([]string, error) {
	return d.listEntityPolicies(ctx, kindRole, role)
}

func (d *Directory) DeleteRolePolicy(ctx context.Context, role, name string) error {
	return d.deleteEntityPolicy(ctx, kindRole, role, name)
}

// Managed policies.

func (d *Directory) managedOf(p *policyRecord, attachments int) ManagedPolicy {
	return ManagedPolicy{
		Name:            p.Name,
		ID:              p.ID,
		Path:            orRoot(p.Path),
		ARN:             policyARN(d.account, p.Path, p.Name),
		Description:     p.Description,
		Document:        p.Document,
		Created:         p.Created,
		Updated:         p.Updated,
		AttachmentCount: attachments,
		Tags:            p.Tags,
	}
}

// CreatePolicy creates a customer managed policy, ARN
// arn:aws:iam::<account>:policy<path><name>. Its size is limited to 6,144
// characters without white space (LimitExceeded).
func (d *Directory) CreatePolicy(ctx context.Context, name, path, description, doc string, tags []Tag) (ManagedPolicy, error) {
	if err := validName("policyName", name, 1, maxPolicyNameLen); err != nil {
		return ManagedPolicy{}, err
	}
	if err := validPolicyPath("path", path); err != nil {
		return ManagedPolicy{}, err
	}
	if len(description) > maxDescriptionLen {
		return ManagedPolicy{}, validationError("description", description, "Member must have length less than or equal to 1000")
	}
	if err := validTags(tags); err != nil {
		return ManagedPolicy{}, err
	}
	if err := d.checkPolicy(doc, PolicyIdentity); err != nil {
		return ManagedPolicy{}, err
	}
	if policySize(doc) > managedPolicyLimit {
		return ManagedPolicy{}, limitExceeded("Cannot exceed quota for PolicySize: %d", managedPolicyLimit)
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	recName := prefixPols + recordKey(name)
	_, found, err := getRecord[policyRecord](ctx, d, recName)
	if err != nil {
		return ManagedPolicy{}, err
	}
	if found {
		return ManagedPolicy{}, entityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
	}
	now := d.nowSecond()
	rec := &policyRecord{
		Name:        name,
		ID:          newID(prefixPolicyID, uniqueIDLen),
		Path:        orRoot(path),
		Description: description,
		Document:    doc,
		Created:     now,
		Updated:     now,
		Tags:        tags,
	}
	if err := d.putRecord(ctx, recName, rec); err != nil {
		return ManagedPolicy{}, err
	}
	return d.managedOf(rec, 0), nil
}

// policyByARN reads the managed policy an ARN names. A malformed ARN is
// InvalidInput; an ARN of another account (AWS managed policies
// included), or with a path that is not the policy's, is NoSuchEntity.
func (d *Directory) policyByARN(ctx context.Context, arn string) (*policyRecord, error) {
	account, path, name, ok := parseIAMARN(arn, "policy")
	if !ok || validName("policyName", name, 1, maxPolicyNameLen) != nil {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	notFound := noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	if account != d.account {
		return nil, notFound
	}
	p, found, err := getRecord[policyRecord](ctx, d, prefixPols+recordKey(name))
	if err != nil {
		return nil, err
	}
	if !found || orRoot(p.Path) != path {
		return nil, notFound
	}
	return p, nil
}

// attachments counts the users, groups and roles a policy is attached to,
// by policy record key.
func (d *Directory) attachments(ctx context.Context) (map[string]int, error) {
	counts := map[string]int{}
	for _, kind := range []entityKind{kindUser, kindGroup, kindRole} {
		recs, err := d.listEntities(ctx, kind)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			for _, p := range r.Attached {
				counts[recordKey(p)]++
			}
		}
	}
	return counts, nil
}

// GetPolicy returns the managed policy arn names, with the number of
// entities it is attached to.
func (d *Directory) GetPolicy(ctx context.Context, arn string) (ManagedPolicy, error) {
	p, err := d.policyByARN(ctx, arn)
	if err != nil {
		return ManagedPolicy{}, err
	}
	counts, err := d.attachments(ctx)
	if err != nil {
		return ManagedPolicy{}, err
	}
	return d.managedOf(p, counts[recordKey(p.Name)]), nil
}

// ListPolicies returns the customer managed policies whose path starts
// with pathPrefix; onlyAttached keeps those attached to something. Scope
// AWS lists nothing: zones3 has no AWS managed policies.
func (d *Directory) ListPolicies(ctx context.Context, scope string, onlyAttached bool, pathPrefix string) ([]ManagedPolicy, error) {
	switch scope {
	case "", "All", "Local":
	case "AWS":
		return nil, nil
	default:
		return nil, validationError("scope", scope, "Member must satisfy enum value set: [All, AWS, Local]")
	}
	if err := validPathPrefix(pathPrefix); err != nil {
		return nil, err
	}
	recs, err := listRecords[policyRecord](ctx, d, prefixPols)
	if err != nil {
		return nil, err
	}
	counts, err := d.attachments(ctx)
	if err != nil {
		return nil, err
	}
	var out []ManagedPolicy
	for _, p := range recs {
		n := counts[recordKey(p.Name)]
		if onlyAttached && n == 0 || !strings.HasPrefix(orRoot(p.Path), orRoot(pathPrefix)) {
			continue
		}
		out = append(out, d.managedOf(p, n))
	}
	return out, nil
}

// DeletePolicy deletes a managed policy that is attached to nothing
// (DeleteConflict otherwise).
func (d *Directory) DeletePolicy(ctx context.Context, arn string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	p, err := d.policyByARN(ctx, arn)
	if err != nil {
		return err
	}
	counts, err := d.attachments(ctx)
	if err != nil {
		return err
	}
	if counts[recordKey(p.Name)] > 0 {
		return deleteConflict("Cannot delete a policy attached to entities.")
	}
	return d.deleteRecord(ctx, prefixPols+recordKey(p.Name))
}

// attachPolicy attaches a managed policy to a user, group or role;
// attaching it again changes nothing. An entity holds at most 10.
func (d *Directory) attachPolicy(ctx context.Context, kind entityKind, entity, arn string) error {
	if err := validName(kind.nameField(), entity, 1, kind.maxNameLen()); err != nil {
		return err
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	e, err := d.getEntity(ctx, kind, entity)
	if err != nil {
		return err
	}
	p, err := d.policyByARN(ctx, arn)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(e.Attached, func(n string) bool { return strings.EqualFold(n, p.Name) }) {
		return nil
	}
	if len(e.Attached) >= maxAttachedPerEntity {
		return limitExceeded("Cannot exceed quota for PoliciesPer%s: %d", titleCase(kind.String()), maxAttachedPerEntity)
	}
	e.Attached = append(e.Attached, p.Name)
	return d.putRecord(ctx, kind.recordName(e.Name), e)
}

// detachPolicy detaches a managed policy; NoSuchEntity when it is not
// attached.
func (d *Directory) detachPolicy(ctx context.Context, kind entityKind, entity, arn string) error {
	if err := validName(kind.nameField(), entity, 1, kind.maxNameLen()); err != nil {
		return err
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	e, err := d.getEntity(ctx, kind, entity)
	if err != nil {
		return err
	}
	account, _, name, ok := parseIAMARN(arn, "policy")
	if !ok {
		return invalidInput("ARN %s is not valid.", arn)
	}
	i := slices.IndexFunc(e.Attached, func(n string) bool { return strings.EqualFold(n, name) })
	if account != d.account || i < 0 {
		return noSuchEntity("Policy %s was not found.", arn)
	}
	e.Attached = slices.Delete(e.Attached, i, i+1)
	return d.putRecord(ctx, kind.recordName(e.Name), e)
}

// listAttached lists the managed policies attached to an entity whose
// path starts with pathPrefix, sorted by name.
func (d *Directory) listAttached(ctx context.Context, kind entityKind, entity, pathPrefix string) ([]AttachedPolicy, error) {
	if err := validPathPrefix(pathPrefix); err != nil {
		return nil, err
	}
	e, err := d.getEntity(ctx, kind, entity)
	if err != nil {
		return nil, err
	}
	var out []AttachedPolicy
	for _, name := range e.Attached {
		p, found, err := getRecord[policyRecord](ctx, d, prefixPols+recordKey(name))
		if err != nil {
			return nil, err
		}
		if found && strings.HasPrefix(orRoot(p.Path), orRoot(pathPrefix)) {
			out = append(out, AttachedPolicy{Name: p.Name, ARN: policyARN(d.account, p.Path, p.Name)})
		}
	}
	slices.SortFunc(out, func(a, b AttachedPolicy) int {
		return cmp.Compare(recordKey(a.Name), recordKey(b.Name))
	})
	return out, nil
}

func (d *Directory) AttachUserPolicy(ctx context.Context, user, arn string) error {
	return d.attachPolicy(ctx, kindUser, user, arn)
}

func (d *Directory) DetachUserPolicy(ctx context.Context, user, arn string) error {
	return d.detachPolicy(ctx, kindUser, user, arn)
}

func (d *Directory) ListAttachedUserPolicies(ctx context.Context, user, pathPrefix string) ([]AttachedPolicy, error) {
	return d.listAttached(ctx, kindUser, user, pathPrefix)
}

func (d *Directory) AttachGroupPolicy(ctx context.Context, group, arn string) error {
	return d.attachPolicy(ctx, kindGroup, group, arn)
}

func (d *Directory) DetachGroupPolicy(ctx context.Context, group, arn string) error {
	return d.detachPolicy(ctx, kindGroup, group, arn)
}

func (d *Directory) ListAttachedGroupPolicies(ctx context.Context, group, pathPrefix string) ([]AttachedPolicy, error) {
	return d.listAttached(ctx, kindGroup, group, pathPrefix)
}

func (d *Directory) AttachRolePolicy(ctx context.Context, role, arn string) error {
	return d.attachPolicy(ctx, kindRole, role, arn)
}

func (d *Directory) DetachRolePolicy(ctx context.Context, role, arn string) error {
	return d.detachPolicy(ctx, kindRole, role, arn)
}

func (d *Directory) ListAttachedRolePolicies(ctx context.Context, role, pathPrefix string) ([]AttachedPolicy, error) {
	return d.listAttached(ctx, kindRole, role, pathPrefix)
}
