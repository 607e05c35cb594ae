package iam

import "github.com/zones3/zones3/iam/policy"

// AccessRequest is one authorisation question about an authenticated (or
// anonymous) request: may the caller do Action on Resource? The gateway
// fills it from the S3 operation; an authoriser answers it from the
// caller's identity policies, the resource's policy and the session
// policy.
type AccessRequest struct {
	Auth     Auth   // Method AuthAnonymous for an unsigned request
	Action   string // e.g. s3:GetObject
	Resource string // e.g. arn:aws:s3:::bucket/key; "*" for no resource
	// Context holds the condition keys of the request (lower-case names).
	// The authoriser adds those of the principal.
	Context policy.Context
	// ResourcePolicy is the bucket policy in force, nil when none.
	ResourcePolicy *policy.Policy
}
