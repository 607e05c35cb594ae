package iam

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Group is an IAM group as the API shows it.
type Group struct {
	Name    string
	ID      string
	Path    string
	ARN     string
	Created time.Time
}

func (d *Directory) groupOf(e *entityRecord) Group {
	return Group{Name: e.Name, ID: e.ID, Path: orRoot(e.Path), ARN: groupARN(d.account, e.Path, e.Name), Created: e.Created}
}

// CreateGroup creates an empty group.
func (d *Directory) CreateGroup(ctx context.Context, name, path string) (Group, error) {
	if err := validName("groupName", name, 1, maxGroupNameLen); err != nil {
		return Group{}, err
	}
	if err := validPath("path", path); err != nil {
		return Group{}, err
	}
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	rec := &entityRecord{Name: name, ID: newID(prefixGroupID, uniqueIDLen), Path: orRoot(path), Created: d.nowSecond()}
	if err := d.createEntity(ctx, kindGroup, rec); err != nil {
		return Group{}, err
	}
	return d.groupOf(rec), nil
}

// GetGroup returns the group called name and its members, sorted by name.
func (d *Directory) GetGroup(ctx context.Context, name string) (Group, []User, error) {
	g, err := d.getEntity(ctx, kindGroup, name)
	if err != nil {
		return Group{}, nil, err
	}
	members, err := d.groupMembers(ctx, g.Name)
	if err != nil {
		return Group{}, nil, err
	}
	users := make([]User, len(members))
	for i, m := range members {
		users[i] = d.userOf(m)
	}
	return d.groupOf(g), users, nil
}

// groupMembers reads the users whose record names the group.
func (d *Directory) groupMembers(ctx context.Context, group string) ([]*entityRecord, error) {
	users, err := d.listEntities(ctx, kindUser)
	if err != nil {
		return nil, err
	}
	var out []*entityRecord
	for _, u := range users {
		if memberOf(u, group) {
			out = append(out, u)
		}
	}
	return out, nil
}

func memberOf(u *entityRecord, group string) bool {
	return slices.ContainsFunc(u.Groups, func(g string) bool { return strings.EqualFold(g, group) })
}

// ListGroups returns the groups whose path starts with pathPrefix.
func (d *Directory) ListGroups(ctx context.Context, pathPrefix string) ([]Group, error) {
	if err := validPathPrefix(pathPrefix); err != nil {
		return nil, err
	}
	recs, err := d.listEntities(ctx, kindGroup)
	if err != nil {
		return nil, err
	}
	var out []Group
	for _, r := range recs {
		if strings.HasPrefix(orRoot(r.Path), orRoot(pathPrefix)) {
			out = append(out, d.groupOf(r))
		}
	}
	return out, nil
}

// ListGroupsForUser returns the groups the user belongs to.
func (d *Directory) ListGroupsForUser(ctx context.Context, user string) ([]Group, error) {
	u, err := d.getEntity(ctx, kindUser, user)
	if err != nil {
		return nil, err
	}
	var out []Group
	for _, name := range u.Groups {
		g, found, err := getRecord[entityRecord](ctx, d, kindGroup.recordName(name))
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, d.groupOf(g))
		}
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(recordKey(a.Name), recordKey(b.Name)) })
	return out, nil
}

// DeleteGroup deletes a group without members and policies.
func (d *Directory) DeleteGroup(ctx context.Context, name string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	g, err := d.getEntity(ctx, kindGroup, name)
	if err != nil {
		return err
	}
	members, err := d.groupMembers(ctx, g.Name)
	if err != nil {
		return err
	}
	switch {
	case len(members) > 0:
		return deleteConflict("Cannot delete entity, must remove users from group first.")
	case len(g.Inline) > 0:
		return deleteConflict("Cannot delete entity, must delete policies first.")
	case len(g.Attached) > 0:
		return deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	return d.deleteRecord(ctx, kindGroup.recordName(name))
}

// AddUserToGroup makes the user a member of the group; adding a member
// again changes nothing.
func (d *Directory) AddUserToGroup(ctx context.Context, group, user string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	g, err := d.getEntity(ctx, kindGroup, group)
	if err != nil {
		return err
	}
	u, err := d.getEntity(ctx, kindUser, user)
	if err != nil {
		return err
	}
	if memberOf(u, g.Name) {
		return nil
	}
	if len(u.Groups) >= maxGroupsPerUser {
		return limitExceeded("Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
	}
	u.Groups = append(u.Groups, g.Name)
	return d.putRecord(ctx, kindUser.recordName(u.Name), u)
}

// RemoveUserFromGroup ends the user's membership of the group.
func (d *Directory) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	g, err := d.getEntity(ctx, kindGroup, group)
	if err != nil {
		return err
	}
	u, err := d.getEntity(ctx, kindUser, user)
	if err != nil {
		return err
	}
	if !memberOf(u, g.Name) {
		return noSuchEntity("The user with name %s cannot be found in group %s.", u.Name, g.Name)
	}
	u.Groups = slices.DeleteFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) })
	return d.putRecord(ctx, kindUser.recordName(u.Name), u)
}
