package iam

import (
	"net/http"
	"time"
)

// action is one operation of the query APIs.
type action struct {
	sts bool // an STS action (Version 2011-06-15)
	run func(c *call) error
}

func (a action) version() string {
	if a.sts {
		return stsVersion
	}
	return iamVersion
}

// actions are the operations zones3 serves; any other Action is
// InvalidAction.
var actions map[string]action

func init() {
	actions = map[string]action{
		// Users and access keys.
		"CreateUser":      {run: (*call).createUser},
		"GetUser":         {run: (*call).getUser},
		"ListUsers":       {run: (*call).listUsers},
		"DeleteUser":      {run: (*call).deleteUser},
		"CreateAccessKey": {run: (*call).createAccessKey},
		"ListAccessKeys":  {run: (*call).listAccessKeys},
		"UpdateAccessKey": {run: (*call).updateAccessKey},
		"DeleteAccessKey": {run: (*call).deleteAccessKey},
		// Inline policies.
		"PutUserPolicy":     {run: inlinePut(kindUser)},
		"GetUserPolicy":     {run: inlineGet(kindUser)},
		"ListUserPolicies":  {run: inlineList(kindUser)},
		"DeleteUserPolicy":  {run: inlineDelete(kindUser)},
		"PutGroupPolicy":    {run: inlinePut(kindGroup)},
		"GetGroupPolicy":    {run: inlineGet(kindGroup)},
		"ListGroupPolicies": {run: inlineList(kindGroup)},
		"DeleteGroupPolicy": {run: inlineDelete(kindGroup)},
		"PutRolePolicy":     {run: inlinePut(kindRole)},
		"GetRolePolicy":     {run: inlineGet(kindRole)},
		"ListRolePolicies":  {run: inlineList(kindRole)},
		"DeleteRolePolicy":  {run: inlineDelete(kindRole)},
		// Groups.
		"CreateGroup":         {run: (*call).createGroup},
		"GetGroup":            {run: (*call).getGroup},
		"ListGroups":          {run: (*call).listGroups},
		"ListGroupsForUser":   {run: (*call).listGroupsForUser},
		"DeleteGroup":         {run: (*call).deleteGroup},
		"AddUserToGroup":      {run: (*call).addUserToGroup},
		"RemoveUserFromGroup": {run: (*call).removeUserFromGroup},
		// Managed policies.
		"CreatePolicy":              {run: (*call).createPolicy},
		"GetPolicy":                 {run: (*call).getPolicy},
		"GetPolicyVersion":          {run: (*call).getPolicyVersion},
		"ListPolicies":              {run: (*call).listPolicies},
		"DeletePolicy":              {run: (*call).deletePolicy},
		"AttachUserPolicy":          {run: attach(kindUser)},
		"DetachUserPolicy":          {run: detach(kindUser)},
		"ListAttachedUserPolicies":  {run: listAttached(kindUser)},
		"AttachGroupPolicy":         {run: attach(kindGroup)},
		"DetachGroupPolicy":         {run: detach(kindGroup)},
		"ListAttachedGroupPolicies": {run: listAttached(kindGroup)},
		"AttachRolePolicy":          {run: attach(kindRole)},
		"DetachRolePolicy":          {run: detach(kindRole)},
		"ListAttachedRolePolicies":  {run: listAttached(kindRole)},
		// Roles.
		"CreateRole": {run: (*call).createRole},
		"GetRole":    {run: (*call).getRole},
		"ListRoles":  {run: (*call).listRoles},
		"DeleteRole": {run: (*call).deleteRole},
		// STS.
		"GetCallerIdentity": {sts: true, run: (*call).getCallerIdentity},
		"AssumeRole":        {sts: true, run: (*call).assumeRole},
	}
}

// entityARN is the ARN of a user, group or role for authorization, with
// its path from the in-memory copy ("/" for one not known yet).
func (c *call) entityARN(kind entityKind, name string) string {
	path := "/"
	d := c.api.dir
	d.mu.RLock()
	var e *cachedEntity
	switch kind {
	case kindUser:
		e = d.cache.users[recordKey(name)]
	case kindGroup:
		e = d.cache.groups[recordKey(name)]
	default:
		e = d.cache.roles[recordKey(name)]
	}
	if e != nil {
		path, name = orRoot(e.rec.Path), e.rec.Name
	}
	d.mu.RUnlock()
	return kind.arn(d.account, path, name)
}

// listARN is the resource of a listing: the ARN of the path prefix.
func (c *call) listARN(kind string) string {
	return "arn:aws:iam::" + c.api.dir.account + ":" + kind + orRoot(c.param("PathPrefix"))
}

// callerUserName is the user that an operation without UserName acts on:
// the caller. Root and role sessions have none.
func (c *call) callerUserName() (string, error) {
	if c.id.UserName == "" {
		return "", validationErrorf("Must specify userName when calling with non-User credentials")
	}
	return c.id.UserName, nil
}

// userParam is UserName, or the caller's name when it is absent.
func (c *call) userParam() (string, error) {
	if c.has("UserName") {
		return c.param("UserName"), nil
	}
	return c.callerUserName()
}

func writeUser(x *xmlDoc, u User) {
	x.elem("Path", u.Path)
	x.elem("UserName", u.Name)
	x.elem("UserId", u.ID)
	x.elem("Arn", u.ARN)
	x.date("CreateDate", u.Created)
	writeTags(x, u.Tags)
}

func writeTags(x *xmlDoc, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	x.open("Tags")
	for _, t := range tags {
		x.open("member")
		x.elem("Key", t.Key)
		x.elem("Value", t.Value)
		x.close("member")
	}
	x.close("Tags")
}

func writeGroup(x *xmlDoc, g Group) {
	x.elem("Path", g.Path)
	x.elem("GroupName", g.Name)
	x.elem("GroupId", g.ID)
	x.elem("Arn", g.ARN)
	x.date("CreateDate", g.Created)
}

func writeRole(x *xmlDoc, r Role) {
	x.elem("Path", r.Path)
	x.elem("RoleName", r.Name)
	x.elem("RoleId", r.ID)
	x.elem("Arn", r.ARN)
	x.date("CreateDate", r.Created)
	x.elem("AssumeRolePolicyDocument", policyText(r.TrustPolicy))
	x.opt("Description", r.Description)
	x.int("MaxSessionDuration", r.MaxSessionDuration)
	writeTags(x, r.Tags)
}

func writePolicy(x *xmlDoc, p ManagedPolicy) {
	x.elem("PolicyName", p.Name)
	x.elem("PolicyId", p.ID)
	x.elem("Arn", p.ARN)
	x.elem("Path", p.Path)
	x.elem("DefaultVersionId", "v1")
	x.int("AttachmentCount", p.AttachmentCount)
	x.int("PermissionsBoundaryUsageCount", 0)
	x.bool("IsAttachable", true)
	x.opt("Description", p.Description)
	x.date("CreateDate", p.Created)
	x.date("UpdateDate", p.Updated)
	writeTags(x, p.Tags)
}

// Users.

func (c *call) createUser() error {
	name, err := c.required("UserName")
	if err != nil {
		return err
	}
	path := c.param("Path")
	if err := c.authorize("iam:CreateUser", userARN(c.api.dir.account, path, name)); err != nil {
		return err
	}
	tags, err := c.tags()
	if err != nil {
		return err
	}
	u, err := c.api.dir.CreateUser(c.ctx, name, path, tags)
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("User")
		writeUser(x, u)
		x.close("User")
	})
}

func (c *call) getUser() error {
	if !c.has("UserName") && c.id.Root {
		// The root user, as AWS shows it to itself.
		if err := c.authorize("iam:GetUser", c.id.ARN); err != nil {
			return err
		}
		return c.respond(func(x *xmlDoc) {
			x.open("User")
			x.elem("Path", "/")
			x.elem("UserId", c.id.UserID)
			x.elem("Arn", c.id.ARN)
			x.close("User")
		})
	}
	name, err := c.userParam()
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetUser", c.entityARN(kindUser, name)); err != nil {
		return err
	}
	u, err := c.api.dir.GetUser(c.ctx, name)
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("User")
		writeUser(x, u)
		x.close("User")
	})
}

func (c *call) listUsers() error {
	if err := c.authorize("iam:ListUsers", c.listARN("user")); err != nil {
		return err
	}
	users, err := c.api.dir.ListUsers(c.ctx, c.param("PathPrefix"))
	if err != nil {
		return err
	}
	users, next, err := page(c, users, func(u User) string { return recordKey(u.Name) })
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Users")
		for _, u := range users {
			x.open("member")
			writeUser(x, u)
			x.close("member")
		}
		x.close("Users")
		truncation(x, next)
	})
}

func (c *call) deleteUser() error {
	name, err := c.required("UserName")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeleteUser", c.entityARN(kindUser, name)); err != nil {
		return err
	}
	if err := c.api.dir.DeleteUser(c.ctx, name); err != nil {
		return err
	}
	return c.respond(nil)
}

func (c *call) createAccessKey() error {
	name, err := c.userParam()
	if err != nil {
		return err
	}
	if err := c.authorize("iam:CreateAccessKey", c.entityARN(kindUser, name)); err != nil {
		return err
	}
	k, err := c.api.dir.CreateAccessKey(c.ctx, name)
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("AccessKey")
		x.elem("UserName", k.User)
		x.elem("AccessKeyId", k.ID)
		x.elem("Status", k.Status)
		x.elem("SecretAccessKey", k.Secret)
		x.date("CreateDate", k.Created)
		x.close("AccessKey")
	})
}

func (c *call) listAccessKeys() error {
	var keys []AccessKey
	if !c.has("UserName") && c.id.Root {
		// The root key pair, which comes from the environment.
		if err := c.authorize("iam:ListAccessKeys", c.id.ARN); err != nil {
			return err
		}
		keys = []AccessKey{{ID: c.api.dir.rootAccessKey, Status: StatusActive}}
	} else {
		name, err := c.userParam()
		if err != nil {
			return err
		}
		if err := c.authorize("iam:ListAccessKeys", c.entityARN(kindUser, name)); err != nil {
			return err
		}
		if keys, err = c.api.dir.ListAccessKeys(c.ctx, name); err != nil {
			return err
		}
	}
	return c.respond(func(x *xmlDoc) {
		x.open("AccessKeyMetadata")
		for _, k := range keys {
			x.open("member")
			x.opt("UserName", k.User)
			x.elem("AccessKeyId", k.ID)
			x.elem("Status", k.Status)
			x.date("CreateDate", k.Created)
			x.close("member")
		}
		x.close("AccessKeyMetadata")
		truncation(x, "")
	})
}

// keyUser is the user an access key operation acts on: UserName, else the
// caller; root without UserName acts on the key's owner.
func (c *call) keyUser(id string) (string, error) {
	if !c.has("UserName") && c.id.Root {
		if user, ok := c.api.dir.AccessKeyUser(id); ok {
			return user, nil
		}
		return "", noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return c.userParam()
}

func (c *call) updateAccessKey() error {
	id, err := c.required("AccessKeyId")
	if err != nil {
		return err
	}
	status, err := c.required("Status")
	if err != nil {
		return err
	}
	name, err := c.keyUser(id)
	if err != nil {
		return err
	}
	if err := c.authorize("iam:UpdateAccessKey", c.entityARN(kindUser, name)); err != nil {
		return err
	}
	if err := c.api.dir.UpdateAccessKey(c.ctx, name, id, status); err != nil {
		return err
	}
	return c.respond(nil)
}

func (c *call) deleteAccessKey() error {
	id, err := c.required("AccessKeyId")
	if err != nil {
		return err
	}
	name, err := c.keyUser(id)
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeleteAccessKey", c.entityARN(kindUser, name)); err != nil {
		return err
	}
	if err := c.api.dir.DeleteAccessKey(c.ctx, name, id); err != nil {
		return err
	}
	return c.respond(nil)
}

// Inline policies.

// entityParam is the parameter naming an entity of kind: UserName,
// GroupName or RoleName.
func entityParam(kind entityKind) string {
	return titleCase(kind.nameField())
}

func actionKind(kind entityKind) string { return titleCase(kind.String()) }

func inlinePut(kind entityKind) func(c *call) error {
	return func(c *call) error {
		entity, err := c.required(entityParam(kind))
		if err != nil {
			return err
		}
		name, err := c.required("PolicyName")
		if err != nil {
			return err
		}
		doc, err := c.required("PolicyDocument")
		if err != nil {
			return err
		}
		if err := c.authorize("iam:Put"+actionKind(kind)+"Policy", c.entityARN(kind, entity)); err != nil {
			return err
		}
		if err := c.api.dir.putEntityPolicy(c.ctx, kind, entity, name, doc); err != nil {
			return err
		}
		return c.respond(nil)
	}
}

func inlineGet(kind entityKind) func(c *call) error {
	return func(c *call) error {
		entity, err := c.required(entityParam(kind))
		if err != nil {
			return err
		}
		name, err := c.required("PolicyName")
		if err != nil {
			return err
		}
		if err := c.authorize("iam:Get"+actionKind(kind)+"Policy", c.entityARN(kind, entity)); err != nil {
			return err
		}
		doc, err := c.api.dir.getEntityPolicy(c.ctx, kind, entity, name)
		if err != nil {
			return err
		}
		return c.respond(func(x *xmlDoc) {
			x.elem(entityParam(kind), entity)
			x.elem("PolicyName", name)
			x.elem("PolicyDocument", policyText(doc))
		})
	}
}

func inlineList(kind entityKind) func(c *call) error {
	return func(c *call) error {
		entity, err := c.required(entityParam(kind))
		if err != nil {
			return err
		}
		action := "iam:List" + actionKind(kind) + "Policies"
		if err := c.authorize(action, c.entityARN(kind, entity)); err != nil {
			return err
		}
		names, err := c.api.dir.listEntityPolicies(c.ctx, kind, entity)
		if err != nil {
			return err
		}
		names, next, err := page(c, names, func(s string) string { return s })
		if err != nil {
			return err
		}
		return c.respond(func(x *xmlDoc) {
			x.open("PolicyNames")
			for _, n := range names {
				x.elem("member", n)
			}
			x.close("PolicyNames")
			truncation(x, next)
		})
	}
}

func inlineDelete(kind entityKind) func(c *call) error {
	return func(c *call) error {
		entity, err := c.required(entityParam(kind))
		if err != nil {
			return err
		}
		name, err := c.required("PolicyName")
		if err != nil {
			return err
		}
		if err := c.authorize("iam:Delete"+actionKind(kind)+"Policy", c.entityARN(kind, entity)); err != nil {
			return err
		}
		if err := c.api.dir.deleteEntityPolicy(c.ctx, kind, entity, name); err != nil {
			return err
		}
		return c.respond(nil)
	}
}

// Groups.

func (c *call) createGroup() error {
	name, err := c.required("GroupName")
	if err != nil {
		return err
	}
	path := c.param("Path")
	if err := c.authorize("iam:CreateGroup", groupARN(c.api.dir.account, path, name)); err != nil {
		return err
	}
	g, err := c.api.dir.CreateGroup(c.ctx, name, path)
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Group")
		writeGroup(x, g)
		x.close("Group")
	})
}

func (c *call) getGroup() error {
	name, err := c.required("GroupName")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetGroup", c.entityARN(kindGroup, name)); err != nil {
		return err
	}
	g, users, err := c.api.dir.GetGroup(c.ctx, name)
	if err != nil {
		return err
	}
	users, next, err := page(c, users, func(u User) string { return recordKey(u.Name) })
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Group")
		writeGroup(x, g)
		x.close("Group")
		x.open("Users")
		for _, u := range users {
			x.open("member")
			writeUser(x, u)
			x.close("member")
		}
		x.close("Users")
		truncation(x, next)
	})
}

func writeGroups(c *call, groups []Group) error {
	groups, next, err := page(c, groups, func(g Group) string { return recordKey(g.Name) })
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Groups")
		for _, g := range groups {
			x.open("member")
			writeGroup(x, g)
			x.close("member")
		}
		x.close("Groups")
		truncation(x, next)
	})
}

func (c *call) listGroups() error {
	if err := c.authorize("iam:ListGroups", c.listARN("group")); err != nil {
		return err
	}
	groups, err := c.api.dir.ListGroups(c.ctx, c.param("PathPrefix"))
	if err != nil {
		return err
	}
	return writeGroups(c, groups)
}

func (c *call) listGroupsForUser() error {
	name, err := c.required("UserName")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:ListGroupsForUser", c.entityARN(kindUser, name)); err != nil {
		return err
	}
	groups, err := c.api.dir.ListGroupsForUser(c.ctx, name)
	if err != nil {
		return err
	}
	return writeGroups(c, groups)
}

func (c *call) deleteGroup() error {
	name, err := c.required("GroupName")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeleteGroup", c.entityARN(kindGroup, name)); err != nil {
		return err
	}
	if err := c.api.dir.DeleteGroup(c.ctx, name); err != nil {
		return err
	}
	return c.respond(nil)
}

func (c *call) membership(action string, apply func(group, user string) error) error {
	group, err := c.required("GroupName")
	if err != nil {
		return err
	}
	user, err := c.required("UserName")
	if err != nil {
		return err
	}
	if err := c.authorize(action, c.entityARN(kindGroup, group)); err != nil {
		return err
	}
	if err := apply(group, user); err != nil {
		return err
	}
	return c.respond(nil)
}

func (c *call) addUserToGroup() error {
	return c.membership("iam:AddUserToGroup", func(g, u string) error { return c.api.dir.AddUserToGroup(c.ctx, g, u) })
}

func (c *call) removeUserFromGroup() error {
	return c.membership("iam:RemoveUserFromGroup", func(g, u string) error { return c.api.dir.RemoveUserFromGroup(c.ctx, g, u) })
}

// Managed policies.

func (c *call) createPolicy() error {
	name, err := c.required("PolicyName")
	if err != nil {
		return err
	}
	doc, err := c.required("PolicyDocument")
	if err != nil {
		return err
	}
	path := c.param("Path")
	if err := c.authorize("iam:CreatePolicy", policyARN(c.api.dir.account, path, name)); err != nil {
		return err
	}
	tags, err := c.tags()
	if err != nil {
		return err
	}
	p, err := c.api.dir.CreatePolicy(c.ctx, name, path, c.param("Description"), doc, tags)
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Policy")
		writePolicy(x, p)
		x.close("Policy")
	})
}

func (c *call) getPolicy() error {
	arn, err := c.required("PolicyArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetPolicy", arn); err != nil {
		return err
	}
	p, err := c.api.dir.GetPolicy(c.ctx, arn)
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Policy")
		writePolicy(x, p)
		x.close("Policy")
	})
}

// getPolicyVersion serves the one version (v1) zones3 keeps of a policy.
func (c *call) getPolicyVersion() error {
	arn, err := c.required("PolicyArn")
	if err != nil {
		return err
	}
	version, err := c.required("VersionId")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetPolicyVersion", arn); err != nil {
		return err
	}
	p, err := c.api.dir.GetPolicy(c.ctx, arn)
	if err != nil {
		return err
	}
	if version != "v1" {
		return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, version)
	}
	return c.respond(func(x *xmlDoc) {
		x.open("PolicyVersion")
		x.elem("Document", policyText(p.Document))
		x.elem("VersionId", "v1")
		x.bool("IsDefaultVersion", true)
		x.date("CreateDate", p.Created)
		x.close("PolicyVersion")
	})
}

func (c *call) listPolicies() error {
	if err := c.authorize("iam:ListPolicies", c.listARN("policy")); err != nil {
		return err
	}
	onlyAttached, err := c.boolParam("OnlyAttached")
	if err != nil {
		return err
	}
	policies, err := c.api.dir.ListPolicies(c.ctx, c.param("Scope"), onlyAttached, c.param("PathPrefix"))
	if err != nil {
		return err
	}
	policies, next, err := page(c, policies, func(p ManagedPolicy) string { return recordKey(p.Name) })
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Policies")
		for _, p := range policies {
			x.open("member")
			writePolicy(x, p)
			x.close("member")
		}
		x.close("Policies")
		truncation(x, next)
	})
}

func (c *call) deletePolicy() error {
	arn, err := c.required("PolicyArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeletePolicy", arn); err != nil {
		return err
	}
	if err := c.api.dir.DeletePolicy(c.ctx, arn); err != nil {
		return err
	}
	return c.respond(nil)
}

func attach(kind entityKind) func(c *call) error {
	return func(c *call) error {
		entity, err := c.required(entityParam(kind))
		if err != nil {
			return err
		}
		arn, err := c.required("PolicyArn")
		if err != nil {
			return err
		}
		if err := c.authorize("iam:Attach"+actionKind(kind)+"Policy", c.entityARN(kind, entity)); err != nil {
			return err
		}
		if err := c.api.dir.attachPolicy(c.ctx, kind, entity, arn); err != nil {
			return err
		}
		return c.respond(nil)
	}
}

func detach(kind entityKind) func(c *call) error {
	return func(c *call) error {
		entity, err := c.required(entityParam(kind))
		if err != nil {
			return err
		}
		arn, err := c.required("PolicyArn")
		if err != nil {
			return err
		}
		if err := c.authorize("iam:Detach"+actionKind(kind)+"Policy", c.entityARN(kind, entity)); err != nil {
			return err
		}
		if err := c.api.dir.detachPolicy(c.ctx, kind, entity, arn); err != nil {
			return err
		}
		return c.respond(nil)
	}
}

func listAttached(kind entityKind) func(c *call) error {
	return func(c *call) error {
		entity, err := c.required(entityParam(kind))
		if err != nil {
			return err
		}
		if err := c.authorize("iam:ListAttached"+actionKind(kind)+"Policies", c.entityARN(kind, entity)); err != nil {
			return err
		}
		attached, err := c.api.dir.listAttached(c.ctx, kind, entity, c.param("PathPrefix"))
		if err != nil {
			return err
		}
		attached, next, err := page(c, attached, func(p AttachedPolicy) string { return recordKey(p.Name) })
		if err != nil {
			return err
		}
		return c.respond(func(x *xmlDoc) {
			x.open("AttachedPolicies")
			for _, p := range attached {
				x.open("member")
				x.elem("PolicyName", p.Name)
				x.elem("PolicyArn", p.ARN)
				x.close("member")
			}
			x.close("AttachedPolicies")
			truncation(x, next)
		})
	}
}

// Roles.

func (c *call) createRole() error {
	name, err := c.required("RoleName")
	if err != nil {
		return err
	}
	trust, err := c.required("AssumeRolePolicyDocument")
	if err != nil {
		return err
	}
	path := c.param("Path")
	if err := c.authorize("iam:CreateRole", roleARN(c.api.dir.account, path, name)); err != nil {
		return err
	}
	maxSession, err := c.intParam("MaxSessionDuration", 0, defaultSessionSeconds, maxSessionSeconds)
	if err != nil {
		return err
	}
	tags, err := c.tags()
	if err != nil {
		return err
	}
	r, err := c.api.dir.CreateRole(c.ctx, CreateRoleInput{
		Name:               name,
		Path:               path,
		TrustPolicy:        trust,
		Description:        c.param("Description"),
		MaxSessionDuration: maxSession,
		Tags:               tags,
	})
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Role")
		writeRole(x, r)
		x.close("Role")
	})
}

func (c *call) getRole() error {
	name, err := c.required("RoleName")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetRole", c.entityARN(kindRole, name)); err != nil {
		return err
	}
	r, err := c.api.dir.GetRole(c.ctx, name)
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Role")
		writeRole(x, r)
		x.close("Role")
	})
}

func (c *call) listRoles() error {
	if err := c.authorize("iam:ListRoles", c.listARN("role")); err != nil {
		return err
	}
	roles, err := c.api.dir.ListRoles(c.ctx, c.param("PathPrefix"))
	if err != nil {
		return err
	}
	roles, next, err := page(c, roles, func(r Role) string { return recordKey(r.Name) })
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("Roles")
		for _, r := range roles {
			x.open("member")
			writeRole(x, r)
			x.close("member")
		}
		x.close("Roles")
		truncation(x, next)
	})
}

func (c *call) deleteRole() error {
	name, err := c.required("RoleName")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeleteRole", c.entityARN(kindRole, name)); err != nil {
		return err
	}
	if err := c.api.dir.DeleteRole(c.ctx, name); err != nil {
		return err
	}
	return c.respond(nil)
}

// STS.

// getCallerIdentity needs no permission, as in AWS.
func (c *call) getCallerIdentity() error {
	return c.respond(func(x *xmlDoc) {
		x.elem("Arn", c.id.ARN)
		x.elem("UserId", c.id.UserID)
		x.elem("Account", c.id.Account)
	})
}

func (c *call) assumeRole() error {
	arn, err := c.required("RoleArn")
	if err != nil {
		return err
	}
	session, err := c.required("RoleSessionName")
	if err != nil {
		return err
	}
	if err := validName("roleSessionName", session, minSessionNameLen, maxSessionNameLen); err != nil {
		return err
	}
	seconds, err := c.intParam("DurationSeconds", defaultSessionSeconds, minSessionSeconds, maxSessionSeconds)
	if err != nil {
		return err
	}
	if c.has("PolicyArns.member.1.arn") {
		return validationErrorf("PolicyArns are not supported: give the session policy in Policy.")
	}
	if len(arn) < 20 || len(arn) > 2048 {
		return validationError("roleArn", arn, "Member must have length between 20 and 2048")
	}
	c.iamAction, c.resource = "sts:AssumeRole", arn
	d := c.api.dir
	rec, found, err := d.roleByARN(c.ctx, arn)
	if err != nil {
		return err
	}
	notAuthorized := accessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.id.ARN, arn)
	if !found {
		c.reason = "no such role"
		return notAuthorized
	}
	role := d.roleOf(rec)
	if err := c.api.trust(c.ctx, []byte(role.TrustPolicy), c.id, role.ARN); err != nil {
		c.reason = err.Error()
		return notAuthorized
	}
	// A configured TrustPolicy weighs the caller's own policies with the
	// trust policy, as AWS does; the built-in check sees only the trust
	// policy, so the caller's policies must allow the action as well.
	if !c.api.trustDecides {
		if err := c.authorize("sts:AssumeRole", role.ARN); err != nil {
			return err
		}
	}
	if c.id.Role != "" && seconds > chainedSessionSeconds {
		// Role chaining: a session assuming a role gets at most an hour.
		return validationErrorf("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if seconds > role.MaxSessionDuration {
		return validationErrorf("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	policy := c.param("Policy")
	packed := 0
	if c.has("Policy") {
		if err := checkPolicyText("policy", policy); err != nil {
			return err
		}
		if len(policy) > sessionPolicyLimit {
			return newError(CodePackedPolicyTooLarge, http.StatusBadRequest, "Packed size of the session policy is over the limit: the policy has %d characters, at most %d are allowed.", len(policy), sessionPolicyLimit)
		}
		if err := d.validate([]byte(policy), PolicySession); err != nil {
			return policyError(err)
		}
		packed = (policySize(policy)*100 + sessionPolicyLimit - 1) / sessionPolicyLimit
	}
	creds, err := d.IssueSession(AssumeRoleInput{
		Role:          role,
		SessionName:   session,
		Duration:      time.Duration(seconds) * time.Second,
		SessionPolicy: policy,
		Source:        c.id.ARN,
	})
	if err != nil {
		return err
	}
	return c.respond(func(x *xmlDoc) {
		x.open("AssumedRoleUser")
		x.elem("AssumedRoleId", creds.AssumedRoleID)
		x.elem("Arn", creds.AssumedRoleARN)
		x.close("AssumedRoleUser")
		x.open("Credentials")
		x.elem("AccessKeyId", creds.AccessKeyID)
		x.elem("SecretAccessKey", creds.SecretAccessKey)
		x.elem("SessionToken", creds.SessionToken)
		x.date("Expiration", creds.Expiration)
		x.close("Credentials")
		if c.has("Policy") {
			x.int("PackedPolicySize", packed)
		}
	})
}
