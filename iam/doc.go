// Package iam owns who a request comes from and what identities exist:
// request authentication, the account's users, access keys, groups, roles
// and managed policies, temporary credentials, and the IAM and STS query
// APIs. What a policy allows is decided by the policy language
// (iam/policy); Authorizer (authorize.go) applies it to the identities
// here: S3 requests with the bucket policy the gateway passes, IAM and STS
// requests, and role trust for AssumeRole. It logs one line per refusal.
//
// # Authentication
//
// Verifier.Verify checks AWS Signature Version 4 (Authorization header and
// presigned query) and the legacy S3 Signature Version 2 against the
// secret keys a Keyring holds; the gateway maps the exported sentinel
// errors to S3 error codes. The signing logic is kept apart from net/http:
// canonicalisation, strings to sign and key derivation are pure functions
// over strings (sigv4.go, sigv2.go, encode.go), table-tested against AWS's
// published vectors; request.go gathers what they read from an
// *http.Request, and verify.go decides. For streaming uploads (aws-chunked)
// Verify hands back the derived signing key, the seed signature, the date
// and the scope; the decoder in the gateway chains each chunk's signature
// from them. The payload hash a header-signed S3 request claims is checked
// by the gateway as it streams the body.
//
// A request carrying x-amz-security-token (header, or X-Amz-Security-Token
// in a presigned URL) is signed with temporary credentials: the Verifier
// asks a SessionKeyring for the secret, and Auth.SessionToken carries the
// token on. A token that does not open is ErrInvalidToken (S3 InvalidToken,
// 400; IAM/STS InvalidClientTokenId, 403), an expired one ErrExpiredToken
// (S3 ExpiredToken, 400; IAM/STS ExpiredToken, 403).
//
// # Identities (Directory)
//
// A Directory keeps the records in a Store: the object layer's cluster
// metadata in a deployment (kept on every storage node, written and read
// with a majority quorum, last writer wins), adapted by cmd/zones3. The
// schema (records.go) is one JSON record per entity:
//
//	iam/user/<name, lower case>    a user, its inline policies, the names
//	                               of its attached policies and groups
//	iam/group/<name, lower case>   a group and its policies
//	iam/role/<name, lower case>    a role, its trust policy
//	                               (AssumeRolePolicyDocument), maximum
//	                               session duration and policies
//	iam/policy/<name, lower case>  a customer managed policy (one version,
//	                               v1)
//	iam/key/<access key ID>        an access key: its user (name and unique
//	                               ID), status, creation date and sealed
//	                               secret
//
// Names of one kind are unique regardless of case, as in AWS. Every
// operation writes one record, so a failed or refused operation leaves the
// others as they were; records name each other, never by ARN. A key is
// valid only while the user record with the unique ID it names exists.
// Operations through one Directory are serialised, so their checks (name
// taken, two keys at most, nothing left before a delete) hold; two
// gateways changing the same record at the same instant are not
// coordinated: the later write wins.
//
// Limits, as AWS's defaults: two access keys per user, ten groups per
// user, ten attached policies per user, group or role; the inline policies
// of one entity together hold at most 2,048 (user), 5,120 (group) or
// 10,240 (role) characters without white space, a managed policy 6,144, a
// trust policy 2,048 and a session policy 2,048 (LimitExceeded or
// PackedPolicyTooLarge beyond).
//
// The account ID (12 digits, in every ARN) is derived from the root access
// key (AccountID): every gateway of a deployment computes the same one
// without storing it. Changing the root access key changes every ARN
// shown, and policies that name ARNs must be updated; the records stay
// valid.
//
// # Encryption
//
// Access key secrets are stored sealed with AES-256-GCM under a key derived
// by HKDF-SHA256 from the master secret, which is ZONES3_IAM_KEY when set
// and the root secret key otherwise; the record's name is the associated
// data, so a sealed secret moved to another record does not open. There is
// no key rotation: a gateway with another master secret cannot open the
// stored secrets (it logs each key it cannot open, and those keys do not
// authenticate), so changing ZONES3_IAM_KEY, or the root secret key when
// ZONES3_IAM_KEY is unset, means making every user's access keys anew.
// Set ZONES3_IAM_KEY to change the root secret key freely.
//
// # Propagation
//
// Each Directory keeps all records in memory for authentication and
// identities, read again from the store every DefaultRefreshInterval (2 s)
// by Run; a change made through a gateway takes effect there at once and on
// every other gateway within that interval (a new key may be refused, an
// inactive or deleted key accepted, for up to 2 s). A write that a refresh
// in progress may not have seen is applied again on top of its result, so
// a refresh never undoes this gateway's own change. Until the first read
// succeeds only the root key authenticates, and the gateway reports not
// ready. The root key pair from the environment always authenticates and
// is never stored.
//
// # Authorisation cost
//
// Every S3 request of an IAM user is authorised, so the policy language's
// parsing is kept off that path. The in-memory copy holds each stored
// identity policy (inline policies of users, groups and roles; managed
// policies) already parsed: a record is parsed when it enters the copy,
// and a refresh that finds a record unchanged keeps its parsed form, so a
// document is parsed once per version per gateway. Identity hands out
// these *policy.Policy values by reference (IdentityPolicy.Policy), shared
// by every request and every user they apply to and never changed, and
// Authorizer evaluates them as they are: no parsing, no building of keys,
// no lookup by document text. A stored document that does not parse (a
// ValidatePolicy hook accepted more than the policy language, or a newer
// zones3 wrote it) is logged once, when its record is read, and grants
// nothing; the identity's other policies still apply, as before. The
// documents that come with the request are parsed by the Authorizer and
// kept in a cache of at most 1,024 entries, emptied when full: session
// policies (carried in the session token; the same policy in another
// session is another entry, since the deciding policy is named after the
// session) and trust policies (AssumeRole only).
//
// BenchmarkAuthorizeUser measures one S3 request (PutObject) by a user
// with three policies (one inline, one managed, one from a group) against
// a bucket policy with conditions: Directory.Identity and the evaluation.
// On the shared 2-core development machine (load around 4, so the times
// vary by a factor of two between runs), six runs each:
//
//	go test -run '^$' -bench BenchmarkAuthorizeUser -benchtime 500ms -count 6 ./iam/
//
//	before (policies copied per request, parsed form looked up by name and text):
//	  2,500–8,100 ns/op (median about 6,000), 3,104 B/op, 28 allocs/op
//	after (parsed with the snapshot, shared):
//	  1,150–2,000 ns/op (median about 1,500),   608 B/op,  3 allocs/op
//
// The three allocations left are the Identity, its policy list (one
// slice of references) and the policy.Request, which escapes to the
// heap through policy.Evaluate. BenchmarkIdentity (a user of a 1,000-user directory)
// went from 18 to 2 allocations per call.
//
// # Temporary credentials
//
// STS AssumeRole issues an ASIA… access key, a secret and a session token
// that is self-contained: the token is the sealed (AES-256-GCM, HKDF key
// of its own) role, role ID, session name, session policy, expiry, source
// identity and secret. Any gateway of the deployment verifies it without
// reading the store. A session whose role was deleted (or made anew)
// still authenticates until it expires, but carries no role policies.
//
// # The query API
//
// API serves the IAM (Version 2010-05-08) and STS (2011-06-15) query APIs
// on the S3 endpoint: a form-encoded POST (or a GET with the parameters in
// the query) to "/", signed with SigV4 for service iam or sts (IsAPIRequest
// tells the gateway). Answers and errors are AWS's XML (<ErrorResponse>
// with Type, Code, Message and RequestId; policy documents percent-encoded
// as AWS returns them), which the aws CLI and SDKs parse. Every request is
// authorised before it runs: the root user may do everything; any other
// identity needs APIConfig.Authorize to allow iam:<Action> (sts:AssumeRole)
// on the resource's ARN (zones3 passes Authorizer.AuthorizeAPI), and
// without a hook nobody but root may. GetCallerIdentity needs no
// permission. AssumeRole is decided by APIConfig.TrustPolicy: zones3
// passes Authorizer.Trust, which evaluates the role's trust policy as the
// resource policy of sts:AssumeRole together with the caller's own
// policies, as AWS does within one account (a trust policy naming the
// user allows it; one naming the account defers to the user's policies).
// Without it, TrustPolicyAllows and the caller's sts:AssumeRole
// permission must both agree. Unlike AWS, the root user may assume a role
// whose trust policy names the account. Every refused
// request (authentication or authorization) is logged once at Info level:
// access key, ARN, action, resource and reason.
//
// Actions: CreateUser, GetUser (the caller without UserName), ListUsers,
// DeleteUser (DeleteConflict while keys, policies or groups remain),
// CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
// PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy,
// CreateGroup, GetGroup, ListGroups, ListGroupsForUser, DeleteGroup,
// AddUserToGroup, RemoveUserFromGroup, PutGroupPolicy, GetGroupPolicy,
// ListGroupPolicies, DeleteGroupPolicy, CreatePolicy, GetPolicy,
// GetPolicyVersion (v1), ListPolicies, DeletePolicy, AttachUserPolicy,
// DetachUserPolicy, ListAttachedUserPolicies, AttachGroupPolicy,
// DetachGroupPolicy, ListAttachedGroupPolicies, CreateRole, GetRole,
// ListRoles, DeleteRole, PutRolePolicy, GetRolePolicy, ListRolePolicies,
// DeleteRolePolicy, AttachRolePolicy, DetachRolePolicy,
// ListAttachedRolePolicies; STS GetCallerIdentity and AssumeRole
// (DurationSeconds 900 to the role's MaxSessionDuration, default 3600, one
// hour at most when a session assumes a role; Policy as session policy).
// Any other Action is InvalidAction. Policy documents are checked by
// DirectoryConfig.ValidatePolicy (by default a structural check) before
// anything is stored.
package iam
