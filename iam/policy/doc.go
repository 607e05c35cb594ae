// Package policy is the AWS IAM policy language for zones3: it parses and
// validates policy documents and decides requests against them. It does no
// I/O; the IAM store, the IAM query API and the gateway's authorisation
// build on it.
//
// # Documents
//
// Parse reads a document of a Kind: Identity (user, group and role
// policies, managed policies, session policies), Resource (bucket
// policies; ParseBucketPolicy also ties the resources to one bucket) or
// Trust (role trust policies). Refusals are *Error values carrying the
// code AWS answers with — MalformedPolicyDocument from IAM,
// MalformedPolicy from S3 — and AWS's message. Size quotas are checked
// apart (Size, CheckSize, the Max* constants), since inline quotas are per
// entity rather than per document; Parse refuses a bucket policy over
// 20 KiB itself. Policy.Text returns the document as given.
//
// # Decisions
//
// Evaluate takes a Request (principal, action, resource ARN, condition
// context) and the identity policies, the bucket or trust policy and the
// session policy that apply, and returns a Decision naming the statement
// that decided. IsPublic and PublicStatements implement S3's definition of
// a public bucket policy for GetBucketPolicyStatus.
package policy
