// Package policy is the AWS IAM policy language for zones3: it parses and
// validates policy documents and decides requests against them. It does no
// I/O; the IAM store, the IAM query API and the gateway's authorisation
// build on it.
//
// # Documents
//
// Parse reads a document of a Kind: Identity (user, group and role inline
// policies, managed policies, session policies), Resource (bucket
// policies; ParseBucketPolicy also ties the resources to one bucket) or
// Trust (role trust policies). It accepts what AWS accepts: Version
// "2012-10-17" or "2008-10-17" (absent means 2008-10-17, where ${...} is
// literal text), Id, Statement as one object or an array, Sid, Effect
// Allow/Deny, Principal/NotPrincipal ("*", {"AWS": "*" | account ID |
// account root, user, role, assumed-role or federated-user ARN | [...]},
// {"Service": ...}, {"Federated": ...}), Action/NotAction,
// Resource/NotResource and Condition, each value a string or an array.
//
// Refusals are *Error values with AWS's code and message: from IAM
// (Identity, Trust) MalformedPolicyDocument, e.g. "Syntax errors in
// policy.", "Policy document should not specify a principal.",
// "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2,
// etc."; from S3 (Resource) MalformedPolicy, e.g. "Invalid principal in
// policy", "Policy has invalid resource", "Policy has invalid action",
// "Action does not apply to any resource(s) in statement", "Policy has an
// invalid condition key", "Invalid Condition type : X". Test them with
// errors.Is(err, ErrMalformed) / ErrLimitExceeded.
//
// Size quotas (the Max* constants, counted without whitespace between JSON
// tokens) are checked apart with Size and CheckSize, because the inline
// quotas bound the sum of an entity's inline policies rather than one
// document; they answer LimitExceeded (409) in IAM's words. Parse refuses
// a bucket policy over 20 KiB itself.
//
// Policy.Text (and MarshalJSON) return the document exactly as given:
// what GetBucketPolicy, GetUserPolicy and GetPolicyVersion hand back.
//
// # Actions
//
// Action names are matched without regard to case, with * and ?
// wildcards. The s3, iam and sts service prefixes are known in full
// (s3Actions, iamActions, stsActions: every real action name, served by
// zones3 or not); a name of these prefixes that names no real action, or a
// wildcard that covers none ("s3:GetObjec", "s3:Fetch*"), is refused. In
// identity policies other prefixes ("ec2:RunInstances") are accepted when
// well formed, as IAM accepts them, and match nothing zones3 serves; a
// bucket policy accepts s3 actions only. KnownAction tells whether a name
// is real; the Action* constants name the ones zones3 authorises.
//
// # Evaluation
//
// Evaluate decides one Request (principal, action, resource ARN, condition
// context, time) against the identity policies of the principal, the
// bucket or trust policy, and the session policy, and returns a Decision
// that names the deciding policy and statement (Sid or "#index") for
// audit logs. The rules are AWS's for requests within one account:
//
//   - an explicit Deny in any applicable policy wins;
//   - then an Allow in an identity policy, or in the bucket policy for the
//     principal it names, allows: either suffices;
//   - otherwise the request is implicitly denied.
//
// A bucket policy statement that names only the principal's account
// delegates to the account's identity policies and allows nothing by
// itself (a Deny naming the account applies to all its principals).
// Anonymous requests are allowed only by a statement whose principal is
// "*" or {"AWS": "*"}. The root user needs no policy; a bucket policy Deny
// that applies to it still denies, except for s3:GetBucketPolicy,
// s3:PutBucketPolicy and s3:DeleteBucketPolicy, which S3 always lets the
// root user of the bucket's account do so that a policy cannot lock the
// account out. A trust policy must itself allow sts:AssumeRole: naming the
// caller allows, naming its account defers to the caller's identity
// policies, and identity policies alone never do. A session policy (from
// AssumeRole) can only restrict: identity-policy allows and bucket-policy
// allows that name the role need the session policy to allow too; a bucket
// policy statement naming the session's own ARN does not. NotPrincipal
// leaves a principal out only when both its ARN and its account are listed,
// as in AWS.
//
// Resources are matched case-sensitively with * and ?, and in 2012-10-17
// documents with policy variables: ${key} takes the request's value of a
// single-valued key (aws:username, aws:userid, aws:PrincipalType,
// s3:prefix, ...), ${key, 'default'} a default when the key is absent,
// and ${*}, ${?}, ${$} stand for the literal characters. An element whose
// variable has no value matches nothing.
//
// # Conditions
//
// Operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike, NumericEquals,
// NumericNotEquals, NumericLessThan(Equals), NumericGreaterThan(Equals),
// DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals)
// (ISO 8601 or epoch seconds), Bool, BinaryEquals, IpAddress, NotIpAddress
// (IPv4 and IPv6 CIDR blocks or addresses), ArnEquals, ArnLike,
// ArnNotEquals, ArnNotLike (component by component, with wildcards), Null;
// each but Null with the IfExists suffix and the ForAnyValue: and
// ForAllValues: qualifiers. Operator names are case-sensitive, key names
// are not. A key absent from the request makes a condition false, except
// that negated operators (StringNotEquals, NotIpAddress, ...) are then
// true, ...IfExists is true, ForAllValues is true and Null tests presence.
// Values are checked at parse time (numbers, dates, CIDRs, booleans).
//
// The gateway puts what it knows in the Context: aws:SourceIp,
// aws:SecureTransport, aws:Referer, aws:UserAgent, s3:prefix,
// s3:delimiter, s3:max-keys, s3:x-amz-acl, s3:RequestObjectTag/<key> and
// s3:RequestObjectTagKeys (from x-amz-tagging), s3:VersionId,
// s3:x-amz-content-sha256, s3:signatureversion and s3:authType.
// s3:ExistingObjectTag/<key> is not set: authorisation happens before the
// object is read, so a condition on it finds the key absent. aws:username,
// aws:userid, aws:PrincipalArn, aws:PrincipalType, aws:PrincipalAccount,
// aws:CurrentTime and aws:EpochTime follow from the Principal and the
// request time unless the Context sets them. In a bucket policy, S3's
// known keys are the only ones accepted, and an s3: key limited to some
// actions (s3:prefix to ListBucket and ListBucketVersions, s3:x-amz-acl to
// the ACL-setting actions, ...) must apply to every named action.
//
// # Public bucket policies
//
// IsPublic and PublicStatements implement S3's definition used by
// GetBucketPolicyStatus: an Allow to everyone ("*", {"AWS": "*"} or a
// NotPrincipal) is public unless a condition limits aws:SourceIp to CIDR
// blocks or fixes aws:SourceArn, aws:SourceVpc(e), aws:SourceAccount,
// aws:SourceOwner, aws:PrincipalAccount, aws:PrincipalArn,
// aws:PrincipalOrgID, aws:SourceOrgID, the SSE-KMS key ID, or aws:userid
// outside "AROLEID:*".
//
// # Not covered
//
// Cross-account access (Evaluate treats the resource as the principal's
// account's), permissions boundaries, Organizations SCPs and RCPs, ACLs,
// access points, service and web-identity principals (accepted in
// documents, never matching), and canonical user principals (refused:
// zones3 has no canonical user IDs).
//
// # Cost
//
// Parse compiles every action, resource and condition value once, so that
// Evaluate, which runs on every request, allocates nothing: about 0.1 µs
// for an anonymous read against a bucket policy and 0.3–0.5 µs for a user
// with three identity policies and a bucket policy (BenchmarkEvaluate).
package policy
